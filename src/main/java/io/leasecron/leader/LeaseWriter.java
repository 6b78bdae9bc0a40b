package io.leasecron.leader;

import io.leasecron.leader.LeaseCall.Answer;
import io.leasecron.leader.LeaseCall.Request;
import io.leasecron.leader.LeaseStore.Conflict;
import io.leasecron.leader.LeaseStore.LeaseStoreException;
import java.util.Optional;

/**
 * Makes one {@link Election} request against the {@link LeaseStore} and says what it came to: read, committed,
 * lost to someone else's write, landed (refused, but the Lease shows this term's own earlier write whose answer was
 * lost), or failed (unknown: the write may or may not have been applied). A refused write is followed by one read
 * of the Lease, which is what tells "lost" from "landed". The only class of the election that does I/O.
 */
final class LeaseWriter {
    private final LeaseStore store;
    private final String identity;

    LeaseWriter(LeaseStore store, String identity) {
        this.store = store;
        this.identity = identity;
    }

    Answer perform(Request request) {
        try {
            if (request instanceof Request.Poll) {
                return new Answer.Read(store.get());
            }
            if (request instanceof Request.Acquire a) {
                return new Answer.Committed(a.create() ? store.create(a.record()) : store.update(a.record()));
            }
            LeaseRecord record = request instanceof Request.Write w ? w.record() : ((Request.Release) request).record();
            return new Answer.Committed(store.update(record));
        } catch (Conflict e) {
            return refused(request, e.getMessage());
        } catch (LeaseStoreException e) {
            return new Answer.Failed(e.getMessage());
        }
    }

    /** A conditional write was refused: look at the Lease before concluding who wrote it. */
    private Answer refused(Request request, String message) {
        Optional<LeaseRecord> current;
        try {
            current = store.get();
        } catch (LeaseStoreException e) {
            return new Answer.Lost(message, null);
        }
        if (request instanceof Request.Write w && current.isPresent() && current.get().term() == w.record().term()
                && identity.equals(current.get().holder())) {
            return new Answer.Landed(current.get());
        }
        return new Answer.Lost(message, current);
    }
}
