package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.TimedOutExecution;
import io.leasecron.execution.ActionRunner;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.CatchUp;
import io.leasecron.job.ConcurrencyPolicy;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.LeaderGate;
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
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 */
public final class Engine {
    private static final Logger LOG = Logger.getLogger(Engine.class);
    /** Longest the timer thread sleeps, so that a wall-clock step is noticed within this bound. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    private final Clock clock;
    private final LeaderGate gate;
    private final ActionRunner runner;
    private final Executor dispatch;
    private final String replica;
    private final EngineSettings settings;
    private final DoubleSupplier jitter;
    private final List<ExecutionListener> listeners = new CopyOnWriteArrayList<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Condition drained = lock.newCondition();
    private final Map<JobId, Registration> jobs = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final PriorityQueue<Run> deadlines = new PriorityQueue<>(Comparator.comparing((Run r) -> r.deadline));
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private final AtomicLong loopFailures = new AtomicLong();
    private int running;
    private boolean stopping;
    private boolean wakeRequested;
    private volatile Instant heartbeat;
    private Thread timerThread;

    public Engine(Clock clock, LeaderGate gate, ActionRunner runner, Executor dispatch, String replica,
            EngineSettings settings, DoubleSupplier jitter) {
        this.clock = Objects.requireNonNull(clock);
        this.gate = Objects.requireNonNull(gate);
        this.runner = Objects.requireNonNull(runner);
        this.dispatch = Objects.requireNonNull(dispatch);
        this.replica = Objects.requireNonNull(replica);
        this.settings = Objects.requireNonNull(settings);
        this.jitter = Objects.requireNonNull(jitter);
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
        Instant now = clock.now();
        List<Occurrence> pastOneTime = List.of();
        lock.lock();
        try {
            Registration reg = jobs.get(spec.id());
            if (reg != null && sameSlots(reg.spec, spec)) {
                reg.spec = spec;
                return;
            }
            if (reg == null) {
                reg = new Registration();
                jobs.put(spec.id(), reg);
            }
            reg.spec = spec;
            reg.generation++;
            if (spec.oneTime() && !spec.runAt().get().isAfter(now) && reg.lastSlot == null) {
                // A one-time job whose time has already passed when it appears: catchUp decides, and says so.
                Instant at = spec.runAt().get();
                pastOneTime = List.of(new Occurrence(at, java.time.LocalDateTime.ofInstant(at, spec.timeZone()),
                        io.leasecron.schedule.ClockChange.NONE));
                reg.next = null;
                reg.lastSlot = at;
            } else {
                schedule(reg, spec.schedule().next(reg.lastSlot != null && reg.lastSlot.isAfter(now) ? reg.lastSlot : now));
            }
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (!pastOneTime.isEmpty()) {
            Registration reg = registration(spec.id());
            for (Planned p : plan(spec, pastOneTime, now)) {
                if (p.fire) {
                    fire(reg, spec, p.slot.time(), now);
                } else {
                    publish(new SkippedExecution(spec.id(), p.slot.time(), p.reason,
                            "runAt " + p.slot.time() + " had already passed when the job was registered; " + p.detail));
                }
            }
        }
    }

    /** Unregisters a job. Runs in progress finish (or time out) normally; no new slot fires. */
    public void remove(JobId id) {
        lock.lock();
        try {
            Registration reg = jobs.remove(id);
            if (reg != null) {
                reg.generation++;
                reg.removed = true;
            }
        } finally {
            lock.unlock();
        }
    }

    public Optional<JobStatus> status(JobId id) {
        lock.lock();
        try {
            Registration reg = jobs.get(id);
            if (reg == null) {
                return Optional.empty();
            }
            return Optional.of(new JobStatus(reg.spec, Optional.ofNullable(reg.next), reg.runs == null ? 0 : reg.runs.size()));
        } finally {
            lock.unlock();
        }
    }

