package io.leasecron.simulation;

import io.leasecron.leader.LeaseRecord;
import io.leasecron.leader.LeaseStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The API server's Lease, as the simulation's replicas see it: one object with a resourceVersion, created once and
 * replaced only by a write conditional on the version it was read at (HTTP 409 otherwise), as the real server
 * does. Every committed version is kept (for stale reads) and told to the invariants, and queued on every open watch,
 * where the simulation delivers it later, or drops it (a watch gap).
 *
 * <p>Faults come from the simulation through {@link Faults}: a call may fail before it reaches the server (not
 * applied), or be applied and then fail (its answer lost: a timeout or a connection reset after the server
 * processed it); a read may return an older version (a stale cache).
 */
final class SimLeaseServer {
    /** What goes wrong with one call, decided by the simulation's seed. */
    enum Fault {
        NONE, NOT_APPLIED, ANSWER_LOST, STALE_READ
    }

    interface Faults {
        Fault next(String replica, String operation);
    }

    /** A committed version of the Lease, with who wrote it and when (true time, nanoseconds). */
    record Commit(long trueNanos, String writer, LeaseRecord record) {
    }

    /** One replica's open watch: versions waiting to be delivered to it, in order. */
    static final class Watch {
        final Deque<Optional<LeaseRecord>> queue = new ArrayDeque<>();
        Consumer<Optional<LeaseRecord>> consumer;
        boolean open = true;
    }

    private final Faults faults;
    private final List<Commit> history = new ArrayList<>();
    private final List<Watch> watches = new ArrayList<>();
    private final Listener listener;
    private LeaseRecord current;
    private long version;
    long trueNanos;

    /** Told about every commit, before anyone is answered: the invariants check it. */
    interface Listener {
        void committed(Commit commit, LeaseRecord before);
    }

    SimLeaseServer(Faults faults, Listener listener) {
        this.faults = faults;
        this.listener = listener;
    }

    List<Watch> watches() {
        return watches;
    }

    /** The store one replica process uses. */
    LeaseStore storeFor(String replica) {
        return new LeaseStore() {
            @Override
            public Optional<LeaseRecord> get() throws LeaseStoreException {
                Fault f = faults.next(replica, "get");
                if (f == Fault.NOT_APPLIED || f == Fault.ANSWER_LOST) {
                    throw new LeaseStoreException("GET lease: timed out (simulated)", null);
                }
                if (f == Fault.STALE_READ && history.size() > 1) {
                    return Optional.of(history.get(history.size() - 2).record());
                }
                return Optional.ofNullable(current);
            }

            @Override
            public LeaseRecord create(LeaseRecord record) throws Conflict, LeaseStoreException {
                return write(replica, record, true);
            }

            @Override
            public LeaseRecord update(LeaseRecord record) throws Conflict, LeaseStoreException {
                return write(replica, record, false);
            }

            @Override
            public AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange) {
                Watch w = new Watch();
                w.consumer = onChange;
                watches.add(w);
                return () -> w.open = false;
            }
        };
    }

    private LeaseRecord write(String replica, LeaseRecord record, boolean create) throws LeaseStore.Conflict, LeaseStore.LeaseStoreException {
        Fault f = faults.next(replica, create ? "create" : "update");
        if (f == Fault.NOT_APPLIED) {
            throw new LeaseStore.LeaseStoreException((create ? "POST" : "PUT") + " lease: HTTP 500 (simulated)", null);
        }
        if (create ? current != null : current == null || !current.resourceVersion().equals(record.resourceVersion())) {
            throw new LeaseStore.Conflict("HTTP 409: the Lease " + (create ? "exists" : "was modified") + " (simulated)");
        }
        LeaseRecord before = current;
        version++;
        current = new LeaseRecord(record.holder(), record.leaseDurationSeconds(), record.acquireTime(), record.renewTime(),
                record.transitions(), record.term(), record.claimedUntil(), record.dispatchedThrough(), Long.toString(version));
        Commit c = new Commit(trueNanos, replica, current);
        history.add(c);
        listener.committed(c, before);
        for (Watch w : watches) {
            if (w.open) {
                w.queue.add(Optional.of(current));
            }
        }
        if (f == Fault.ANSWER_LOST) {
            throw new LeaseStore.LeaseStoreException("PUT lease: connection reset after the request was sent (simulated; it was applied)", null);
        }
        return current;
    }
}
