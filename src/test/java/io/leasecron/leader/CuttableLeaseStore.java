package io.leasecron.leader;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real {@link LeaseStore} with the seams a test needs: {@link #cut} makes every call fail as an unreachable API
 * would, {@link #calls} counts the calls made, {@link #beforeUpdate} runs just before an update is sent (the API is
 * slow, time passes meanwhile). The watch is never cut.
 */
final class CuttableLeaseStore implements LeaseStore {
    final LeaseStore real;
    final AtomicBoolean cut = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();
    volatile Consumer<LeaseRecord> beforeUpdate = r -> { };

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
        return real.update(r);
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
