package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.TimedOutExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.execution.ActionRunner;
import io.leasecron.execution.Fire;
import io.leasecron.engine.SlotPlanner.Planned;
import io.leasecron.execution.RunResult;
import io.leasecron.job.CatchUp;
import io.leasecron.job.ConcurrencyPolicy;
import io.leasecron.job.Delivery;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import org.jboss.logging.Logger;

/**
 * The scheduler engine, identical on every replica. It keeps one timer entry per job (the job's next slot) in a
 * priority queue and is woken exactly when the earliest one is due: there is no periodic scan of all jobs. Each
 * due slot goes through {@link #fire}: gate, concurrency, run, publish.
 *
 * <p>Guarantees: slots are computed from the schedule and the previous slot, never from the time the engine
 * happened to wake, so every replica computes the same slots. A throwing or hanging action cannot reach the
 * engine: actions run on the dispatch executor, their failures are outcomes, and the job's timeout cancels them.
 * The engine never reads the system time; it asks its {@link Clock}. {@link #tick()} is the whole time-driven
 * behaviour, so tests move a fake clock and call it; {@link #start()} runs the same method on a timer thread.
 *
 * <p>Leadership: every due slot is put to the {@link LeaderGate}. Slots the current term has not claimed yet wait
 * (in slot order) while the gate claims the whole batch with one request; progress is reported back with
 * {@link LeaderGate#dispatched}. When this replica becomes leader, {@link #recover} applies each job's catch-up
 * policy to the slots its predecessor left unhandled and its delivery policy to those it left uncertain.
 */
public final class Engine {
    private static final Logger LOG = Logger.getLogger(Engine.class);
    /** Longest between two ticks, so that a wall-clock step is noticed within this bound. */
    static final Duration MAX_WAIT = TimerLoop.MAX_WAIT;

    private final Clock clock;
    private final LeaderGate gate;
    private final Listeners listeners = new Listeners();
    private final Progress progress;
    private final Supervisor supervisor;

    private final ReentrantLock lock = new ReentrantLock();
    private final JobTable jobs;
    private final AtomicLong loopFailures = new AtomicLong();
    /** Slots waiting for a claim, in the order they came due. */
    private List<Candidate> pending = new ArrayList<>();
    /** The latest slot a claim was requested for and not yet resolved; null when none is outstanding. */
    private Instant claimRequested;
    private Takeover recovery;
    /** The concurrency limit: permits in use and the runs waiting for one, in slot order. */
    private final Limiter limiter;
    /**
     * Held by the thread running a pass of {@link #tick()}: a graceful stop waits for the pass in progress, so that
     * every slot the pass was authorised to fire has started and is in the final progress report.
     */
    private final ReentrantLock passing = new ReentrantLock();
    private volatile Instant heartbeat;
    private final TimerLoop loop;

    public Engine(Clock clock, LeaderGate gate, ActionRunner runner, Executor dispatch, String replica,
            EngineSettings settings, DoubleSupplier jitter) {
        this.clock = Objects.requireNonNull(clock);
        this.gate = Objects.requireNonNull(gate);
        Objects.requireNonNull(runner);
        Objects.requireNonNull(dispatch);
        Objects.requireNonNull(replica);
        Objects.requireNonNull(settings);
        Objects.requireNonNull(jitter);
        this.jobs = new JobTable(new SlotPlanner(settings), loopFailures);
        this.limiter = new Limiter(settings);
        this.progress = new Progress(gate);
        this.supervisor = new Supervisor(clock, gate, runner, dispatch, replica, settings, jitter, jobs, limiter, progress,
                listeners, this::wakeTimer);
        this.heartbeat = clock.now();
        this.loop = new TimerLoop(clock, this::tick, supervisor::stopping, loopFailures);
    }

    public void addListener(ExecutionListener listener) {
        listeners.add(listener);
    }

    // ---------------------------------------------------------------- registration