    /** The next {@code count} slots of a registered job, starting with the pending one. */
    public List<Occurrence> upcoming(JobId id, int count) {
        JobSpec spec;
        Occurrence next;
        lock.lock();
        try {
            Registration reg = jobs.get(id);
            if (reg == null || reg.next == null || count <= 0) {
                return List.of();
            }
            spec = reg.spec;
            next = reg.next;
        } finally {
            lock.unlock();
        }
        List<Occurrence> out = new ArrayList<>(count);
        out.add(next);
        out.addAll(spec.schedule().next(next.time(), count - 1));
        return out;
    }

    public int jobCount() {
        lock.lock();
        try {
            return jobs.size();
        } finally {
            lock.unlock();
        }
    }

    /** Attempts in progress on this replica. */
    public int runningCount() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- time

    /**
     * Fires every slot due at the clock's current time, cancels attempts past their timeout, starts due retries,
     * and returns when it next needs to be called. Safe to call at any time; calling it early does nothing.
     */
    public Instant tick() {
        Instant now = clock.now();
        heartbeat = now;
        List<Batch> due = new ArrayList<>();
        List<Run> retries = new ArrayList<>();
        List<Run> expired = new ArrayList<>();
        lock.lock();
        try {
            while (!timers.isEmpty() && !timers.peek().time.isAfter(now)) {
                Timer t = timers.poll();
                if (t.retry != null) {
                    retries.add(t.retry);
                } else if (t.generation == t.reg.generation) {
                    try {
                        due.add(collectDue(t.reg, t.slot, now));
                    } catch (RuntimeException e) {
                        // A schedule that throws must not take the other jobs down with it.
                        loopFailures.incrementAndGet();
                        LOG.errorf(e, "%s slot %s: computing the next slots failed; the job is retried in %s",
                                t.reg.spec.id(), t.slot.time(), MAX_WAIT);
                        timers.add(new Timer(now.plus(MAX_WAIT), sequence.incrementAndGet(), t.reg, t.reg.generation, t.slot, null));
                    }
                }
            }
            while (!deadlines.isEmpty() && !deadlines.peek().deadline.isAfter(now)) {
                Run r = deadlines.poll();
                if (!r.finished.get()) {
                    expired.add(r);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Run r : expired) {
            timeOut(r, now);
        }
        for (Batch b : due) {
            for (Planned p : plan(b.spec, b.slots, now)) {
                try {
                    if (p.fire) {
                        fire(b.reg, b.spec, p.slot.time(), now);
                    } else {
                        publish(new SkippedExecution(b.spec.id(), p.slot.time(), p.reason, p.detail));
                    }
                } catch (RuntimeException e) {
                    loopFailures.incrementAndGet();
                    LOG.errorf(e, "%s slot %s: fire failed inside the engine", b.spec.id(), p.slot.time());
                }
            }
        }
        for (Run r : retries) {
            retry(r, now);
        }
        return nextWake(now);
    }

    private Instant nextWake(Instant now) {
        lock.lock();
        try {
            Instant next = now.plus(MAX_WAIT);
            if (!timers.isEmpty() && timers.peek().time.isBefore(next)) {
                next = timers.peek().time;
            }
            if (!deadlines.isEmpty() && deadlines.peek().deadline.isBefore(next)) {
                next = deadlines.peek().deadline;
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** The popped slot plus any later slots that are also already due (the engine fell behind). Under lock. */
    private Batch collectDue(Registration reg, Occurrence first, Instant now) {
        JobSpec spec = reg.spec;
        List<Occurrence> slots = new ArrayList<>(1);
        slots.add(first);
        Optional<Occurrence> next = spec.schedule().next(first.time());
        long beyondCap = 0;
        while (next.isPresent() && !next.get().time().isAfter(now)) {
            if (slots.size() < settings.backlogCap()) {
                slots.add(next.get());
                next = spec.schedule().next(next.get().time());
            } else {
                // Far behind (a long pause of an every-second job): count the rest without enumerating them.
                beyondCap++;
                next = spec.schedule().next(now);
            }
        }
        if (beyondCap > 0) {
            LOG.warnf("%s: more than %d slots came due at once; slots between %s and %s are skipped as missed",
                    spec.id(), settings.backlogCap(), slots.get(slots.size() - 1).time(), now);
        }
        reg.lastSlot = slots.get(slots.size() - 1).time();
        schedule(reg, next);
        return new Batch(reg, spec, slots);
    }

    /**
     * Applies the job's catch-up policy to slots that are due now, oldest first. The most recent slot is the
     * current one; older ones were missed. A slot later than {@code startingDeadlineSeconds} never fires.
     */
    List<Planned> plan(JobSpec spec, List<Occurrence> slots, Instant now) {
        List<Planned> out = new ArrayList<>(slots.size());
        Optional<Duration> deadline = spec.startingDeadline();
        for (int i = 0; i < slots.size(); i++) {
            Occurrence slot = slots.get(i);
            Duration late = Duration.between(slot.time(), now);
            boolean current = i == slots.size() - 1;
            if (deadline.isPresent() && late.compareTo(deadline.get()) > 0) {
                out.add(Planned.skip(slot, SkipReason.DEADLINE_EXCEEDED, "started " + late.toMillis()
                        + " ms late, past startingDeadlineSeconds " + deadline.get().toSeconds()));
                continue;
            }
            boolean fire = switch (spec.catchUp()) {
                case All -> true;
                case Latest -> current;
                case None -> current && late.compareTo(settings.missedThreshold()) <= 0;
            };
            out.add(fire ? Planned.fire(slot) : Planned.skip(slot, SkipReason.MISSED, "missed by " + late.toMillis()
                    + " ms; catchUp " + spec.catchUp() + " does not fire it"));
        }
        return out;
    }

    private void schedule(Registration reg, Optional<Occurrence> next) {
        reg.next = next.orElse(null);
        if (next.isPresent()) {
            timers.add(new Timer(next.get().time(), sequence.incrementAndGet(), reg, reg.generation, next.get(), null));
        }
    }

    // ---------------------------------------------------------------- the fire path

    /** Gate, concurrency, run, publish: everything a slot goes through, in that order. */
    private void fire(Registration reg, JobSpec spec, Instant slot, Instant now) {
        if (spec.suspend()) {
            publish(new SkippedExecution(spec.id(), slot, SkipReason.SUSPENDED, "job is suspended"));
            return;
        }
        OptionalLong term = gate.authorise(slot);
        if (term.isEmpty()) {
            publish(new SkippedExecution(spec.id(), slot, SkipReason.NOT_LEADER, "this replica does not hold the lease"));
            return;
        }
        List<Run> replaced = List.of();
        Run run = new Run(reg, spec, slot, 1, term.getAsLong(), now);
        lock.lock();
        try {
            if (stopping) {
                publish(new SkippedExecution(spec.id(), slot, SkipReason.SHUTTING_DOWN, "replica is shutting down"));
                return;
            }
            if (reg.runs != null && !reg.runs.isEmpty()) {
                if (spec.concurrencyPolicy() == ConcurrencyPolicy.Forbid) {
                    publish(new SkippedExecution(spec.id(), slot, SkipReason.CONCURRENCY,
                            "previous run still in progress (concurrencyPolicy Forbid)"));
                    return;
                }
                if (spec.concurrencyPolicy() == ConcurrencyPolicy.Replace) {
                    replaced = new ArrayList<>(reg.runs);
                }
            }
            admit(run);
        } finally {
            lock.unlock();
        }
        for (Run old : replaced) {
            finish(old, null, "cancelled: replaced by slot " + slot + " (concurrencyPolicy Replace)", false, now);
        }
        dispatch(run);
    }

    private void retry(Run previous, Instant now) {
        OptionalLong term = gate.authorise(previous.slot);
        if (term.isEmpty() || term.getAsLong() != previous.term) {
            publish(new SkippedExecution(previous.spec.id(), previous.slot, SkipReason.NOT_LEADER,
                    "retry " + (previous.attempt + 1) + " abandoned: lease term " + previous.term + " is no longer held"));
            return;
        }
        Run run = new Run(previous.reg, previous.spec, previous.slot, previous.attempt + 1, previous.term, now);
        lock.lock();
        try {
            if (stopping) {
                publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.SHUTTING_DOWN,
                        "retry " + run.attempt + " not started: replica is shutting down"));
                return;
            }
            admit(run);
        } finally {
            lock.unlock();
        }
        dispatch(run);
    }

    /** Under lock: the run counts as running from now on (Forbid sees it) and gets its deadline. */
    private void admit(Run run) {
        if (run.reg.runs == null) {
            run.reg.runs = new HashSet<>(2);
        }
        run.reg.runs.add(run);
        running++;
        run.deadline = run.admitted.plus(run.spec.timeout());
        deadlines.add(run);
        wakeRequested = true;
        wake.signalAll();
    }

    private void dispatch(Run run) {
        try {
            dispatch.execute(() -> start(run));
        } catch (RuntimeException e) {
            finish(run, null, "could not be dispatched: " + e, true, clock.now());
        }
    }

    private void start(Run run) {
        Instant started = clock.now();
        run.started = started;
        publish(new FiredExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, started,
                Duration.between(run.due, started)));
        CompletableFuture<RunResult> future;
        run.thread = Thread.currentThread();
        try {
            future = runner.start(new Fire(run.spec, run.slot, run.attempt, run.term, replica));
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
        if (run.finished.get()) {
            future.cancel(true);
            return;
        }
        future.whenComplete((result, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                finish(run, null, "action threw " + cause, true, clock.now());
            } else {
                finish(run, result, null, true, clock.now());
            }
        });
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
        boolean failed = !(result instanceof RunResult.Succeeded);
        boolean willRetry = release(run, failed && mayRetry, now);
        Duration duration = Duration.between(run.startedOr(now), now);
        if (result instanceof RunResult.Succeeded s) {
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
        lock.lock();
        try {
            if (run.reg.runs != null) {
                run.reg.runs.remove(run);
            }
            running--;
            if (running == 0) {
                drained.signalAll();
            }
            boolean retry = retryable && !stopping && !run.reg.removed && run.attempt < run.spec.retry().attempts();
            if (retry) {
                Duration nominal = run.spec.retry().delayBefore(run.attempt + 1);
                long ms = (long) (nominal.toMillis() * (1.0 - 0.2 * jitter.getAsDouble()));
                timers.add(new Timer(now.plusMillis(ms), sequence.incrementAndGet(), run.reg, -1, null, run));
                wakeRequested = true;
                wake.signalAll();
            }
            return retry;
        } finally {
            lock.unlock();
        }
    }

    private void publish(ExecutionEvent event) {
        for (ExecutionListener l : listeners) {
            try {
                l.on(event);
            } catch (Throwable t) {
                listenerFailures.incrementAndGet();
                LOG.errorf(t, "%s slot %s: listener %s failed on %s", event.job(), event.slot(),
                        l.getClass().getSimpleName(), event.getClass().getSimpleName());
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /** Starts the timer thread that calls {@link #tick()} whenever the earliest timer is due. */
    public void start() {
        lock.lock();
        try {
            if (timerThread != null) {
                return;
            }
            timerThread = new Thread(this::runUntilShutdown, "leasecron-timer");
            timerThread.setDaemon(true);
            timerThread.start();
        } finally {
            lock.unlock();
        }
    }

    private void runUntilShutdown() {
        while (true) {
            try {
                Instant next = tick();
                lock.lock();
                try {
                    if (stopping) {
                        return;
                    }
                    long waitNanos = Duration.between(clock.now(), next).toNanos();
                    while (waitNanos > 0 && !wakeRequested && !stopping) {
                        waitNanos = wake.awaitNanos(waitNanos);
                    }
                    wakeRequested = false;
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                // The loop never dies: count, log, and go on with the next tick.
                loopFailures.incrementAndGet();
                LOG.error("timer loop failed; continuing", t);
            }
        }
    }

    /**
     * Stops taking new slots, waits up to {@code grace} for attempts in progress, then cancels the rest.
     * Returns the number of attempts that had to be cancelled.
     */
    public int shutdown(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        List<Run> leftover = new ArrayList<>();
        lock.lock();
        try {
            stopping = true;
            wake.signalAll();
            while (running > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                drained.awaitNanos(left);
            }
            for (Registration reg : jobs.values()) {
                if (reg.runs != null) {
                    leftover.addAll(reg.runs);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        Instant now = clock.now();
        for (Run r : leftover) {
            finish(r, null, "cancelled: shutdown grace period of " + grace.toMillis() + " ms elapsed", false, now);
        }
        Thread t = timerThread;
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return leftover.size();
    }

    /** Time of the timer loop's last iteration, for the liveness check. */
    public Instant heartbeat() {
        return heartbeat;
    }

    public boolean timerRunning() {
        Thread t = timerThread;
        return t != null && t.isAlive();
    }

    public long listenerFailures() {
        return listenerFailures.get();
    }

    public long loopFailures() {
        return loopFailures.get();
    }

    private Registration registration(JobId id) {
        lock.lock();
        try {
            return jobs.get(id);
        } finally {
            lock.unlock();
        }
    }

    /** Two specs that produce the same slots: an edit between them keeps the pending slot. */
    private static boolean sameSlots(JobSpec a, JobSpec b) {
        return a.scheduleText().equals(b.scheduleText()) && a.cronType() == b.cronType()
                && a.timeZone().equals(b.timeZone()) && a.dstPolicy() == b.dstPolicy() && a.runAt().equals(b.runAt())
                && a.schedule().equals(b.schedule());
    }

    // ---------------------------------------------------------------- state

    /** What the engine knows about one job, for the API. */
    public record JobStatus(JobSpec spec, Optional<Occurrence> next, int running) {
    }

    private static final class Registration {
        JobSpec spec;
        long generation;
        Occurrence next;
        Instant lastSlot;
        boolean removed;
        /** Attempts in progress; allocated on first use to keep idle jobs small. */
        Set<Run> runs;
    }

    private record Timer(Instant time, long seq, Registration reg, long generation, Occurrence slot, Run retry)
            implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = time.compareTo(o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private record Batch(Registration reg, JobSpec spec, List<Occurrence> slots) {
    }

    record Planned(Occurrence slot, boolean fire, SkipReason reason, String detail) {
        static Planned fire(Occurrence slot) {
            return new Planned(slot, true, null, null);
        }

        static Planned skip(Occurrence slot, SkipReason reason, String detail) {
            return new Planned(slot, false, reason, detail);
        }
    }

    /** One attempt of one slot. */
    private static final class Run {
        final Registration reg;
        final JobSpec spec;
        final Instant slot;
        final int attempt;
        final long term;
        /** When this attempt was due: the slot, or the retry time. Lateness and the deadline count from here. */
        final Instant due;
        /** When the engine decided to start it; the timeout counts from here. */
        final Instant admitted;
        final AtomicBoolean finished = new AtomicBoolean();
        Instant deadline;
        volatile Instant started;
        volatile CompletableFuture<RunResult> future;
        volatile Thread thread;

        Run(Registration reg, JobSpec spec, Instant slot, int attempt, long term, Instant now) {
            this.reg = reg;
            this.spec = spec;
            this.slot = slot;
            this.attempt = attempt;
            this.term = term;
            this.admitted = now;
            this.due = attempt == 1 && slot.isBefore(now) ? slot : now;
            this.deadline = now;
        }

        Instant startedOr(Instant fallback) {
            Instant s = started;
            return s != null ? s : fallback;
        }
    }
}
