package io.leasecron.leader;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one Lease the election is about. Writes are conditional: {@link #update} succeeds only if the Lease is still at
 * the {@code resourceVersion} of the given record, so a lost race is a {@link Conflict}, the normal outcome, not an
 * error.
 */
public interface LeaseStore {
    Optional<LeaseRecord> get() throws LeaseStoreException;

    /** Creates the Lease; {@link Conflict} if it exists already. */
    LeaseRecord create(LeaseRecord record) throws Conflict, LeaseStoreException;

    /** Replaces the Lease if it is still at {@code record.resourceVersion()}; {@link Conflict} otherwise. */
    LeaseRecord update(LeaseRecord record) throws Conflict, LeaseStoreException;

    /** Calls {@code onChange} with every version of the Lease seen from now on (empty: deleted). */
    AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange);

    /** Someone else wrote the Lease first. */
    final class Conflict extends Exception {
        public Conflict(String message) {
            super(message, null, false, false);
        }
    }

    /** The API could not be asked: unreachable, timed out, refused, forbidden. The message says which. */
    final class LeaseStoreException extends Exception {
        public LeaseStoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
