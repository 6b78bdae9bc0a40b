package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.execution.ActionRunner;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import org.jboss.logging.Logger;

/**
 * The scheduler engine, identical on every replica, assembled from parts that each do one thing:
 * <ul>
 * <li>{@link JobTable}: the registered jobs, their generations and one timer per job (its next slot);</li>
 * <li>{@link SlotPlanner}: pure catch-up and recovery planning;</li>
 * <li>{@link Admission}: the checks before the gate, the {@link LeaderGate} and the slots waiting for a claim;</li>
 * <li>{@link Progress}: how far every slot has been started or settled, reported to the gate;</li>
 * <li>{@link Supervisor}: concurrency policy, hand-off, timeouts and retries, with the {@link Limiter};</li>
 * <li>{@link TimerLoop}: the thread that calls {@link #tick()} when the earliest timer is due.</li>
 * </ul>
 *
 * <p>Guarantees: slots are computed from the schedule and the previous slot, never from the time the engine
 * happened to wake, so every replica computes the same slots. A throwing or hanging action cannot reach the
 * engine: actions run on the dispatch executor, their failures are outcomes, and the job's timeout cancels them.
 * The engine never reads the system time; it asks its {@link Clock}. {@link #tick()} is the whole time-driven
 * behaviour, so tests move a fake clock and call it; {@link #start()} runs the same method on a timer thread.
 * Only the blocking wrappers {@link #stopTakingSlots(Duration)} and {@link #shutdown} wait in real time.
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
    private final AtomicLong loopFailures = new AtomicLong();
    private final Listeners listeners = new Listeners();
    private final JobTable jobs;
    private final Limiter limiter;
    private final Progress progress;
    private final Supervisor supervisor;
    private final Admission admission;
    private final TimerLoop loop;
    /** A takeover whose recovery the next pass applies; null when none waits. */
    private final AtomicReference<Takeover> recovery = new AtomicReference<>();
    /**
     * Held by the thread running a pass of {@link #tick()}: a graceful stop waits for the pass in progress, so that
     * every slot the pass was authorised to fire has started and is in the final progress report.
     */
    private final ReentrantLock passing = new ReentrantLock();
    private volatile Instant heartbeat;

    public Engine(Clock clock, LeaderGate gate, ActionRunner runner, Executor dispatch, String replica,
            EngineSettings settings, DoubleSupplier jitter) {
        this.clock = Objects.requireNonNull(clock);
        Objects.requireNonNull(gate);
        this.progress = new Progress(gate);
        this.jobs = new JobTable(new SlotPlanner(Objects.requireNonNull(settings)), progress, loopFailures);
        this.limiter = new Limiter(settings);
        this.supervisor = new Supervisor(clock, gate, Objects.requireNonNull(runner), Objects.requireNonNull(dispatch),
                Objects.requireNonNull(replica), settings, Objects.requireNonNull(jitter), jobs, limiter, progress, listeners,
                this::wake);
        this.admission = new Admission(gate, jobs, supervisor, progress, listeners, loopFailures, this::wake);
        supervisor.onTermLost(admission::reoffer);
        this.loop = new TimerLoop(clock, this::tick, supervisor::stopping, loopFailures);
        this.heartbeat = clock.now();
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
            admission.addPending(due);
        }
        loop.wake();
    }

    /** Unregisters a job. Runs in progress finish (or time out) normally; no new slot fires. */
    public void remove(JobId id) {
        jobs.remove(id);
    }

    /**
     * Scheduled slots of the jobs {@code paused} names (with a sentence saying why, for the skip) are skipped as
     * {@code suspended}, like a job whose spec says {@code suspend: true}; manual runs are not.
     */
    public void pausedBy(java.util.function.Function<JobId, String> paused) {
        admission.pausedBy(Objects.requireNonNull(paused));
    }

    /**
     * Reserves a manual run of a registered job at {@code slot}, a time that must not be one of the job's scheduled
     * slots (it names the run: its {@code Idempotency-Key} and its fencing come from it, as for any slot). From now
     * on the replica's progress (the Lease's dispatched-through) stays below {@code slot} until the run has been
     * {@link #offer offered} and decided, or {@link #drop dropped}; so reserve before recording the slot anywhere a
     * successor reads. Empty when no such job is registered.
     */
    public Optional<ManualSlot> reserve(JobId id, Instant slot) {
        return jobs.registration(id).map(reg -> {
            progress.planned(slot);
            return new ManualSlot(Candidate.manual(reg, slot));
        });
    }

    /**
     * Puts a reserved manual run through the fire path at the next pass, like any due slot: the gate (a claim, the
     * previous term's record), the concurrency policy, the limit, timeouts and retries. Its slot must not be in the
     * future. Suspension and pauses do not hold it back: a manual run is asked for explicitly.
     */
    public void offer(ManualSlot run) {
        admission.addPending(List.of(run.candidate));
        loop.wake();
    }

    /** A reserved manual run that will not be offered: progress may pass its slot. */
    public void drop(ManualSlot run) {
        progress.settled(run.candidate.slot);
    }

    /** A manual run reserved by {@link #reserve}, to {@link #offer} or {@link #drop} exactly once. */
    public static final class ManualSlot {
        private final Candidate candidate;

        private ManualSlot(Candidate candidate) {
            this.candidate = candidate;
        }

        public JobId job() {
            return candidate.spec.id();
        }

        public Instant slot() {
            return candidate.slot;
        }
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
        Takeover takeover = recovery.getAndSet(null);
        if (takeover != null) {
            Instant dispatched = takeover.dispatchedThrough() == null ? takeover.claimedUntil() : takeover.dispatchedThrough();
            older.addAll(jobs.recover(dispatched, takeover.claimedUntil(), now, missed));
        }
        if (takeover != null) {
            progress.applied(takeover); // its slots are planned: progress may be reported again
        }
        older.addAll(admission.takePending());
        missed.forEach(listeners::publish);
        supervisor.expire(now);
        Admission.Pass pass = admission.pass(now, takeover != null);
        older.sort(Comparator.comparing((Candidate c) -> c.slot));
        older.forEach(pass::offer);
        // Due timers one job at a time, each slot put through the fire path as soon as the job's next slot is
        // known: the first fire of a large batch does not wait until the whole batch has been planned.
        for (List<Candidate> due = jobs.takeDue(now); due != null; due = jobs.takeDue(now)) {
            due.forEach(pass::offer);
        }
        pass.finish();
        if (takeover != null) {
            admission.recoveryApplied(takeover.term());
        }
        progress.passEnded(now);
        supervisor.dueRetries(now);
        Instant next = now.plus(MAX_WAIT);
        for (Instant t : new Instant[] {jobs.nextTime(), supervisor.nextTime()}) {
            if (t != null && t.isBefore(next)) {
                next = t;
            }
        }
        return next;
    }

    private void wake() {
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
        admission.takeoverAnnounced();
        progress.hold(predecessor); // until the recovery is applied its slots are not planned: nothing is reported
        recovery.set(predecessor);
        loop.wake();
    }

    /**
     * What a new leader inherits: every slot up to {@code dispatchedThrough} was started or deliberately skipped,
     * slots up to {@code claimedUntil} were claimed; {@code null} when nothing was ever claimed. {@code term} is the
     * term that begins with it ({@link #UNKNOWN_TERM} when the caller does not say).
     */
    public record Takeover(Instant dispatchedThrough, Instant claimedUntil, long term) {
        public static final long UNKNOWN_TERM = Long.MIN_VALUE;

        public Takeover(Instant dispatchedThrough, Instant claimedUntil) {
            this(dispatchedThrough, claimedUntil, UNKNOWN_TERM);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts the timer thread that calls {@link #tick()} whenever the earliest timer is due. */
    public void start() {
        loop.start();
    }

    /**
     * Begins a graceful stop without waiting for anything: from now on no slot is put to the gate, no queued run and
     * no retry starts, and the timer thread ends after its pass in progress. Runs still queued for the concurrency
     * limit are reported as not started (they stay open for a successor). Call {@link #stopComplete()} until it
     * answers true to know when the progress reported to the gate is final.
     */
    public void beginStop() {
        supervisor.stop();
        loop.wake();
        if (passing.tryLock()) {
            try {
                supervisor.abandonQueued();
            } finally {
                passing.unlock();
            }
        }
    }

    /**
     * After {@link #beginStop()}: whether the stop is complete, without waiting. True once no pass is in progress
     * (on another thread) and every admitted attempt has left the process; the final progress is then reported to
     * the gate (at the first true answer, and again at every later one, which the gate ignores): every slot the gate
     * let fire has started and is in it. False before {@link #beginStop()}. Not to be called from inside a tick.
     */
    public boolean stopComplete() {
        if (!supervisor.stopping() || !passing.tryLock()) {
            return false;
        }
        try {
            supervisor.abandonQueued(); // queued by a pass that was in progress when the stop began
        } finally {
            passing.unlock();
        }
        if (progress.starting() > 0) {
            return false;
        }
        progress.report();
        return true;
    }

    /**
     * First step of a graceful handover, blocking: {@link #beginStop()}, then waits (at most {@code max} in all, in
     * real time) until {@link #stopComplete()}: the timer pass in progress has ended and every admitted attempt has
     * started, so that the progress reported to the gate is final. Running attempts go on; {@link #shutdown} waits
     * for them. If {@code max} runs out first, the report is short of what was started; the gate never withdraws
     * the claim on a slot it let fire, so such a slot is uncertain for the successor, never fired twice.
     */
    public void stopTakingSlots(Duration max) {
        long deadline = System.nanoTime() + max.toNanos(); // a real-time wait, like shutdown's
        beginStop();
        try {
            // A pass that started before the stop finishes; any later pass checks it before the gate.
            if (passing.tryLock(max.toNanos(), TimeUnit.NANOSECONDS)) {
                passing.unlock();
            } else {
                LOG.warnf("the timer pass in progress did not end within %s ms; reporting progress without it", max.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        while (!stopComplete()) {
            if (System.nanoTime() >= deadline) {
                supervisor.abandonQueued();
                progress.report();
                return;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
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

    /** What the engine knows about one job, for the API. */
    public record JobStatus(JobSpec spec, Optional<Occurrence> next, int running) {
    }
}
