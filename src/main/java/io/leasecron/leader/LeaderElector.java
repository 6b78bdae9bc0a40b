package io.leasecron.leader;

import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.engine.LeaderGate;
import io.leasecron.engine.SkipReason;
import io.leasecron.leader.LeaseStore.Conflict;
import io.leasecron.leader.LeaseStore.LeaseStoreException;
import io.leasecron.schedule.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Leader election on one Lease, and the fencing gate of every fire. The algorithm is client-go's: a follower that
 * has seen no change of the Lease for {@code leaseDuration}, measured on its own monotonic clock from the moment
 * it saw the last change, takes it over with a compare-and-swap; the leader renews every {@code retryPeriod} and
 * stops firing when it has not renewed for {@code renewDeadline}, which is shorter, so it stops before anyone can
 * take over. Timestamps written by other replicas are never compared with this replica's clock.
 *
 * <p>Fencing, which does not depend on any clock: the leader fires a slot only if its term has <em>claimed</em> it,
 * by raising {@code claimedUntil} on the Lease with the same compare-and-swap that renews it. A new holder starts
 * after the previous claim. Because every write is conditional on the version the writer last wrote or read, a
 * claim succeeds only while nobody else has written, so the slots of two terms never overlap, whatever a paused,
 * partitioned or skewed former leader does. After dispatching, the leader records {@code dispatchedThrough};
 * slots between that and {@code claimedUntil} are what a crash leaves uncertain. The argument in full is in
 * docs/leader-election.md.
 *
 * <p>{@link #step()} performs at most one API call and returns when it wants to be called again, so tests drive
 * it by hand; {@link #start()} runs it on a thread, woken early by Lease changes, claims and progress.
 */
public final class LeaderElector implements LeaderGate, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);

    /** Told about leadership changes, on the elector's thread. */
    public interface Listener {
        default void acquired(long term, Engine.Takeover predecessor) {
        }

        default void lost(long term, String reason) {
        }
    }

    private final LeaseStore store;
    private final LeaseSettings settings;
    private final Clock clock;
    /** How often a release is tried when it loses a race, re-reading the Lease in between. */
    static final int RELEASE_ATTEMPTS = 3;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final long leaseNanos;
    private final long renewDeadlineNanos;
    private final long retryNanos;
    private final long backoffNanos;

    // What the Lease looked like, and when (local monotonic time) it was last seen to change.
    private Optional<LeaseRecord> observed;
    private long observedAtNanos;
    private long lastPollNanos;

    // Leading state.
    private boolean leading;
    private long term;
    private LeaseRecord mine;
    private Instant baseClaim;
    private Instant baseDispatched;
    private Instant myClaim;
    private long lastRenewSentNanos;
    private long lastWriteSentNanos;
    private Instant since;
    private Instant renewedAt;
    private Instant wantClaim;
    private final List<Runnable> claimWaiters = new ArrayList<>();
    private Instant dispatchedReported;
    private Instant dispatchedWritten;
    /** The latest slot the gate let fire in this term: started, or about to be. A release never withdraws it. */
    private Instant authorisedThrough;
    /** While the Lease has never recorded a claim: the earliest slot the gate was asked about, for the first claim. */
    private Instant firstAsked;
    private long retryAfterNanos;
    /**
     * The last term this process led: how far it had started slots, and the latest it let fire. A re-acquisition
     * with nobody in between continues from there.
     */
    private OwnTerm lastOwn;
    /** Whether this replica may take the Lease: not before its jobs are loaded, or catch-up would miss them. */
    private volatile BooleanSupplier mayCampaign = () -> true;
    private String lastError;
    private boolean closed;
    private boolean wakeRequested;
    private Thread thread;
    private AutoCloseable watch;

    private final AtomicLong acquisitions = new AtomicLong();
    private final AtomicLong renewFailures = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();

    private record OwnTerm(long term, Instant dispatched, Instant authorised) {
    }

    public LeaderElector(LeaseStore store, LeaseSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.leaseNanos = settings.leaseDuration().toNanos();
        this.renewDeadlineNanos = settings.renewDeadline().toNanos();
        this.retryNanos = settings.retryPeriod().toNanos();
        this.backoffNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), retryNanos / 4);
        long n = clock.nanoTime();
        this.lastPollNanos = n - retryNanos;
        this.retryAfterNanos = n;
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
            if (!leading) {
                String holder = observed != null ? observed.map(LeaseRecord::holder).orElse(null) : null;
                return new Decision.Refused(SkipReason.NOT_LEADER, holder == null || holder.isEmpty()
                        ? "this replica does not hold the lease (nobody does right now)"
                        : "this replica does not hold the lease; " + holder + " does");
            }
            if (closed) {
                // Releasing: what the release keeps claimed is fixed now, nothing more may fire under it.
                return new Decision.Refused(SkipReason.SHUTTING_DOWN, "this replica is releasing the lease");
            }
            long silent = clock.nanoTime() - lastRenewSentNanos;
            if (silent >= renewDeadlineNanos) {
                return new Decision.Refused(SkipReason.NOT_LEADER, "the lease was not renewed for "
                        + Durations.format(Duration.ofNanos(silent).truncatedTo(java.time.temporal.ChronoUnit.MILLIS))
                        + ", past the renew deadline; not firing until it is");
            }
            if (baseDispatched != null && !slot.isAfter(baseDispatched)) {
                return new Decision.Refused(SkipReason.PREVIOUS_LEADER, "started under an earlier term (dispatched through "
                        + baseDispatched + ")");
            }
            if (baseClaim != null && !slot.isAfter(baseClaim)) {
                return new Decision.Uncertain(term, "claimed by the previous leader, which stopped before recording that it started "
                        + "it (claimed until " + baseClaim + ", dispatched through " + baseDispatched + ")");
            }
            if (myClaim != null && !slot.isAfter(myClaim)) {
                authorisedThrough = max(authorisedThrough, slot);
                return new Decision.Fire(term);
            }
            if (mine.claimedUntil() == null && (firstAsked == null || slot.isBefore(firstAsked))) {
                firstAsked = slot;
            }
            return Decision.PENDING;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void requestClaim(Instant through, Runnable resolved) {
        boolean now;
        lock.lock();
        try {
            now = !leading || myClaim != null && !through.isAfter(myClaim);
            if (!now) {
                wantClaim = wantClaim == null || through.isAfter(wantClaim) ? through : wantClaim;
                claimWaiters.add(resolved);
                signal();
            }
        } finally {
            lock.unlock();
        }
        if (now) {
            resolved.run();
        }
    }

    @Override
    public void dispatched(Instant through) {
        lock.lock();
        try {
            if (myClaim == null) {
                return;
            }
            // Only claimed slots count: a skip beyond the claim is not progress a successor may rely on.
            Instant t = through.isAfter(myClaim) ? myClaim : through;
            if (leading) {
                if (dispatchedReported == null || t.isAfter(dispatchedReported)) {
                    dispatchedReported = t;
                    signal();
                }
            } else if (lastOwn != null && lastOwn.term == term && (lastOwn.dispatched == null || t.isAfter(lastOwn.dispatched))) {
                // Started under the term this replica just stepped down from: it counts should this replica take the
                // Lease back with nobody in between. (Nobody else ever relies on it: it is not on the Lease.)
                lastOwn = new OwnTerm(lastOwn.term, t, lastOwn.authorised);
            }
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- the election

    /** What one step does; decided under the lock, performed without it. */
    private sealed interface Action {
        record Poll() implements Action {
        }

        record Acquire(LeaseRecord record, boolean create, Engine.Takeover takeover, boolean ownTerm) implements Action {
        }

        record Write(LeaseRecord record, Instant claim, Instant dispatched) implements Action {
        }
    }

    /**
     * Does at most one API call: renew, claim or record progress as leader; look at the Lease or try to take it
     * over as follower. Returns the monotonic time at which it wants to run again.
     */
    public long step() {
        List<Runnable> after = new ArrayList<>();
        Action action;
        long n = clock.nanoTime();
        lock.lock();
        try {
            if (closed) {
                return n + retryNanos;
            }
            action = decide(n, after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        if (action != null) {
            perform(action, n);
        }
        lock.lock();
        try {
            return nextStep(clock.nanoTime());
        } finally {
            lock.unlock();
        }
    }

    private Action decide(long n, List<Runnable> after) {
        if (leading) {
            if (n - lastRenewSentNanos >= renewDeadlineNanos) {
                stepDown("no successful renewal within the renew deadline of " + Durations.format(settings.renewDeadline()), after);
                return null;
            }
            if (n < retryAfterNanos) {
                return null;
            }
            boolean claim = wantClaim != null && (myClaim == null || wantClaim.isAfter(myClaim));
            boolean confirm = dispatchedReported != null && (dispatchedWritten == null || dispatchedReported.isAfter(dispatchedWritten));
            boolean renew = n - lastWriteSentNanos >= retryNanos;
            if (!claim && !confirm && !renew) {
                return null;
            }
            Instant newClaim = claim ? wantClaim.plus(settings.claimAhead()) : myClaim;
            Instant claimField = max(max(newClaim, baseClaim), mine.claimedUntil());
            Instant dispatchedField = startedThrough();
            if (claim && mine.claimedUntil() == null && dispatchedField == null) {
                // The first claim ever on this Lease: record with it that nothing of the batch has started, or a
                // successor would take the batch for done should this replica die before its first progress write.
                Instant first = firstAsked != null && firstAsked.isBefore(wantClaim) ? firstAsked : wantClaim;
                dispatchedField = first.minusNanos(1);
            }
            return new Action.Write(mine.renewed(clock.now(), claimField, dispatchedField), newClaim, dispatchedReported);
        }
        if (n < retryAfterNanos) {
            return null; // the last call failed: not again before its backoff, whatever else is due
        }
        if (observed == null) {
            return new Action.Poll();
        }
        if (!canAcquire(n) || !mayCampaign.getAsBoolean()) {
            return n - lastPollNanos >= retryNanos ? new Action.Poll() : null;
        }
        if (n < retryAfterNanos) {
            return null;
        }
        Instant now = clock.now();
        LeaseRecord prev = observed.orElse(null);
        long nextTerm = prev == null ? 1 : prev.term() + 1;
        boolean ownTerm = prev != null && lastOwn != null && lastOwn.term == prev.term();
        // An own term's takeover is decided in becomeLeader, from what is known by then.
        Engine.Takeover takeover = prev == null || ownTerm ? new Engine.Takeover(null, null)
                : new Engine.Takeover(prev.dispatchedThrough(), prev.claimedUntil());
        int transitions = prev == null ? 0 : prev.transitions() + (settings.identity().equals(prev.holder()) ? 0 : 1);
        LeaseRecord record = new LeaseRecord(settings.identity(), (int) settings.leaseDuration().toSeconds(), now, now, transitions,
                nextTerm, prev == null ? null : prev.claimedUntil(), prev == null ? null : prev.dispatchedThrough(),
                prev == null ? null : prev.resourceVersion());
        return new Action.Acquire(record, prev == null, takeover, ownTerm);
    }

    /** Free, released, ours from an earlier incarnation, or unchanged for a whole lease duration as seen here. */
    private boolean canAcquire(long n) {
        if (observed == null) {
            return false;
        }
        if (observed.isEmpty()) {
            return true;
        }
        LeaseRecord r = observed.get();
        if (!r.held() || settings.identity().equals(r.holder())) {
            return true;
        }
        long duration = r.leaseDurationSeconds() > 0 ? TimeUnit.SECONDS.toNanos(r.leaseDurationSeconds()) : leaseNanos;
        return n - observedAtNanos >= duration;
    }

    private void perform(Action action, long sent) {
        List<Runnable> after = new ArrayList<>();
        if (action instanceof Action.Poll) {
            try {
                Optional<LeaseRecord> r = store.get();
                lock.lock();
                try {
                    lastPollNanos = sent;
                    lastError = null;
                    observe(r, clock.nanoTime(), after);
                } finally {
                    lock.unlock();
                }
            } catch (LeaseStoreException e) {
                failed(e.getMessage(), sent, false);
            }
        } else if (action instanceof Action.Acquire a) {
            try {
                writes.incrementAndGet();
                LeaseRecord written = a.create() ? store.create(a.record()) : store.update(a.record());
                lock.lock();
                try {
                    becomeLeader(written, a, sent, after);
                } finally {
                    lock.unlock();
                }
            } catch (Conflict e) {
                LOG.debugf("taking over lease %s lost a race: %s", settings.name(), e.getMessage());
                repoll(sent);
            } catch (LeaseStoreException e) {
                failed(e.getMessage(), sent, false);
            }
        } else if (action instanceof Action.Write w) {
            try {
                writes.incrementAndGet();
                LeaseRecord written = store.update(w.record());
                lock.lock();
                try {
                    if (leading && mine != null && w.record().term() == term && !expiredWhileWaiting(written, sent, after)) {
                        mine = written;
                        observed = Optional.of(written);
                        observedAtNanos = sent;
                        lastRenewSentNanos = sent;
                        lastWriteSentNanos = sent;
                        renewedAt = written.renewTime();
                        lastError = null;
                        if (w.claim() != null && (myClaim == null || w.claim().isAfter(myClaim))) {
                            myClaim = w.claim();
                        }
                        if (w.dispatched() != null && (dispatchedWritten == null || w.dispatched().isAfter(dispatchedWritten))) {
                            dispatchedWritten = w.dispatched();
                        }
                        resolveClaims(after);
                    }
                } finally {
                    lock.unlock();
                }
            } catch (Conflict e) {
                lostRace(e.getMessage(), sent, after);
            } catch (LeaseStoreException e) {
                renewFailures.incrementAndGet();
                failed(e.getMessage(), sent, true);
            }
        }
        runAll(after);
    }

    /**
     * Under lock. A successful write whose answer came after the renew deadline of the previous one: meanwhile the
     * gate refused slots for want of a valid lease, and the engine moved past them. The term is over, as it would be
     * had this write failed; the replica steps down and takes the Lease back with a new term, whose catch-up
     * covers those slots.
     */
    private boolean expiredWhileWaiting(LeaseRecord written, long sent, List<Runnable> after) {
        if (clock.nanoTime() - lastRenewSentNanos < renewDeadlineNanos) {
            return false;
        }
        mine = written;
        observed = Optional.of(written);
        observedAtNanos = sent;
        stepDown("the lease was renewed only after the renew deadline had passed; taking it again with a new term", after);
        return true;
    }

    private void becomeLeader(LeaseRecord written, Action.Acquire a, long sent, List<Runnable> after) {
        leading = true;
        term = written.term();
        mine = written;
        observed = Optional.of(written);
        observedAtNanos = sent;
        lastRenewSentNanos = sent;
        lastWriteSentNanos = sent;
        since = written.acquireTime();
        renewedAt = written.renewTime();
        lastError = null;
        Engine.Takeover takeover;
        if (a.ownTerm()) {
            // Nobody led in between: a slot this process claimed and never let fire is simply not started yet; one
            // it let fire and never saw started may or may not have started, like a predecessor's.
            baseDispatched = lastOwn.dispatched;
            baseClaim = max(lastOwn.dispatched, lastOwn.authorised);
            myClaim = written.claimedUntil();
            takeover = new Engine.Takeover(baseDispatched, baseClaim);
        } else {
            baseClaim = written.claimedUntil();
            baseDispatched = written.dispatchedThrough() != null ? written.dispatchedThrough() : written.claimedUntil();
            myClaim = null;
            takeover = a.takeover();
        }
        dispatchedReported = null;
        dispatchedWritten = null;
        authorisedThrough = null;
        firstAsked = null;
        wantClaim = null;
        acquisitions.incrementAndGet();
        long t = term;
        LOG.infof("%s acquired lease %s/%s: term %d, taking over after %s (claimed until %s, dispatched through %s)",
                settings.identity(), settings.namespace(), settings.name(), t, a.ownTerm() ? "its own term" : "the previous holder",
                takeover.claimedUntil(), takeover.dispatchedThrough());
        for (Listener l : listeners) {
            after.add(() -> l.acquired(t, takeover));
        }
    }

    /** Our conditional write was refused: someone else wrote the Lease. Look at who before concluding. */
    private void lostRace(String message, long sent, List<Runnable> after) {
        Optional<LeaseRecord> current;
        try {
            current = store.get();
        } catch (LeaseStoreException e) {
            current = null;
        }
        lock.lock();
        try {
            if (leading && current != null && current.isPresent() && current.get().term() == term
                    && settings.identity().equals(current.get().holder())) {
                // Our own earlier write landed although its answer was lost: continue from what is there.
                if (!expiredWhileWaiting(current.get(), sent, after)) {
                    mine = current.get();
                    observed = current;
                    if (mine.claimedUntil() != null && (myClaim == null || mine.claimedUntil().isAfter(myClaim))) {
                        myClaim = mine.claimedUntil();
                    }
                    if (mine.dispatchedThrough() != null && (dispatchedWritten == null || mine.dispatchedThrough().isAfter(dispatchedWritten))) {
                        dispatchedWritten = mine.dispatchedThrough();
                    }
                    // The claim it carried is as good as one answered: the engine's batch must not wait for another
                    // write, and with nothing left to do the thread sleeps until the next renewal. The renew
                    // deadline still counts from the last write whose answer came (when this one was sent is unknown).
                    resolveClaims(after);
                }
                return;
            }
            String who = current == null ? "unknown (the Lease could not be read)"
                    : current.map(r -> r.held() ? r.holder() + " (term " + r.term() + ")" : "nobody").orElse("nobody: it was deleted");
            stepDown("lost the lease: " + message + "; it is now held by " + who, after);
            if (current != null) {
                observe(current, sent, after);
            }
        } finally {
            lock.unlock();
        }
    }

    private void repoll(long sent) {
        List<Runnable> after = new ArrayList<>();
        try {
            Optional<LeaseRecord> r = store.get();
            lock.lock();
            try {
                lastPollNanos = sent;
                observe(r, clock.nanoTime(), after);
            } finally {
                lock.unlock();
            }
        } catch (LeaseStoreException e) {
            failed(e.getMessage(), sent, false);
        }
        runAll(after);
    }

    /**
     * A call that failed (not a lost race): a renewal is tried again after a short backoff, to renew before the
     * deadline; anything else after the retry period, so that replicas cut off from a struggling API server do not
     * add to its load.
     */
    private void failed(String message, long sent, boolean renewal) {
        lock.lock();
        try {
            retryAfterNanos = sent + (renewal ? backoffNanos : retryNanos);
            if (!message.equals(lastError)) {
                LOG.warnf("%s: %s; retrying%s", settings.identity(), message, renewal
                        ? " (firing stops if no renewal succeeds within " + Durations.format(settings.renewDeadline()) + ")" : "");
            }
            lastError = message;
        } finally {
            lock.unlock();
        }
    }

    /** Under lock. Records a version of the Lease; a leader that sees another holder steps down at once. */
    private void observe(Optional<LeaseRecord> r, long n, List<Runnable> after) {
        if (leading && r.isPresent() && (r.get().term() < term || closed && r.get().term() == term)) {
            return; // an older version arriving late (terms only grow), or our own release: not news
        }
        boolean changed = observed == null || observed.isPresent() != r.isPresent()
                || r.isPresent() && !r.get().resourceVersion().equals(observed.get().resourceVersion());
        if (!changed) {
            return;
        }
        observed = r;
        observedAtNanos = n;
        if (leading && (r.isEmpty() || r.get().term() != term || !settings.identity().equals(r.get().holder()))) {
            stepDown(r.isEmpty() ? "the Lease was deleted" : "the Lease is now held by " + r.get().holder() + " (term " + r.get().term() + ")", after);
        }
    }

    /** Called by the Lease watch with every version it sees. */
    void watched(Optional<LeaseRecord> r) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (leading && r.isPresent() && mine != null && r.get().resourceVersion().equals(mine.resourceVersion())) {
                return; // our own write coming back
            }
            observe(r, clock.nanoTime(), after);
            signal();
        } finally {
            lock.unlock();
        }
        runAll(after);
    }

    /** Under lock. */
    private void stepDown(String reason, List<Runnable> after) {
        if (!leading) {
            return;
        }
        leading = false;
        long t = term;
        lastOwn = new OwnTerm(t, startedThrough(), authorisedThrough);
        LOG.warnf("%s stepped down from term %d: %s", settings.identity(), t, reason);
        resolveAll(after);
        for (Listener l : listeners) {
            after.add(() -> l.lost(t, reason));
        }
    }

    /** Under lock: claims now covered, or all of them when not leading, are resolved after the lock is released. */
    private void resolveClaims(List<Runnable> after) {
        if (wantClaim != null && myClaim != null && !wantClaim.isAfter(myClaim)) {
            wantClaim = null;
            resolveAll(after);
        }
    }

    private void resolveAll(List<Runnable> after) {
        after.addAll(claimWaiters);
        claimWaiters.clear();
        if (!leading) {
            wantClaim = null;
        }
    }

    private long nextStep(long n) {
        if (closed) {
            return n + retryNanos;
        }
        long next;
        if (leading) {
            next = Math.max(lastWriteSentNanos + retryNanos, retryAfterNanos);
            next = Math.min(next, lastRenewSentNanos + renewDeadlineNanos);
            boolean pendingWork = wantClaim != null || dispatchedReported != null
                    && (dispatchedWritten == null || dispatchedReported.isAfter(dispatchedWritten));
            if (pendingWork) {
                next = Math.min(next, Math.max(n, retryAfterNanos));
            }
        } else {
            next = lastPollNanos + retryNanos;
            if (observed != null && observed.isPresent() && observed.get().held()
                    && !settings.identity().equals(observed.get().holder())) {
                long duration = observed.get().leaseDurationSeconds() > 0
                        ? TimeUnit.SECONDS.toNanos(observed.get().leaseDurationSeconds()) : leaseNanos;
                next = Math.min(next, observedAtNanos + duration);
            } else if (observed != null && mayCampaign.getAsBoolean()) {
                next = Math.min(next, Math.max(n, retryAfterNanos));
            }
            next = Math.max(next, retryAfterNanos);
        }
        return next;
    }

    // ---------------------------------------------------------------- running

    /** Starts watching the Lease and the thread that runs {@link #step()} whenever it is due or woken. */
    public void start() {
        watchLease();
        thread = new Thread(this::runUntilClosed, "leasecron-elector");
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts watching the Lease, so a release or a takeover is seen at once rather than at the next look. */
    public void watchLease() {
        if (watch == null) {
            watch = store.watch(this::watched);
        }
    }

    private void runUntilClosed() {
        while (true) {
            try {
                long next = step();
                lock.lock();
                try {
                    if (closed) {
                        return;
                    }
                    long wait = next - clock.nanoTime();
                    while (wait > 0 && !wakeRequested && !closed) {
                        wait = wake.awaitNanos(wait);
                    }
                    wakeRequested = false;
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                // The loop never dies: count, log, go on.
                LOG.error("elector step failed; continuing", t);
                try {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(backoffNanos));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void signal() {
        wakeRequested = true;
        wake.signalAll();
    }

    /**
     * Gives the lease up for a fast handover: records how far slots were started, withdraws claims beyond that
     * (the engine must already have stopped taking slots) but never below a slot the gate let fire, and clears the
     * holder so followers take over at once. From now on the gate lets nothing fire. A release that loses a race
     * (usually with this replica's own renewal, in flight when it began) reads the Lease again and is retried while
     * the term is still this replica's, at most {@value #RELEASE_ATTEMPTS} times. Returns whether a release was
     * written.
     */
    public boolean release() {
        LeaseRecord record;
        lock.lock();
        try {
            closed = true;
            signal();
            if (!leading) {
                return false;
            }
            record = releasing(mine);
        } finally {
            lock.unlock();
        }
        List<Runnable> after = new ArrayList<>();
        boolean released = false;
        for (int attempt = 1; record != null; attempt++) {
            try {
                writes.incrementAndGet();
                store.update(record);
                released = true;
                LOG.infof("%s released lease %s/%s (term %d, dispatched through %s, claimed until %s)", settings.identity(),
                        settings.namespace(), settings.name(), record.term(), record.dispatchedThrough(), record.claimedUntil());
                break;
            } catch (Conflict e) {
                // Usually this replica's own last renewal, in flight when the release began, landed first.
                if (attempt >= RELEASE_ATTEMPTS) {
                    LOG.warnf("%s could not release lease %s in %d attempts: %s; followers take over when it expires",
                            settings.identity(), settings.name(), RELEASE_ATTEMPTS, e.getMessage());
                    break;
                }
                record = releasingAgain(e.getMessage());
            } catch (LeaseStoreException e) {
                LOG.warnf("%s could not release lease %s: %s; followers take over when it expires", settings.identity(),
                        settings.name(), e.getMessage());
                break;
            }
        }
        lock.lock();
        try {
            stepDown("released on shutdown", after);
        } finally {
            lock.unlock();
        }
        runAll(after);
        return released;
    }

    /**
     * Under lock. The release of {@code base}: how far slots were started, claims withdrawn down to that, but never
     * below a slot the gate let fire (it may be starting right now), and no holder.
     */
    private LeaseRecord releasing(LeaseRecord base) {
        Instant dispatched = max(startedThrough(), base.dispatchedThrough());
        Instant claim = max(max(dispatched, baseClaim), authorisedThrough);
        return new LeaseRecord("", 1, base.acquireTime(), clock.now(), base.transitions(), term, claim, dispatched,
                base.resourceVersion());
    }

    /** After a conflicting release: the release of the Lease as it is now, if this term still holds it; else null. */
    private LeaseRecord releasingAgain(String conflict) {
        Optional<LeaseRecord> current;
        try {
            current = store.get();
        } catch (LeaseStoreException e) {
            LOG.warnf("%s could not release lease %s (%s) nor read it again: %s; followers take over when it expires",
                    settings.identity(), settings.name(), conflict, e.getMessage());
            return null;
        }
        lock.lock();
        try {
            if (current.isPresent() && current.get().term() == term && settings.identity().equals(current.get().holder())) {
                mine = current.get();
                return releasing(mine);
            }
            LOG.infof("%s: nothing to release, lease %s is now %s", settings.identity(), settings.name(),
                    current.map(r -> r.held() ? "held by " + r.holder() + " (term " + r.term() + ")" : "free").orElse("deleted"));
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Under lock. Every claimed slot up to here was started or deliberately not fired, as far as this term knows. */
    private Instant startedThrough() {
        return max(max(dispatchedReported, baseDispatched), mine == null ? null : mine.dispatchedThrough());
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            signal();
        } finally {
            lock.unlock();
        }
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                LOG.debug("closing the lease watch", e);
            }
        }
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    // ---------------------------------------------------------------- views

    public LeaderStatus status() {
        lock.lock();
        try {
            LeaseRecord seen = observed == null ? null : observed.orElse(null);
            long n = clock.nanoTime();
            boolean valid = leading && n - lastRenewSentNanos < renewDeadlineNanos;
            return new LeaderStatus(seen == null || !seen.held() ? null : seen.holder(), settings.identity(), valid,
                    leading ? term : seen == null ? 0 : seen.term(), leading ? since : null, leading ? renewedAt : null,
                    seen == null ? null : seen.claimedUntil(), seen == null ? null : seen.dispatchedThrough(),
                    (int) settings.leaseDuration().toSeconds(), leading && n - lastRenewSentNanos >= renewDeadlineNanos + leaseNanos,
                    lastError);
        } finally {
            lock.unlock();
        }
    }

    public boolean isLeader() {
        return status().isLeader();
    }

    public long acquisitions() {
        return acquisitions.get();
    }

    public long renewFailures() {
        return renewFailures.get();
    }

    public long writes() {
        return writes.get();
    }

    public LeaseSettings settings() {
        return settings;
    }

    private static void runAll(List<Runnable> actions) {
        for (Runnable r : actions) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("leadership listener failed", e);
            }
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