    /**
     * Registers or replaces a job. When this returns, the job is scheduled and {@link #status} shows its next
     * slot: there is no window in which a registered job has no next run. An edit that keeps the schedule keeps
     * the pending slot; an edit of the schedule recomputes it from now.
     */
    public void upsert(JobSpec spec) {
        List<Candidate> due = jobs.upsert(spec, clock.now());
        if (due == null) {
            return;
        }
        if (!due.isEmpty()) {
            lock.lock();
            try {
                pending.addAll(due);
            } finally {
                lock.unlock();
            }
        }
        loop.wake();
    }

    /** Unregisters a job. Runs in progress finish (or time out) normally; no new slot fires. */
    public void remove(JobId id) {
        jobs.remove(id);
    }

    public Optional<JobStatus> status(JobId id) {
        return jobs.status(id);
    }

    /** The next {@code count} slots of a registered job, starting with the pending one. */
    public List<Occurrence> upcoming(JobId id, int count) {
        return jobs.upcoming(id, count);
    }

    public int jobCount() {
        return jobs.size();
    }

    /** Fires waiting for the replica's concurrency limit. */
    public int queuedCount() {
        return limiter.queuedCount();
    }

    /** Attempts in progress on this replica. */
    public int runningCount() {
        return supervisor.runningCount();
    }

    /** Attempts admitted whose work has not yet left this process (see {@code Fire.HandOff}): not yet progress. */
    public int startingCount() {
        return progress.starting();
    }

    // ---------------------------------------------------------------- time

    /**
     * Fires every slot due at the clock's current time, cancels attempts past their timeout, starts due retries,
     * and returns when it next needs to be called. Safe to call at any time; calling it early does nothing.
     */
    public Instant tick() {
        passing.lock();
        try {
            return pass();
        } finally {
            passing.unlock();
        }
    }

    private Instant pass() {
        Instant now = clock.now();
        heartbeat = now;
        List<Candidate> older = new ArrayList<>();
        List<SkippedExecution> missed = new ArrayList<>();
        lock.lock();
        try {
            if (recovery != null && recovery.claimedUntil() != null) {
                Instant dispatched = recovery.dispatchedThrough() == null ? recovery.claimedUntil() : recovery.dispatchedThrough();
                older.addAll(jobs.recover(dispatched, recovery.claimedUntil(), now, missed));
            }
            recovery = null;
            older.addAll(pending);
            pending = new ArrayList<>();
        } finally {
            lock.unlock();
        }
        missed.forEach(this::publish);
        supervisor.expire(now);
        Pass pass = new Pass(now);
        older.sort(Comparator.comparing((Candidate c) -> c.slot));
        older.forEach(pass::offer);
        // Due timers one job at a time, each slot put through the fire path as soon as the job's next slot is
        // known: the first fire of a large batch does not wait until the whole batch has been planned.
        for (List<Candidate> due = jobs.takeDue(now); due != null; due = jobs.takeDue(now)) {
            due.forEach(pass::offer);
        }
        pass.finish();
        supervisor.dueRetries(now);
        return nextWake(now);
    }

    /**
     * One pass of candidates through the fire path, in slot order. Once a candidate waits for its claim, every
     * later one waits behind it; {@link #finish} requests one claim for all of them and reports progress.
     */
    private final class Pass {
        private final Instant now;
        private final List<Candidate> waiting = new ArrayList<>();
        private Instant handled;
        private boolean progress = true;

        Pass(Instant now) {
            this.now = now;
        }

        void offer(Candidate c) {
            try {
                if (c.isVoid()) {
                    return; // deleted, or rescheduled by an edit: its old slots are void
                }
                Outcome o = waiting.isEmpty() ? fire(c, now) : Outcome.WAITS;
                if (o == Outcome.WAITS) {
                    waiting.add(c);
                } else if (o == Outcome.ABANDONED || o == Outcome.REFUSED) {
                    progress = false; // not started, and not decided against: a successor must still see it as open
                } else if (progress) {
                    handled = c.slot;
                }
            } catch (RuntimeException e) {
                loopFailures.incrementAndGet();
                progress = false;
                LOG.errorf(e, "%s slot %s: fire failed inside the engine", c.spec.id(), c.slot);
            }
        }

