package io.leasecron.leader;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real {@link LeaseStore} with the seams a test needs: {@link #cut} makes every call fail as an unreachable API
 * would, {@link #calls} counts the calls made, {@link #beforeUpdate} runs just before an update is sent (the API is
 * slow, time passes meanwhile), {@link #loseAnswers} lets updates commit and then fails them as a connection reset
 * after the request was processed would. The watch is never cut.
 */
final class CuttableLeaseStore implements LeaseStore {
    final LeaseStore real;
    final AtomicBoolean cut = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();
    volatile Consumer<LeaseRecord> beforeUpdate = r -> { };
    /** How many of the next updates commit on the server and then fail here, their answer lost. */
    final AtomicInteger loseAnswers = new AtomicInteger();

    CuttableLeaseStore(LeaseStore real) {
        this.real = real;
    }

    @Override
    public Optional<LeaseRecord> get() throws LeaseStoreException {
        check();
        return real.get();
    }

    @Override
    public LeaseRecord create(LeaseRecord r) throws Conflict, LeaseStoreException {
        check();
        return real.create(r);
    }

    @Override
    public LeaseRecord update(LeaseRecord r) throws Conflict, LeaseStoreException {
        check();
        beforeUpdate.accept(r);
        LeaseRecord written = real.update(r);
        if (loseAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new LeaseStoreException("the connection closed before the answer came (the update was applied)", null);
        }
        return written;
    }

    @Override
    public AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange) {
        return real.watch(onChange);
    }

    private void check() throws LeaseStoreException {
        calls.incrementAndGet();
        if (cut.get()) {
            throw new LeaseStoreException("cannot reach the API: connection cut by the test", null);
        }
    }
}
