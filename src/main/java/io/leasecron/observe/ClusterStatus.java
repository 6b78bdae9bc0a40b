package io.leasecron.observe;

import io.leasecron.engine.Clock;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.job.JobId;
import io.leasecron.observe.RunHistory.Record;
import io.leasecron.observe.ShardStore.Shard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Kubernetes mode's {@link JobStatuses}: job status kept in a few shard ConfigMaps of the service's namespace, which
 * every replica follows and answers from, so every replica shows the same status and it outlives the replicas.
 *
 * <p>Writes: the outcomes a replica observes are changes waiting in memory (the fire path only records them); each
 * {@link #flush()} (every {@code LEASECRON_STATUS_FLUSH_INTERVAL}) writes each shard that has waiting changes once,
 * onto the stored version: so at most one write per changed shard per interval, whatever the number of fires. A write
 * never replaces what is stored with what this replica remembers: it applies its changes (runs added, jobs removed)
 * to the stored shard; on a conflict (HTTP 409) it reads the shard again and applies them again, so a new leader, or
 * an old one whose last attempts ended after the handover, loses no other replica's runs and never writes an empty
 * history over a stored one. Changes that could not be written (API down, three conflicts in a row) wait for the next
 * flush.
 *
 * <p>Reads: the stored shard with this replica's waiting changes applied, so the replica that fired shows its runs at
 * once and the others within a flush interval and the watch's latency. Only the leader removes jobs that left the
 * catalogue, on removal and, for what a previous leader missed, once after it takes the Lease.
 */
public final class ClusterStatus implements JobStatuses, ExecutionListener {
    private static final Logger LOG = Logger.getLogger(ClusterStatus.class);
    static final int ATTEMPTS = 3;

    /**
     * @param flushInterval how often changed shards are written (LEASECRON_STATUS_FLUSH_INTERVAL)
     * @param shards how many ConfigMaps hold the status (LEASECRON_STATUS_SHARDS)
     */
    public record Settings(java.time.Duration flushInterval, int shards) {
        public static final Settings DEFAULTS = new Settings(java.time.Duration.ofSeconds(5), 16);

        /** Checks the rules with messages that name the setting. */
        public Settings {
            if (flushInterval.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("LEASECRON_STATUS_FLUSH_INTERVAL (" + flushInterval.toMillis() + "ms) must be at"
                        + " least 1s: the scheduler that runs it checks its triggers once a second");
            }
            if (shards < 1 || shards > 1000) {
                throw new IllegalArgumentException("LEASECRON_STATUS_SHARDS (" + shards + ") must be between 1 and 1000");
            }
        }
    }

    /** A shard as last seen: its version, its data as stored and as jobs. */
    private record Stored(String resourceVersion, Map<String, String> data, Map<JobId, Status> jobs) {
    }

    /** What waits to be written to one shard. */
    private static final class Pending {
        final Map<JobId, Status> added = new HashMap<>();
        final Set<JobId> removed = new HashSet<>();

        boolean isEmpty() {
            return added.isEmpty() && removed.isEmpty();
        }
    }

    private final ShardStore store;
    private final StatusShards layout;
    private final Clock clock;
    private final BooleanSupplier leader;
    private final Predicate<JobId> known;
    /** By shard index, shards beyond the current count included (after the count was lowered). */
    private final Map<Integer, Stored> stored = new ConcurrentHashMap<>();
    /** By shard index; guarded by this. */
    private final Map<Integer, Pending> pending = new HashMap<>();
    private volatile boolean pruneDue;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    /**
     * @param leader whether this replica holds the Lease: only the leader removes jobs' status
     * @param known whether a job is in the catalogue: the status of a job that is not is neither written nor kept
     */
    public ClusterStatus(ShardStore store, StatusShards layout, Clock clock, BooleanSupplier leader, Predicate<JobId> known) {
        this.store = store;
        this.layout = layout;
        this.clock = clock;
        this.leader = leader;
        this.known = known;
    }

    /** Starts following the stored shards; returns at once. */
    public void start() {
        store.watch(this::observed);
    }

    /** A version of a shard, from the watch or from this replica's own write; null data: the shard was deleted. */
    void observed(Shard shard) {
        if (shard.resourceVersion() == null) {
            stored.remove(shard.index());
            return;
        }
        Stored next = new Stored(shard.resourceVersion(), shard.data(), StatusShards.decode(shard.data(),
                (key, problem) -> LOG.warnf("status shard %d: key %s cannot be read (%s); it is dropped at the next write",
                        shard.index(), key, problem)));
        stored.merge(shard.index(), next, (old, now) -> older(now.resourceVersion(), old.resourceVersion()) ? old : now);
    }

    /**
     * Whether version {@code a} is older than {@code b}. The watch delivers a shard's versions in order, but this
     * replica's own write result may arrive before the watch's earlier versions. Kubernetes documents resource versions
     * as opaque; the etcd storage makes them increasing integers, which is what this compares. Versions that are not
     * integers are taken as they come (then a view may go back one version until the watch catches up).
     */
    static boolean older(String a, String b) {
        try {
            return Long.parseLong(a) < Long.parseLong(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ recording (the engine's threads)

    @Override
    public void on(ExecutionEvent event) {
        Record run = RunHistory.record(event);
        Status change;
        if (event instanceof ExecutionEvent.FiredExecution f) {
            change = new Status(f.slot(), null, List.of());
        } else if (event instanceof ExecutionEvent.SucceededExecution) {
            change = new Status(null, clock.now(), List.of(run));
        } else if (run != null) {
            change = new Status(null, null, List.of(run));
        } else {
            return;
        }
        add(event.job(), change);
    }

    private synchronized void add(JobId job, Status change) {
        Pending p = pending.computeIfAbsent(layout.shardOf(job), i -> new Pending());
        p.added.merge(job, change, layout::merge);
    }

    /**
     * A job left the catalogue (on every replica): its waiting changes are dropped, and the leader removes its status
     * from its shard.
     */
    public void forget(JobId job) {
        boolean remove = leader.getAsBoolean();
        synchronized (this) {
            Pending p = pending.computeIfAbsent(layout.shardOf(job), i -> new Pending());
            p.added.remove(job);
            if (remove) {
                p.removed.add(job);
            }
        }
    }

    /**
     * This replica took the Lease: at its next flush it removes the status of jobs no longer in the catalogue (removed
     * while no replica led, or while the previous leader's write failed), and moves status found in another shard than
     * its own (after the shard count changed) to its shard.
     */
    public void acquired() {
        pruneDue = true;
    }

    // ------------------------------------------------------------------ reading (the API's threads)

    @Override
    public Status status(JobId job) {
        int index = layout.shardOf(job);
        Stored s = stored.get(index);
        Status base = s == null ? null : s.jobs().get(job);
        Status change;
        synchronized (this) {
            Pending p = pending.get(index);
            change = p == null ? null : p.added.get(job);
            if (p != null && p.removed.contains(job)) {
                base = null;
            }
        }
        if (change == null) {
            return base == null ? Status.NONE : base;
        }
        return layout.merge(base, change);
    }

    // ------------------------------------------------------------------ writing (the flush, every interval)

    /** Writes each shard with waiting changes once; returns the number of writes made. */
    public int flush() {
        if (pruneDue && leader.getAsBoolean() && store.synced()) {
            pruneDue = false;
            prune();
        }
        List<Integer> dirty;
        synchronized (this) {
            pending.values().removeIf(Pending::isEmpty);
            dirty = new ArrayList<>(pending.keySet());
        }
        int written = 0;
        for (int index : dirty) {
            if (write(index)) {
                written++;
            }
        }
        return written;
    }

    private void prune() {
        for (var shard : Map.copyOf(stored).entrySet()) {
            int index = shard.getKey();
            for (var job : shard.getValue().jobs().entrySet()) {
                JobId id = job.getKey();
                boolean keep = known.test(id);
                int home = layout.shardOf(id);
                if (keep && home != index) {
                    Stored there = stored.get(home);
                    Status current = there == null ? null : there.jobs().get(id);
                    if (!job.getValue().equals(current == null ? null : layout.merge(current, job.getValue()))) {
                        add(id, job.getValue());
                    }
                }
                if (index < layout.shards() && (!keep || home != index)) {
                    synchronized (this) {
                        pending.computeIfAbsent(index, i -> new Pending()).removed.add(id);
                    }
                }
            }
        }
    }

    /** Applies the shard's waiting changes onto its stored version and writes it; true when it wrote. */
    private boolean write(int index) {
        Map<JobId, Status> taken;
        Set<JobId> removed;
        synchronized (this) {
            Pending p = pending.get(index);
            if (p == null || p.isEmpty()) {
                return false;
            }
            taken = new LinkedHashMap<>(p.added);
            removed = new HashSet<>(p.removed);
        }
        Map<JobId, Status> added = new LinkedHashMap<>(taken);
        added.keySet().removeIf(job -> !known.test(job));
        Stored base = stored.get(index);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Map<JobId, Status> jobs = base == null ? new HashMap<>() : new HashMap<>(base.jobs());
            jobs.keySet().removeAll(removed);
            added.forEach((job, change) -> jobs.merge(job, change, layout::merge));
            Map<String, String> data = layout.encode(jobs);
            if (base == null ? data.isEmpty() : data.equals(base.data())) {
                written(index, taken, removed); // nothing to change
                return false;
            }
            try {
                Shard result = store.write(index, base == null ? null : base.resourceVersion(), data);
                writes.incrementAndGet();
                observed(result);
                written(index, taken, removed);
                return true;
            } catch (ShardStore.Conflict e) {
                conflicts.incrementAndGet();
                Optional<Shard> now;
                try {
                    now = store.read(index);
                } catch (RuntimeException r) {
                    return failed(index, r);
                }
                now.ifPresent(this::observed);
                base = now.map(s -> new Stored(s.resourceVersion(), s.data(), StatusShards.decode(s.data(), (k, m) -> { })))
                        .orElse(null);
            } catch (RuntimeException e) {
                return failed(index, e);
            }
        }
        LOG.warnf("status shard %d changed under %d writes in a row; its changes wait for the next flush", index, ATTEMPTS);
        return false;
    }

    private boolean failed(int index, RuntimeException e) {
        failures.incrementAndGet();
        LOG.warnf("writing status shard %d failed (%s); its changes wait for the next flush", index, e.getMessage());
        return false;
    }

    /** Drops the changes a write applied; those recorded meanwhile stay (re-applying one is harmless: a union). */
    private synchronized void written(int index, Map<JobId, Status> added, Set<JobId> removed) {
        Pending p = pending.get(index);
        if (p == null) {
            return;
        }
        added.forEach((job, change) -> p.added.remove(job, change));
        p.removed.removeAll(removed);
        if (p.isEmpty()) {
            pending.remove(index);
        }
    }

    /** Writes made (each one shard, one request). */
    public long writes() {
        return writes.get();
    }

    /** Writes refused because the shard had changed (each followed by a read and a retry). */
    public long conflicts() {
        return conflicts.get();
    }

    /** Writes or reads that failed otherwise; their changes were kept. */
    public long failures() {
        return failures.get();
    }

    /** True once the stored shards have been listed. */
    public boolean synced() {
        return store.synced();
    }

    public void close() {
        store.close();
    }
}
