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
    private final ActionRunner runner;
    private final Executor dispatch;
    private final String replica;
    private final EngineSettings settings;
    private final DoubleSupplier jitter;
    private final Listeners listeners = new Listeners();
    private final Progress progress;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();
    private final JobTable jobs;
    /** Retries waiting for their time, earliest first. */
    private final PriorityQueue<RetryTimer> retries = new PriorityQueue<>();
    /** Attempts in progress by timeout; a finished attempt leaves at once, so this holds only what is running. */
    private final ConcurrentSkipListSet<Run> deadlines = new ConcurrentSkipListSet<>(
            Comparator.comparing((Run r) -> r.deadline).thenComparingLong(r -> r.seq));
    private final AtomicLong sequence = new AtomicLong();
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
    /** Attempts in progress. Admission and release do not take the engine lock: workers never wait for the timer. */
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean stopping;
    private volatile Instant heartbeat;
    private final TimerLoop loop;

    public Engine(Clock clock, LeaderGate gate, ActionRunner runner, Executor dispatch, String replica,
            EngineSettings settings, DoubleSupplier jitter) {
        this.clock = Objects.requireNonNull(clock);
        this.gate = Objects.requireNonNull(gate);
        this.runner = Objects.requireNonNull(runner);
        this.dispatch = Objects.requireNonNull(dispatch);
        this.replica = Objects.requireNonNull(replica);
        this.settings = Objects.requireNonNull(settings);
        this.jitter = Objects.requireNonNull(jitter);
        this.jobs = new JobTable(new SlotPlanner(settings), loopFailures);
        this.limiter = new Limiter(settings);
        this.progress = new Progress(gate);
        this.heartbeat = clock.now();
        this.loop = new TimerLoop(clock, this::tick, () -> stopping, loopFailures);
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

    /** Attempts in progress on this replica. */
    /** Fires waiting for the replica's concurrency limit. */
    public int queuedCount() {
        return limiter.queuedCount();
    }

    public int runningCount() {
        return running.get();
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
        List<Run> expired = new ArrayList<>();
        lock.lock();
        try {
            if (recovery != null && recovery.claimedUntil() != null) {
                Instant dispatched = recovery.dispatchedThrough() == null ? recovery.claimedUntil() : recovery.dispatchedThrough();
                older.addAll(jobs.recover(dispatched, recovery.claimedUntil(), now, missed));
            }
            recovery = null;
            older.addAll(pending);
            pending = new ArrayList<>();
            for (Run first = firstDeadline(); first != null && !first.deadline.isAfter(now); first = firstDeadline()) {
                Run r = deadlines.pollFirst();
                if (r != null && !r.finished.get()) {
                    expired.add(r);
                }
            }
        } finally {
            lock.unlock();
        }
        missed.forEach(this::publish);
        for (Run r : expired) {
            timeOut(r, now);
        }
        Pass pass = new Pass(now);
        older.sort(Comparator.comparing((Candidate c) -> c.slot));
        older.forEach(pass::offer);
        // Due timers one job at a time, each slot put through the fire path as soon as the job's next slot is
        // known: the first fire of a large batch does not wait until the whole batch has been planned.
        for (List<Candidate> due = jobs.takeDue(now); due != null; due = jobs.takeDue(now)) {
            due.forEach(pass::offer);
        }
        pass.finish();
        for (Run r : dueRetries(now)) {
            retry(r, now);
        }
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

    /**
     * The attempt whose timeout comes first, or null. Attempts leave {@link #deadlines} from other threads (as they
     * finish), so it may empty between a check and a read: never {@code isEmpty()} then {@code first()}.
     */
    private Run firstDeadline() {
        try {
            return deadlines.first();
        } catch (java.util.NoSuchElementException empty) {
            return null;
        }
    }

    private Instant nextWake(Instant now) {
        Instant next = now.plus(MAX_WAIT);
        Instant timer = jobs.nextTime();
        if (timer != null && timer.isBefore(next)) {
            next = timer;
        }
        lock.lock();
        try {
            if (!retries.isEmpty() && retries.peek().time().isBefore(next)) {
                next = retries.peek().time();
            }
        } finally {
            lock.unlock();
        }
        Run first = firstDeadline();
        if (first != null && first.deadline.isBefore(next)) {
            next = first.deadline;
        }
        return next;
    }

    private List<Run> dueRetries(Instant now) {
        List<Run> due = new ArrayList<>();
        lock.lock();
        try {
            while (!retries.isEmpty() && !retries.peek().time().isAfter(now)) {
                due.add(retries.poll().run());
            }
        } finally {
            lock.unlock();
        }
        return due;
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

    private record RetryTimer(Instant time, long seq, Run run) implements Comparable<RetryTimer> {
        @Override
        public int compareTo(RetryTimer o) {
            int c = time.compareTo(o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
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
            publish(alreadyFired(spec));
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
        if (stopping) {
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
        Registration reg = c.reg;
        List<Run> replaced = List.of();
        Run run = new Run(reg, spec, slot, 1, term, now);
        synchronized (reg) {
            if (reg.runs != null && !reg.runs.isEmpty()) {
                if (spec.concurrencyPolicy() == ConcurrencyPolicy.Forbid) {
                    replaced = null;
                } else if (spec.concurrencyPolicy() == ConcurrencyPolicy.Replace) {
                    replaced = new ArrayList<>(reg.runs);
                }
            }
            if (replaced != null) {
                hold(run);
            }
        }
        if (replaced == null) {
            publish(new SkippedExecution(spec.id(), slot, SkipReason.CONCURRENCY,
                    "previous run still in progress (concurrencyPolicy Forbid)"));
            return Outcome.HANDLED;
        }
        if (spec.oneTime() && !jobs.claimOneTime(spec, slot)) {
            unhold(run); // registered again while this very slot was being fired
            publish(alreadyFired(spec));
            return Outcome.HANDLED;
        }
        for (Run old : replaced) {
            finish(old, null, "cancelled: replaced by slot " + slot + " (concurrencyPolicy Replace)", false, now);
        }
        launch(run, now);
        return Outcome.HANDLED;
    }

    private static SkippedExecution alreadyFired(JobSpec spec) {
        Instant at = spec.runAt().orElseThrow();
        return new SkippedExecution(spec.id(), at, SkipReason.ALREADY_FIRED, "runAt " + at
                + " has already fired on this replica; a one-time job fires once, also when it is registered again");
    }

    private void retry(Run previous, Instant now) {
        Decision decision = gate.authorise(previous.slot);
        boolean sameTerm = decision instanceof Decision.Fire f && f.term() == previous.term
                || decision instanceof Decision.Uncertain u && u.term() == previous.term;
        if (!sameTerm) {
            publish(new SkippedExecution(previous.spec.id(), previous.slot, SkipReason.NOT_LEADER,
                    "retry " + (previous.attempt + 1) + " abandoned: lease term " + previous.term + " is no longer held"));
            return;
        }
        Run run = new Run(previous.reg, previous.spec, previous.slot, previous.attempt + 1, previous.term, now);
        if (stopping) {
            publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.SHUTTING_DOWN,
                    "retry " + run.attempt + " not started: replica is shutting down"));
            return;
        }
        synchronized (run.reg) {
            hold(run);
        }
        launch(run, now);
    }

    /**
     * Holding the registration's monitor: the run belongs to its job from now on (Forbid sees it) and counts as
     * not yet started for progress.
     */
    private void hold(Run run) {
        if (run.reg.runs == null) {
            run.reg.runs = new HashSet<>(2);
        }
        run.reg.runs.add(run);
        progress.admitted();
        run.seq = sequence.incrementAndGet();
    }

    /** Undoes {@link #hold} for a run that will not start. */
    private void unhold(Run run) {
        synchronized (run.reg) {
            if (run.reg.runs != null) {
                run.reg.runs.remove(run);
            }
        }
        started();
    }

    /**
     * Starts a held run, or, at the replica's concurrency limit, queues it ({@code Wait}: in slot order, every one
     * of them eventually runs) or skips it ({@code Skip}). The timeout counts from the start, not from the queue.
     */
    private void launch(Run run, Instant now) {
        Limiter.Answer answer = limiter.acquire(run, now);
        if (answer == Limiter.Answer.QUEUED) {
            return;
        }
        if (answer == Limiter.Answer.REFUSED) {
            unhold(run);
            jobs.unclaimOneTime(run.spec, run.slot);
            publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.LIMIT, settings.maxConcurrentRuns()
                    + " runs already in progress on this replica (limit mode Skip)"));
            return;
        }
        activate(run, now);
        dispatch(run);
    }

    /** The run is in progress from now on and gets its deadline. */
    private void activate(Run run, Instant now) {
        run.active = true;
        running.incrementAndGet();
        run.deadline = now.plus(run.spec.timeout());
        deadlines.add(run);
    }

    /** A run ended and gives its permit to the earliest queued run that may still start, or back. */
    private void passPermit() {
        while (true) {
            Run next = limiter.release();
            if (next == null) {
                return;
            }
            Instant now = clock.now();
            String refusal = stillStartable(next, now);
            if (refusal == null) {
                activate(next, now);
                dispatch(next);
                return;
            }
            boolean shutting = refusal.startsWith("shutting");
            boolean late = refusal.startsWith("waited");
            // Shutting down or the term lost: not started, and nobody decided against it: it stays open. Past its
            // deadline or its job deleted: deliberately not fired, so it is settled like any other skip.
            abandon(next, shutting ? SkipReason.SHUTTING_DOWN : late ? SkipReason.DEADLINE_EXCEEDED : SkipReason.NOT_LEADER,
                    refusal, shutting || !late && !next.reg.removed);
        }
    }

    /** Why a queued run may no longer start, or null. */
    private String stillStartable(Run run, Instant now) {
        if (stopping) {
            return "shutting down while queued for the concurrency limit";
        }
        if (run.reg.removed) {
            return "not leader: the job was deleted while queued";
        }
        Optional<Duration> deadline = run.spec.startingDeadline();
        if (deadline.isPresent() && Duration.between(run.slot, now).compareTo(deadline.get()) > 0) {
            return "waited for the concurrency limit until " + Duration.between(run.slot, now).toMillis()
                    + " ms late, past startingDeadlineSeconds " + deadline.get().toSeconds();
        }
        Decision d = gate.authorise(run.slot);
        boolean sameTerm = d instanceof Decision.Fire f && f.term() == run.term || d instanceof Decision.Uncertain u && u.term() == run.term;
        return sameTerm ? null : "not leader: lease term " + run.term + " is no longer held";
    }

    /**
     * A queued run that will not start: reported, and if {@code open}, kept open for a successor: progress reports of
     * its term stay below it (a later term's are not held back by it).
     */
    private void abandon(Run run, SkipReason reason, String detail, boolean open) {
        if (open) {
            progress.open(run.term, run.slot);
        }
        publish(new SkippedExecution(run.spec.id(), run.slot, reason, detail));
        jobs.unclaimOneTime(run.spec, run.slot);
        unhold(run);
    }

    private void dispatch(Run run) {
        try {
            dispatch.execute(() -> start(run));
        } catch (RuntimeException e) {
            started();
            finish(run, null, "could not be dispatched: " + e, true, clock.now());
        }
    }

    private void started() {
        progress.started();
    }

    /**
     * Starts the attempt; it counts as started for progress once it has left this process (its runner's hand-off,
     * or its outcome, whichever comes first).
     */
    private void start(Run run) {
        CompletableFuture<?> handOff = null;
        try {
            handOff = startAction(run);
        } finally {
            if (handOff == null) {
                started();
            } else {
                handOff.whenComplete((v, e) -> started()); // at once if it is done already
            }
        }
    }

    /**
     * Starts the action first and publishes afterwards: the start is what lateness measures. An action that
     * completes at once (a no-op, a refused connection) has its outcome handled as a separate task behind the
     * starts already queued, so a large batch starts before its first outcomes are bookkept.
     */
    private CompletableFuture<?> startAction(Run run) {
        Instant started = clock.now();
        run.started = started;
        CompletableFuture<RunResult> future;
        run.thread = Thread.currentThread();
        Fire fire = new Fire(run.spec, run.slot, run.attempt, run.term, replica);
        try {
            future = runner.start(fire);
            if (future == null) {
                future = CompletableFuture.failedFuture(new IllegalStateException("action returned no result"));
            }
        } catch (Throwable t) {
            future = CompletableFuture.failedFuture(t);
        } finally {
            run.thread = null;
            Thread.interrupted(); // an interrupt aimed at this attempt must not leak into the next task
        }
        run.future = future;
        publish(new FiredExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, started,
                Duration.between(run.due, started), run.queuedAt == null ? Duration.ZERO : Duration.between(run.queuedAt, started)));
        CompletableFuture<Void> pending = fire.handOff().pending();
        CompletableFuture<?> handOff = pending == null ? null : CompletableFuture.anyOf(pending, future);
        if (run.finished.get()) {
            future.cancel(true);
            return handOff;
        }
        boolean immediate = future.isDone();
        future.whenComplete((result, error) -> {
            Instant ended = clock.now();
            Runnable outcome = () -> {
                if (error != null) {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    finish(run, null, "action threw " + cause, true, ended);
                } else {
                    finish(run, result, null, true, ended);
                }
            };
            if (!immediate) {
                outcome.run();
                return;
            }
            try {
                dispatch.execute(outcome);
            } catch (RuntimeException rejected) {
                outcome.run();
            }
        });
        return handOff;
    }

    private void timeOut(Run run, Instant now) {
        if (!run.finished.compareAndSet(false, true)) {
            return;
        }
        cancel(run);
        boolean willRetry = release(run, true, now);
        publish(new TimedOutExecution(run.spec.id(), run.slot, run.attempt, run.term, replica,
                Duration.between(run.startedOr(now), now), run.spec.timeout(), willRetry));
    }

    /** Ends an attempt exactly once: either its result, or an error text. */
    private void finish(Run run, RunResult result, String error, boolean mayRetry, Instant now) {
        if (!run.finished.compareAndSet(false, true)) {
            return;
        }
        if (result == null) {
            cancel(run);
        }
        boolean failed = !(result instanceof RunResult.Succeeded) && !(result instanceof RunResult.Skipped);
        boolean willRetry = release(run, failed && mayRetry, now);
        Duration duration = Duration.between(run.startedOr(now), now);
        if (result instanceof RunResult.Skipped k) {
            publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.CONCURRENCY, k.detail()));
        } else if (result instanceof RunResult.Succeeded s) {
            publish(new SucceededExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, duration, s.detail()));
        } else {
            String why = result != null ? result.detail() : error;
            publish(new FailedExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, duration, why, willRetry));
        }
    }

    private void cancel(Run run) {
        CompletableFuture<RunResult> f = run.future;
        if (f != null) {
            f.cancel(true);
        }
        Thread t = run.thread;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Removes a finished attempt from the running set; schedules the next attempt when allowed. */
    private boolean release(Run run, boolean retryable, Instant now) {
        synchronized (run.reg) {
            if (run.reg.runs != null) {
                run.reg.runs.remove(run);
            }
        }
        if (!run.active) {
            // Still queued for the concurrency limit (a Replace, or a shutdown): it never started.
            limiter.remove(run);
            started();
            return false;
        }
        deadlines.remove(run);
        if (run.permit) {
            run.permit = false;
            passPermit();
        }
        boolean drainedNow = running.decrementAndGet() == 0 && stopping;
        boolean retry = retryable && !stopping && !run.reg.removed && run.attempt < run.spec.retry().attempts();
        if (retry || drainedNow) {
            lock.lock();
            try {
                if (retry) {
                    Duration nominal = run.spec.retry().delayBefore(run.attempt + 1);
                    long ms = (long) (nominal.toMillis() * (1.0 - 0.2 * jitter.getAsDouble()));
                    retries.add(new RetryTimer(now.plusMillis(ms), sequence.incrementAndGet(), run));
                    loop.wake();
                }
                drained.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return retry;
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
        lock.lock();
        try {
            stopping = true;
            loop.wake();
        } finally {
            lock.unlock();
        }
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
        for (Run r : limiter.drain()) {
            abandon(r, SkipReason.SHUTTING_DOWN, "shutting down while queued for the concurrency limit", true);
        }
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
        List<Run> leftover = new ArrayList<>();
        lock.lock();
        try {
            stopping = true;
            loop.wake();
            while (running.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                drained.awaitNanos(left);
            }
            leftover.addAll(jobs.runs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        Instant now = clock.now();
        for (Run r : leftover) {
            finish(r, null, "cancelled: shutdown grace period of " + grace.toMillis() + " ms elapsed", false, now);
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