        void finish() {
            if (handled != null && !waiting.isEmpty() && !handled.isBefore(waiting.get(0).slot)) {
                handled = waiting.get(0).slot.minusNanos(1); // slots at the instant of a waiting one are not all handled
            }
            Instant claim = null;
            lock.lock();
            try {
                if (!waiting.isEmpty()) {
                    waiting.addAll(pending);
                    pending = new ArrayList<>(waiting);
                    Instant latest = waiting.get(waiting.size() - 1).slot;
                    for (Candidate c : waiting) {
                        latest = c.slot.isAfter(latest) ? c.slot : latest;
                    }
                    if (claimRequested == null || latest.isAfter(claimRequested)) {
                        claimRequested = latest;
                        claim = latest;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (handled != null) {
                Engine.this.progress.handled(handled);
            }
            if (claim != null) {
                gate.requestClaim(claim, Engine.this::claimResolved);
            }
        }
    }

    private void claimResolved() {
        lock.lock();
        try {
            claimRequested = null;
            loop.wake();
        } finally {
            lock.unlock();
        }
    }

    private Instant nextWake(Instant now) {
        Instant next = now.plus(MAX_WAIT);
        for (Instant t : new Instant[] {jobs.nextTime(), supervisor.nextTime()}) {
            if (t != null && t.isBefore(next)) {
                next = t;
            }
        }
        return next;
    }

    private void wakeTimer() {
        loop.wake();
    }

    /**
     * This replica has become leader after {@code predecessor}: the slots of every job that this engine passed
     * without a lease (refused as {@code not_leader}, or before the job was registered) are planned again; a slot
     * already offered under the new term, in a pass that ran between the takeover and this call, is not. Slots in
     * {@code (dispatchedThrough, claimedUntil]} are uncertain; later ones were handled by nobody and go through
     * the job's catch-up policy. The gate decides each slot as usual. Applied at the next tick.
     */
    public void recover(Takeover predecessor) {
        lock.lock();
        try {
            recovery = predecessor;
            loop.wake();
        } finally {
            lock.unlock();
        }
    }

    /**
     * What a new leader inherits: every slot up to {@code dispatchedThrough} was started or deliberately skipped,
     * slots up to {@code claimedUntil} were claimed; {@code null} when nothing was ever claimed.
     */
    public record Takeover(Instant dispatchedThrough, Instant claimedUntil) {
    }

    // ---------------------------------------------------------------- the fire path

    /** What became of a slot on the fire path. */
    private enum Outcome {
        /** Started, or decided against (skipped, uncertain and not refired): settled either way. */
        HANDLED,
        /** Waits for its claim; nothing was published. */
        WAITS,
        /** Not started because the replica is shutting down: still open for a successor. */
        ABANDONED,
        /**
         * Refused for want of a valid lease (a follower, or a leader past its renew deadline): not started and not
         * settled either. It is no progress: a later term catches it up, or reports it uncertain.
         */
        REFUSED
    }

    /** Gate, concurrency, run, publish: everything a slot goes through, in that order. */
    private Outcome fire(Candidate c, Instant now) {
        JobSpec spec = c.spec;
        Instant slot = c.slot;
        if (jobs.oneTimeFired(spec, slot)) {
            publish(Supervisor.alreadyFired(spec));
            return Outcome.HANDLED;
        }
        if (c.skipReason != null) {
            publish(new SkippedExecution(spec.id(), slot, c.skipReason, c.skipDetail));
            return Outcome.HANDLED;
        }
        if (spec.suspend()) {
            publish(new SkippedExecution(spec.id(), slot, SkipReason.SUSPENDED, "job is suspended"));
            return Outcome.HANDLED;
        }
        if (c.waited && spec.startingDeadline().isPresent()
                && Duration.between(slot, now).compareTo(spec.startingDeadline().get()) > 0) {
            publish(new SkippedExecution(spec.id(), slot, SkipReason.DEADLINE_EXCEEDED, "waited for the lease claim until "
                    + Duration.between(slot, now).toMillis() + " ms late, past startingDeadlineSeconds " + spec.startingDeadline().get().toSeconds()));
            return Outcome.HANDLED;
        }
        if (supervisor.stopping()) {
            // Checked before the gate, never after it: a slot the gate let fire is started, so that the progress
            // reported when the pass ends covers it (see stopTakingSlots).
            publish(new SkippedExecution(spec.id(), slot, SkipReason.SHUTTING_DOWN, "replica is shutting down"));
            return Outcome.ABANDONED;
        }
        Decision decision = gate.authorise(slot);
        long term;
        if (decision instanceof Decision.Fire f) {
            term = f.term();
            progress.fired(term);
        } else if (decision instanceof Decision.Pending) {
            c.waited = true;
            return Outcome.WAITS;
        } else if (decision instanceof Decision.Refused r) {
            publish(new SkippedExecution(spec.id(), slot, r.reason(), r.detail()));
            // Only a slot an earlier term started is settled; any other refusal leaves it open, for a recovery.
            if (r.reason() == SkipReason.PREVIOUS_LEADER) {
                return Outcome.HANDLED;
            }
            JobTable.refused(c);
            return Outcome.REFUSED;
        } else {
            Decision.Uncertain u = (Decision.Uncertain) decision;
            boolean refire = spec.delivery() == Delivery.AtLeastOnce;
            publish(new UncertainExecution(spec.id(), slot, u.term(), refire, u.detail()));
            if (!refire) {
                publish(new SkippedExecution(spec.id(), slot, SkipReason.UNCERTAIN, u.detail() + "; delivery AtMostOnce does not fire it again"));
                return Outcome.HANDLED;
            }
            term = u.term();
        }
        supervisor.admit(c, term, now);
        return Outcome.HANDLED;
    }

    private void publish(ExecutionEvent event) {
        listeners.publish(event);
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts the timer thread that calls {@link #tick()} whenever the earliest timer is due. */
    public void start() {
        loop.start();
    }

    /**
     * First step of a graceful handover: takes no new slot from now on, waits (at most {@code max} in all) for the
     * timer pass in progress to end and then until every admitted attempt has been started, so that the progress
     * reported to the gate is final: every slot the gate let fire has started and is in it. Running attempts go
     * on; {@link #shutdown} waits for them. If {@code max} runs out first, the report is short of what was
     * started; the gate never withdraws the claim on a slot it let fire, so such a slot is uncertain for the
     * successor, never fired twice.
     */
    public void stopTakingSlots(Duration max) {
        long deadline = System.nanoTime() + max.toNanos(); // a real-time wait, like shutdown's
        supervisor.stop();
        loop.wake();
        try {
            // A pass that started before `stopping` was set finishes; any later pass checks it before the gate.
            if (passing.tryLock(max.toNanos(), TimeUnit.NANOSECONDS)) {
                passing.unlock();
            } else {
                LOG.warnf("the timer pass in progress did not end within %s ms; reporting progress without it", max.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        supervisor.abandonQueued();
        while (progress.starting() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        progress.report();
    }

    /**
     * Stops taking new slots, waits up to {@code grace} for attempts in progress, then cancels the rest.
     * Returns the number of attempts that had to be cancelled.
     */
    public int shutdown(Duration grace) {
        // The grace period is a real-time wait on a condition (awaitNanos), so it is bounded in real time too.
        long deadline = System.nanoTime() + grace.toNanos();
        supervisor.stop();
        loop.wake();
        supervisor.awaitDrained(deadline);
        List<Run> leftover = jobs.runs();
        for (Run r : leftover) {
            supervisor.cancel(r, "cancelled: shutdown grace period of " + grace.toMillis() + " ms elapsed");
        }
        loop.join(Duration.ofSeconds(2));
        return leftover.size();
    }

    /** Time of the timer loop's last iteration, for the liveness check. */
    public Instant heartbeat() {
        return heartbeat;
    }

    public boolean timerRunning() {
        return loop.running();
    }

    public long listenerFailures() {
        return listeners.failures();
    }

    public long loopFailures() {
        return loopFailures.get();
    }

    // ---------------------------------------------------------------- state

    /** What the engine knows about one job, for the API. */
    public record JobStatus(JobSpec spec, Optional<Occurrence> next, int running) {
    }


}
