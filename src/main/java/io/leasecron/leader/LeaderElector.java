package io.leasecron.leader;

import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.engine.LeaderGate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Leader election on one Lease, and the fencing gate of every fire: the {@link Election} state machine and the
 * {@link TermLedger} of the current term behind one lock, their requests made by the {@link LeaseWriter}, a
 * {@link Handover} on a graceful stop, and a thread ({@link ElectorThread}) that steps them. The algorithm is
 * client-go's: a follower that has seen no change of the Lease for {@code leaseDuration}, measured on its own
 * monotonic clock from the moment it saw the last change, takes it over with a compare-and-swap; the leader renews
 * every {@code retryPeriod} and stops firing when it has not renewed for {@code renewDeadline}, which is shorter.
 * Fencing does not depend on any clock: a slot fires only if the current term claimed it on the Lease, with the
 * same compare-and-swap that renews it (docs/leader-election.md has the argument).
 *
 * <p>{@link #step()} makes at most one API call and returns when it wants to be called again, so tests drive it by
 * hand. A simulation splits a step further: {@link #prepare()} decides the request, {@link #perform} makes it and
 * {@link #complete} takes its answer in, with anything else in between.
 */
public final class LeaderElector implements LeaderGate, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);

    /** Told about leadership changes, on the thread that stepped the elector, outside its lock. */
    public interface Listener {
        default void acquired(long term, Engine.Takeover predecessor) {
        }

        default void lost(long term, String reason) {
        }
    }

    private final LeaseStore store;
    private final LeaseSettings settings;
    private final Clock clock;
    private final LeaseWriter writer;
    private final Election election;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> claimWaiters = new ArrayList<>();
    /** Guards the election and the waiters; never held during an API call. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Held for a whole step: one request at a time, and a release waits for the one in flight. */
    private final ReentrantLock stepping = new ReentrantLock();
    /** Whether this replica may take the Lease: not before its jobs are loaded, or catch-up would miss them. */
    private volatile BooleanSupplier mayCampaign = () -> true;
    private boolean closed;
    private boolean wakeRequested;
    private ElectorThread thread;
    private AutoCloseable watch;

    public LeaderElector(LeaseStore store, LeaseSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.writer = new LeaseWriter(store, settings.identity());
        this.election = new Election(settings, new Election.Observer() {
            @Override
            public void acquired(long term, Engine.Takeover predecessor, StepEffects fx) {
                for (Listener l : listeners) {
                    fx.run.add(() -> l.acquired(term, predecessor));
                }
            }

            @Override
            public void lost(long term, String reason, StepEffects fx) {
                for (Listener l : listeners) {
                    fx.run.add(() -> l.lost(term, reason));
                }
            }
        }, clock.nanoTime());
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /**
     * Campaigns for the Lease only while {@code ready} holds; until then the replica only watches it, looking every
     * retry period. A new leader applies catch-up to the jobs it knows, so a replica that has not loaded them yet
     * must not lead.
     */
    public void campaignOnlyWhen(BooleanSupplier ready) {
        mayCampaign = ready;
    }

    // ---------------------------------------------------------------- the gate (local state only)

    @Override
    public Decision authorise(Instant slot) {
        lock.lock();
        try {
            return election.authorise(slot, clock.nanoTime(), clock.now());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void requestClaim(Instant through, Runnable resolved) {
        boolean waits;
        lock.lock();
        try {
            waits = election.requestClaim(through);
            if (waits) {
                claimWaiters.add(resolved);
                signal();
            }
        } finally {
            lock.unlock();
        }
        if (!waits) {
            resolved.run();
        }
    }

    @Override
    public void dispatched(Instant through) {
        lock.lock();
        try {
            if (election.dispatched(through)) {
                signal();
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- stepping

    /**
     * Makes at most one API call: renew, claim or record progress as leader; look at the Lease or try to take it
     * over as follower. Returns the monotonic time at which it wants to run again.
     */
    public long step() {
        stepping.lock();
        try {
            if (isClosed()) {
                return clock.nanoTime() + settings.retryPeriod().toNanos();
            }
            PendingCall p = prepare();
            if (p != null) {
                perform(p);
                complete(p);
            }
            return nextStep();
        } finally {
            stepping.unlock();
        }
    }

    /** Decides the next request, or null if none is due; a leader past its renew deadline steps down here. */
    public PendingCall prepare() {
        StepEffects fx = new StepEffects();
        PendingCall p;
        lock.lock();
        try {
            long n = clock.nanoTime();
            Instant now = clock.now();
            LeaseCall.Request r = election.next(n, now, mayCampaign.getAsBoolean(), fx);
            p = r == null ? null : new PendingCall(r, n, now);
        } finally {
            lock.unlock();
        }
        apply(fx);
        return p;
    }

    /** Makes the request against the Lease store, holding no lock. */
    public void perform(PendingCall p) {
        p.answer = writer.perform(p.request);
    }

    /** Takes the answer of a performed request in. */
    public void complete(PendingCall p) {
        StepEffects fx = new StepEffects();
        lock.lock();
        try {
            election.answered(p.request, p.answer, p.sent, p.sentAt, clock.nanoTime(), clock.now(), fx);
        } finally {
            lock.unlock();
        }
        apply(fx);
    }

    /** The monotonic time at which the next step is due, if nothing else happens. */
    public long nextStep() {
        return locked(() -> closed ? clock.nanoTime() + settings.retryPeriod().toNanos()
                : election.nextStep(clock.nanoTime(), mayCampaign.getAsBoolean()));
    }

    /** Runs what a step decided, outside the lock: claim waiters first, then listeners. */
    private void apply(StepEffects fx) {
        List<Runnable> run = new ArrayList<>();
        if (fx.resolveWaiters) {
            lock.lock();
            try {
                run.addAll(claimWaiters);
                claimWaiters.clear();
            } finally {
                lock.unlock();
            }
        }
        run.addAll(fx.run);
        for (Runnable r : run) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("leadership listener failed", e);
            }
        }
    }

    /** Called by the Lease watch with every version it sees. */
    void watched(Optional<LeaseRecord> r) {
        StepEffects fx = new StepEffects();
        lock.lock();
        try {
            election.watched(r, clock.nanoTime(), fx);
            signal();
        } finally {
            lock.unlock();
        }
        apply(fx);
    }

    // ---------------------------------------------------------------- running

    /** Starts watching the Lease and the thread that runs {@link #step()} whenever it is due or woken. */
    public void start() {
        watchLease();
        thread = new ElectorThread(this, TimeUnit.NANOSECONDS.toMillis(Math.max(TimeUnit.MILLISECONDS.toNanos(50),
                settings.retryPeriod().toNanos() / 4)));
        thread.start();
    }

    /** Starts watching the Lease, so a release or a takeover is seen at once, not at the next look. */
    public synchronized void watchLease() {
        watch = watch == null ? store.watch(this::watched) : watch;
    }

    /**
     * Replaces the Lease watch with a new one (for a watch that stalled). What the new one sees first is only an
     * observation like any other: the election judges expiry from when it saw the record change, never from this.
     * Does nothing before {@link #watchLease()} or after {@link #close()}.
     */
    public synchronized void restartLeaseWatch() {
        if (watch == null || locked(() -> closed)) {
            return;
        }
        try {
            watch.close();
        } catch (Exception e) {
            LOG.debug("closing the stalled lease watch", e);
        }
        watch = store.watch(this::watched);
    }

    /** Waits until {@code next} (monotonic), or until woken; false once the elector is closed. */
    boolean awaitStep(long next) throws InterruptedException {
        lock.lock();
        try {
            long wait = next - clock.nanoTime();
            while (wait > 0 && !wakeRequested && !closed) {
                wait = wake.awaitNanos(wait);
            }
            wakeRequested = false;
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        return locked(() -> closed);
    }

    private void signal() {
        wakeRequested = true;
        wake.signalAll();
    }

    /**
     * Gives the lease up for a fast handover (see {@link Handover}): from now on the gate lets nothing fire, the
     * elector thread stops after its step in progress (an acquisition in flight is followed by a release), and
     * this call releases the Lease. The engine must already have stopped taking slots. Returns whether a release
     * was written.
     */
    public boolean release() {
        if (!beginRelease()) {
            return false;
        }
        stepping.lock();
        try {
            while (!handedOver()) {
                PendingCall p = prepare();
                if (p == null) {
                    break;
                }
                perform(p);
                complete(p);
            }
        } finally {
            stepping.unlock();
        }
        return locked(election::released);
    }

    /**
     * The first step of {@link #release()}, which does not wait: nothing fires from now on, and the following
     * {@link #prepare()} calls release the Lease until {@link #handedOver()}. False if there is nothing to release.
     */
    public boolean beginRelease() {
        lock.lock();
        try {
            closed = true;
            signal();
            return election.beginHandover();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a handover begun by {@link #beginRelease()} is over: released, given up, or nothing to release. */
    public boolean handedOver() {
        return locked(election::handedOver);
    }

    /** Stops at once without releasing anything (a crash, for tests; the process exiting). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            election.stop();
            signal();
        } finally {
            lock.unlock();
        }
        synchronized (this) {
            if (watch != null) {
                try {
                    watch.close();
                } catch (Exception e) {
                    LOG.debug("closing the lease watch", e);
                }
            }
        }
        ElectorThread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    // ---------------------------------------------------------------- views

    public LeaderStatus status() {
        return locked(() -> election.status(clock.nanoTime(), clock.now()));
    }

    public boolean isLeader() {
        return status().isLeader();
    }

    public long acquisitions() {
        return locked(election::acquisitions);
    }

    public long renewFailures() {
        return locked(election::renewFailures);
    }

    public long writes() {
        return locked(election::writes);
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    public LeaseSettings settings() {
        return settings;
    }
}
