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
import io.leasecron.execution.RunResult;
import io.leasecron.job.CatchUp;
import io.leasecron.job.ConcurrencyPolicy;
import io.leasecron.job.Delivery;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.ClockChange;
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
    /** Longest the timer thread sleeps, so that a wall-clock step is noticed within this bound. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);
    /** How long before a due slot the timer thread stops sleeping and spins. */
    static final Duration SPIN = Duration.ofMillis(1);

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
    /** Attempts in progress by timeout; a finished attempt leaves at once, so this holds only what is running. */
    private final ConcurrentSkipListSet<Run> deadlines = new ConcurrentSkipListSet<>(
            Comparator.comparing((Run r) -> r.deadline).thenComparingLong(r -> r.seq));
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong listenerFailures = new AtomicLong();
    private final AtomicLong loopFailures = new AtomicLong();
    /**
     * The {@code runAt} of every one-time job this engine has started (or queued to start), by job, kept after the
     * job is removed: a one-time job registered again — the same spec pushed again, its ConfigMap deleted and
     * re-created — is not fired a second time. In memory only: what earlier processes fired is the gate's to know
     * (the Lease's dispatched-through record; in local mode, the replica's start). One small entry per one-time job
     * that fired, for the life of the process.
     */
    private final Map<JobId, Instant> oneTimeFired = new ConcurrentHashMap<>();
    /** Slots waiting for a claim, in the order they came due. */
    private List<Candidate> pending = new ArrayList<>();
    /** The latest slot a claim was requested for and not yet resolved; null when none is outstanding. */
    private Instant claimRequested;
    private Recovery recovery;
    /** Attempts admitted whose action has not been started yet; progress is reported when none are left. */
    private final AtomicInteger starting = new AtomicInteger();
    /** The concurrency limit: permits in use and the runs waiting for one, in slot order. */
    private final Object limitLock = new Object();
    private int permitsInUse;
    private final PriorityQueue<Run> queued = new PriorityQueue<>(Comparator.comparing((Run r) -> r.slot).thenComparingLong(r -> r.seq));
    /**
     * The earliest slot of term {@link #openFloorTerm} that was counted as handled, then queued and never started:
     * progress of that term stops before it (under limitLock).
     */
    private Instant openFloor;
    private long openFloorTerm = Long.MIN_VALUE;
    /** The highest term the gate has let a slot fire in. */
    private volatile long latestTerm = Long.MIN_VALUE;
    private volatile Instant handledThrough;
    private Instant reportedThrough;
    /**
     * Held by the thread running a pass of {@link #tick()}: a graceful stop waits for the pass in progress, so that
     * every slot the pass was authorised to fire has started and is in the final progress report.
     */
    private final ReentrantLock passing = new ReentrantLock();
    /** Attempts in progress. Admission and release do not take the engine lock: workers never wait for the timer. */
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean stopping;
    private volatile boolean wakeRequested;
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
            reg.cursor = now;
            synchronized (reg) {
                reg.recoverableThrough = now;
            }
            if (spec.oneTime() && !spec.runAt().get().isAfter(now)) {
                // A one-time job whose time has already passed when it appears: catchUp decides, and says so.
                Instant at = spec.runAt().get();
                reg.next = null;
                reg.cursor = at;
                for (Planned p : plan(spec, List.of(new Occurrence(at, java.time.LocalDateTime.ofInstant(at, spec.timeZone()),
                        ClockChange.NONE)), now)) {
                    pending.add(p.fire ? new Candidate(reg, spec, reg.generation, at, false)
                            : new Candidate(reg, spec, reg.generation, at, p.reason, "runAt " + at
                                    + " had already passed when the job was registered; " + p.detail));
                }
            } else {
                schedule(reg, spec.schedule().next(now));
            }
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
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
            int n;
            synchronized (reg) {
                n = reg.runs == null ? 0 : reg.runs.size();
            }
            return Optional.of(new JobStatus(reg.spec, Optional.ofNullable(reg.next), n));
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
    /** Fires waiting for the replica's concurrency limit. */
    public int queuedCount() {
        synchronized (limitLock) {
            return queued.size();
        }
    }

    public int runningCount() {
        return running.get();
    }

    /** Attempts admitted whose work has not yet left this process (see {@code Fire.HandOff}): not yet progress. */
    public int startingCount() {
        return starting.get();
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
        List<Run> retries = new ArrayList<>();
        List<Run> expired = new ArrayList<>();
        lock.lock();
        try {
            if (recovery != null) {
                older.addAll(recover(recovery, now));
                recovery = null;
            }
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
        for (Run r : expired) {
            timeOut(r, now);
        }
        Pass pass = new Pass(now);
        older.sort(Comparator.comparing((Candidate c) -> c.slot));
        older.forEach(pass::offer);
        // Due timers one job at a time, each slot put through the fire path as soon as the job's next slot is
        // known: the first fire of a large batch does not wait until the whole batch has been planned.
        List<Candidate> due = new ArrayList<>(1);
        while (true) {
            lock.lock();
            try {
                Timer t = timers.peek();
                if (t == null || t.time.isAfter(now)) {
                    break;
                }
                timers.poll();
                if (t.retry != null) {
                    retries.add(t.retry);
                } else if (t.generation == t.reg.generation) {
                    try {
                        collectDue(t.reg, t.slot, now, due);
                    } catch (RuntimeException e) {
                        // A schedule that throws must not take the other jobs down with it.
                        loopFailures.incrementAndGet();
                        LOG.errorf(e, "%s slot %s: computing the next slots failed; the job is retried in %s",
                                t.reg.spec.id(), t.slot.time(), MAX_WAIT);
                        timers.add(new Timer(now.plus(MAX_WAIT), sequence.incrementAndGet(), t.reg, t.reg.generation, t.slot, null));
                    }
                }
            } finally {
                lock.unlock();
            }
            due.forEach(pass::offer);
            due.clear();
        }
        pass.finish();
        for (Run r : retries) {
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
                if (c.reg.removed || c.generation != c.reg.generation) {
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
                handledThrough = handled;
                reportProgress();
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
            wakeRequested = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Tells the gate how far every claimed slot has been started, once no admitted attempt is still starting. */
    private void reportProgress() {
        Instant through = handledThrough;
        if (through == null || starting.get() > 0) {
            return;
        }
        Instant floor;
        synchronized (limitLock) {
            floor = openFloorTerm >= latestTerm ? openFloor : null;
        }
        if (floor != null && !through.isBefore(floor)) {
            through = floor.minusNanos(1); // a slot that was queued and then not started is still open
        }
        synchronized (starting) {
            if (reportedThrough != null && !through.isAfter(reportedThrough)) {
                return;
            }
            reportedThrough = through;
        }
        gate.dispatched(through);
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
        lock.lock();
        try {
            Instant next = now.plus(MAX_WAIT);
            if (!timers.isEmpty() && timers.peek().time.isBefore(next)) {
                next = timers.peek().time;
            }
            Run first = firstDeadline();
            if (first != null && first.deadline.isBefore(next)) {
                next = first.deadline;
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The popped slot plus any later slots that are also already due (the engine fell behind), planned by the
     * job's catch-up policy into {@code work}. Under lock.
     */
    private void collectDue(Registration reg, Occurrence first, Instant now, List<Candidate> work) {
        JobSpec spec = reg.spec;
        List<Occurrence> slots = new ArrayList<>(1);
        slots.add(first);
        Optional<Occurrence> next = spec.schedule().next(first.time());
        boolean beyondCap = false;
        while (next.isPresent() && !next.get().time().isAfter(now)) {
            if (slots.size() < settings.backlogCap()) {
                slots.add(next.get());
                next = spec.schedule().next(next.get().time());
            } else {
                // Far behind (a long pause of an every-second job): skip the rest without enumerating them.
                beyondCap = true;
                next = spec.schedule().next(now);
            }
        }
        if (beyondCap) {
            LOG.warnf("%s: more than %d slots came due at once; slots between %s and %s are skipped as missed",
                    spec.id(), settings.backlogCap(), slots.get(slots.size() - 1).time(), now);
        }
        reg.cursor = beyondCap ? now : slots.get(slots.size() - 1).time();
        schedule(reg, next);
        addPlanned(reg, spec, plan(spec, slots, now), work);
    }

    private static void addPlanned(Registration reg, JobSpec spec, List<Planned> planned, List<Candidate> work) {
        for (Planned p : planned) {
            work.add(p.fire ? new Candidate(reg, spec, reg.generation, p.slot.time(), false)
                    : new Candidate(reg, spec, reg.generation, p.slot.time(), p.reason, p.detail));
        }
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
            recovery = new Recovery(predecessor.dispatchedThrough(), predecessor.claimedUntil());
            wakeRequested = true;
            wake.signalAll();
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

    private record Recovery(Instant dispatchedThrough, Instant claimedUntil) {
    }

    /** Under lock. */
    private List<Candidate> recover(Recovery r, Instant now) {
        List<Candidate> out = new ArrayList<>();
        if (r.claimedUntil == null) {
            return out;
        }
        Instant dispatched = r.dispatchedThrough == null ? r.claimedUntil : r.dispatchedThrough;
        for (Registration reg : jobs.values()) {
            JobSpec spec = reg.spec;
            Instant through;
            synchronized (reg) {
                through = reg.recoverableThrough;
            }
            if (through == null) {
                continue;
            }
            try {
                // Uncertain: claimed by the predecessor, maybe not started. The gate answers Uncertain for these.
                Instant t = dispatched;
                int n = 0;
                Optional<Occurrence> o;
                while (n++ < settings.backlogCap() && (o = spec.schedule().next(t)).isPresent()
                        && !o.get().time().isAfter(r.claimedUntil) && !o.get().time().isAfter(through)) {
                    out.add(new Candidate(reg, spec, reg.generation, o.get().time(), false));
                    t = o.get().time();
                }
                // Unhandled: after the predecessor's claim, up to where this engine has passed.
                Instant after = r.claimedUntil.isAfter(dispatched) ? r.claimedUntil : dispatched;
                List<Occurrence> missed = catchUpSlots(spec, after, through, now);
                if (!missed.isEmpty()) {
                    addPlanned(reg, spec, plan(spec, missed, now), out);
                }
            } catch (RuntimeException e) {
                loopFailures.incrementAndGet();
                LOG.errorf(e, "%s: recovering slots after %s failed; they are not fired", spec.id(), r.claimedUntil);
            }
        }
        return out;
    }

    /**
     * The slots in {@code (after, through]} that the catch-up policy could fire, oldest first, without enumerating
     * the ones it never would (a long outage of an every-second job). A summary skip reports the rest.
     */
    private List<Occurrence> catchUpSlots(JobSpec spec, Instant after, Instant through, Instant now) {
        Instant from = after;
        switch (spec.catchUp()) {
            case None -> from = later(after, now.minus(settings.missedThreshold()).minusMillis(1));
            case All -> {
                if (spec.startingDeadline().isPresent()) {
                    from = later(after, now.minus(spec.startingDeadline().get()).minusMillis(1));
                }
            }
            case Latest -> {
                // The most recent slot only: look back a minute, then ever further.
                for (Duration back = Duration.ofMinutes(1); ; back = back.multipliedBy(16)) {
                    Instant f = later(after, through.minus(back));
                    List<Occurrence> slots = slotsBetween(spec, f, through, settings.backlogCap());
                    if (!slots.isEmpty() || f.equals(after)) {
                        from = slots.isEmpty() ? after : slots.get(slots.size() - 1).time().minusMillis(1);
                        break;
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
        if (from.isAfter(after)) {
            Optional<Occurrence> first = spec.schedule().next(after);
            if (first.isPresent() && !first.get().time().isAfter(from)) {
                publish(new SkippedExecution(spec.id(), first.get().time(), SkipReason.MISSED, "slots from " + first.get().time()
                        + " to " + from + " were missed while no replica was leader; catchUp " + spec.catchUp()
                        + " does not fire them"));
            }
        }
        return slotsBetween(spec, from, through, settings.backlogCap());
    }

    private static List<Occurrence> slotsBetween(JobSpec spec, Instant after, Instant through, int cap) {
        List<Occurrence> out = new ArrayList<>();
        Instant t = after;
        Optional<Occurrence> o;
        while (out.size() < cap && (o = spec.schedule().next(t)).isPresent() && !o.get().time().isAfter(through)) {
            out.add(o.get());
            t = o.get().time();
        }
        return out;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
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
        if (spec.oneTime() && slot.equals(oneTimeFired.get(spec.id()))) {
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
            latestTerm = Math.max(latestTerm, term);
        } else if (decision instanceof Decision.Pending) {
            c.waited = true;
            return Outcome.WAITS;
        } else if (decision instanceof Decision.Refused r) {
            publish(new SkippedExecution(spec.id(), slot, r.reason(), r.detail()));
            // Only a slot an earlier term started is settled; any other refusal leaves it open, for a recovery.
            if (r.reason() == SkipReason.PREVIOUS_LEADER) {
                return Outcome.HANDLED;
            }
            synchronized (c.reg) {
                if (c.generation == c.reg.generation && (c.reg.recoverableThrough == null || slot.isAfter(c.reg.recoverableThrough))) {
                    c.reg.recoverableThrough = slot;
                }
            }
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
        if (spec.oneTime() && !claimOneTime(spec, slot)) {
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

    /** Records that the one-time job's {@code runAt} fires now; false if it already did. Atomic per job. */
    private boolean claimOneTime(JobSpec spec, Instant slot) {
        boolean[] first = {false};
        oneTimeFired.compute(spec.id(), (id, fired) -> {
            first[0] = !slot.equals(fired);
            return slot;
        });
        return first[0];
    }

    /** A one-time run that will not start after all: its {@code runAt} may fire later (a successor, a new registration). */
    private void unclaimOneTime(Run run) {
        if (run.spec.oneTime()) {
            oneTimeFired.remove(run.spec.id(), run.slot);
        }
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
        starting.incrementAndGet();
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
        if (settings.maxConcurrentRuns() > 0) {
            synchronized (limitLock) {
                if (permitsInUse < settings.maxConcurrentRuns()) {
                    permitsInUse++;
                    run.permit = true;
                } else if (settings.limitMode() == EngineSettings.LimitMode.Wait) {
                    run.queuedAt = now;
                    queued.add(run);
                    return;
                }
            }
            if (!run.permit) {
                unhold(run);
                unclaimOneTime(run);
                publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.LIMIT, settings.maxConcurrentRuns()
                        + " runs already in progress on this replica (limit mode Skip)"));
                return;
            }
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
            Run next;
            synchronized (limitLock) {
                next = queued.poll();
                if (next == null) {
                    permitsInUse--;
                    return;
                }
                next.permit = true;
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
            synchronized (limitLock) {
                if (openFloor == null || run.term > openFloorTerm) {
                    openFloor = run.slot;
                    openFloorTerm = run.term;
                } else if (run.term == openFloorTerm && run.slot.isBefore(openFloor)) {
                    openFloor = run.slot;
                }
            }
        }
        publish(new SkippedExecution(run.spec.id(), run.slot, reason, detail));
        unclaimOneTime(run);
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
        if (starting.decrementAndGet() == 0) {
            reportProgress();
        }
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
                Duration.between(run.due, started), run.queuedAt == null ? Duration.ZERO : Duration.between(run.queuedAt, started), false));
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
            synchronized (limitLock) {
                queued.remove(run);
            }
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
                    timers.add(new Timer(now.plusMillis(ms), sequence.incrementAndGet(), run.reg, -1, null, run));
                    wakeRequested = true;
                    wake.signalAll();
                }
                drained.signalAll();
            } finally {
                lock.unlock();
            }
        }
        return retry;
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
                    // Sleep until just before the slot, then spin the last stretch: a sleeping thread is woken
                    // a few hundred microseconds late, a spinning one on time.
                    long waitNanos = Duration.between(clock.now(), next).toNanos() - SPIN.toNanos();
                    while (waitNanos > 0 && !wakeRequested && !stopping) {
                        waitNanos = wake.awaitNanos(waitNanos);
                    }
                } finally {
                    lock.unlock();
                }
                while (!wakeRequested && !stopping && clock.now().isBefore(next)) {
                    Thread.onSpinWait();
                }
                wakeRequested = false;
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
            wake.signalAll();
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
        List<Run> waiting;
        synchronized (limitLock) {
            waiting = new ArrayList<>(queued);
            queued.clear();
        }
        for (Run r : waiting) {
            abandon(r, SkipReason.SHUTTING_DOWN, "shutting down while queued for the concurrency limit", true);
        }
        while (starting.get() > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        reportProgress();
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
            wake.signalAll();
            while (running.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                drained.awaitNanos(left);
            }
            for (Registration reg : jobs.values()) {
                synchronized (reg) {
                    if (reg.runs != null) {
                        leftover.addAll(reg.runs);
                    }
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

    /** Two specs that produce the same slots: an edit between them keeps the pending slot. */
    private static boolean sameSlots(JobSpec a, JobSpec b) {
        if (a.oneTime() || b.oneTime()) {
            return a.runAt().equals(b.runAt()); // one instant: its time zone or spelling changes nothing
        }
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
        /** How far this engine has passed: the last slot it took from the timer, or when the job was (re)scheduled. */
        Instant cursor;
        /**
         * How far a recovery may plan this job's slots again: when it was (re)scheduled, or the latest slot the gate
         * refused for want of a lease. Never a slot offered under the term now leading, even one offered before that
         * term's recovery was applied (the takeover and its recovery are two steps, on two threads), so that no slot
         * reaches the fire path twice in one term. Guarded by the registration's monitor.
         */
        Instant recoverableThrough;
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

    /** A due slot on its way through the fire path; it may wait for a claim. */
    private static final class Candidate {
        final Registration reg;
        final JobSpec spec;
        final long generation;
        final Instant slot;
        /** Set when planning already decided not to fire it (catch-up, deadline). */
        final SkipReason skipReason;
        final String skipDetail;
        /** It has waited for a claim at least once: its starting deadline is checked again. */
        boolean waited;

        Candidate(Registration reg, JobSpec spec, long generation, Instant slot, boolean waited) {
            this(reg, spec, generation, slot, null, null);
            this.waited = waited;
        }

        Candidate(Registration reg, JobSpec spec, long generation, Instant slot, SkipReason reason, String detail) {
            this.reg = reg;
            this.spec = spec;
            this.generation = generation;
            this.slot = slot;
            this.skipReason = reason;
            this.skipDetail = detail;
        }
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
        long seq;
        /** Holds one of the replica's concurrency permits (only with a limit). */
        boolean permit;
        /** When it was queued for the concurrency limit; null if it never waited. */
        Instant queuedAt;
        /** Started (or about to be): in progress, with a deadline. */
        volatile boolean active;
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
