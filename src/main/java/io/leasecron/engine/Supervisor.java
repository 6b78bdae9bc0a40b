package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.TimedOutExecution;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.execution.ActionRunner;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.ConcurrencyPolicy;
import io.leasecron.job.JobSpec;
import io.leasecron.text.Redaction;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * Runs the attempts the gate let fire: the job's concurrency policy ({@code Forbid} skips, {@code Replace} cancels),
 * the replica's limit, the hand-off to the dispatch executor and the {@link ActionRunner}, the timeout, the retries,
 * and the one outcome of every attempt.
 *
 * <p>Guarantees: an attempt ends exactly once (its result, its timeout, or a cancellation); a throwing or hanging
 * action is an outcome, never an engine failure; an attempt is started only through the dispatch executor, and it
 * counts as started for progress once its work has left the process. Time comes from the injected {@link Clock}:
 * timeouts and retries are due when {@link #expire} and {@link #dueRetries} are called at or after their time.
 */
final class Supervisor {
    private final Clock clock;
    private final LeaderGate gate;
    private final ActionRunner runner;
    private final Executor dispatch;
    private final String replica;
    private final EngineSettings settings;
    private final DoubleSupplier jitter;
    private final JobTable jobs;
    private final Limiter limiter;
    private final Progress progress;
    private final Listeners listeners;
    private final Runnable wake;
    private Consumer<Run> reoffer = r -> { };

    private final RunTimers timers = new RunTimers();
    /** Attempts in progress. Admission and release take no lock shared with the timer: workers never wait for it. */
    private final RunningCount running = new RunningCount();
    private volatile boolean stopping;

    Supervisor(Clock clock, LeaderGate gate, ActionRunner runner, Executor dispatch, String replica, EngineSettings settings,
            DoubleSupplier jitter, JobTable jobs, Limiter limiter, Progress progress, Listeners listeners, Runnable wake) {
        this.clock = clock;
        this.gate = gate;
        this.runner = runner;
        this.dispatch = dispatch;
        this.replica = replica;
        this.settings = settings;
        this.jitter = jitter;
        this.jobs = jobs;
        this.limiter = limiter;
        this.progress = progress;
        this.listeners = listeners;
        this.wake = wake;
    }

    /**
     * Where a first attempt goes that was let fire, queued for the limit and then not started because its term
     * ended: back to the fire path, so that the term now leading (often this replica's own next term, whose
     * recovery may already have been applied) decides it again, as fired or uncertain.
     */
    void onTermLost(Consumer<Run> reoffer) {
        this.reoffer = reoffer;
    }

    /** From now on nothing new starts: no admitted slot, no queued run, no retry. */
    void stop() {
        stopping = true;
        running.signal();
    }

    boolean stopping() {
        return stopping;
    }

    int runningCount() {
        return running.get();
    }

    /**
     * The first attempt of a slot the gate let fire in {@code term}: the job's concurrency policy, then the limit,
     * then the dispatch executor.
     */
    void admit(Candidate c, long term, Instant now) {
        JobSpec spec = c.spec;
        Registration reg = c.reg;
        List<Run> replaced = List.of();
        Run run = new Run(reg, spec, c.slot, 1, term, now);
        run.catchUp = SlotPlanner.isCatchUp(spec, c.slot, now);
        run.generation = c.generation;
        run.manual = c.manual;
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
        c.released = true; // the slot's progress entry is the run's from here
        if (replaced == null) {
            progress.settled(c.slot);
            listeners.publish(new SkippedExecution(spec.id(), c.slot, SkipReason.CONCURRENCY,
                    "previous run still in progress (concurrencyPolicy Forbid)"));
            return;
        }
        if (spec.oneTime() && !c.manual && !jobs.claimOneTime(spec, c.slot)) {
            unhold(run, false); // registered again while this very slot was being fired
            listeners.publish(JobTable.alreadyFired(spec));
            return;
        }
        for (Run old : replaced) {
            finish(old, null, "cancelled: replaced by slot " + c.slot + " (concurrencyPolicy Replace)", false, now);
        }
        launch(run, now);
    }

    /** Cancels every attempt past its timeout at {@code now}. */
    void expire(Instant now) {
        for (Run r : timers.expired(now)) {
            timeOut(r, now);
        }
    }

    /** Starts every retry due at {@code now}, if its term still holds. */
    void dueRetries(Instant now) {
        for (Run previous : timers.dueRetries(now)) {
            retry(previous, now);
        }
    }

    /** When the earliest retry or timeout is due, or null if none is. */
    Instant nextTime() {
        return timers.nextTime();
    }

    /** Runs still queued for the concurrency limit will not start: each is reported and stays open for a successor. */
    void abandonQueued() {
        for (Run r : limiter.drain()) {
            abandon(r, SkipReason.SHUTTING_DOWN, "shutting down while queued for the concurrency limit", true);
        }
    }

    /** Waits until no attempt runs, or until {@code deadlineNanos} ({@link System#nanoTime()}): a real-time wait. */
    void awaitDrained(long deadlineNanos) {
        running.awaitNone(deadlineNanos);
    }

    /** Ends {@code run} as cancelled, with {@code why}; no retry. */
    void cancel(Run run, String why) {
        finish(run, null, why, false, clock.now());
    }

    private void retry(Run previous, Instant now) {
        Decision decision = gate.authorise(previous.slot);
        boolean sameTerm = Decision.firesIn(decision).equals(OptionalLong.of(previous.term));
        if (!sameTerm) {
            listeners.publish(new SkippedExecution(previous.spec.id(), previous.slot, SkipReason.NOT_LEADER,
                    "retry " + (previous.attempt + 1) + " abandoned: lease term " + previous.term + " is no longer held"));
            return;
        }
        Run run = new Run(previous.reg, previous.spec, previous.slot, previous.attempt + 1, previous.term, now);
        run.catchUp = previous.catchUp;
        run.generation = previous.generation;
        run.manual = previous.manual;
        if (stopping) {
            listeners.publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.SHUTTING_DOWN,
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
     * starting; a first attempt holds its slot's progress entry until it leaves.
     */
    private void hold(Run run) {
        if (run.reg.runs == null) {
            run.reg.runs = new HashSet<>(2);
        }
        run.reg.runs.add(run);
        progress.admitted();
        run.tracked = run.attempt == 1;
        run.seq = timers.nextSeq();
    }

    /** Undoes {@link #hold} for a run that will not start; its slot is left {@code open}, or settled. */
    private void unhold(Run run, boolean open) {
        synchronized (run.reg) {
            if (run.reg.runs != null) {
                run.reg.runs.remove(run);
            }
        }
        leave(run, open);
    }

    /**
     * The run no longer counts as starting: its work has left the process, or it will not start. Once per run. Its
     * slot, if it holds the slot's progress entry, is settled, or left {@code open} in the run's term.
     */
    private void leave(Run run, boolean open) {
        if (!run.left.compareAndSet(false, true)) {
            return;
        }
        progress.started();
        if (run.tracked) {
            if (open) {
                progress.open(run.term, run.slot);
            } else {
                progress.settled(run.slot);
            }
        }
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
            unhold(run, false);
            jobs.unclaimOneTime(run.spec, run.slot);
            listeners.publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.LIMIT, settings.maxConcurrentRuns()
                    + " runs already in progress on this replica (limit mode Skip)"));
            return;
        }
        activate(run, now);
        dispatch(run);
    }

    /** The run is in progress from now on and gets its deadline. */
    private void activate(Run run, Instant now) {
        run.active = true;
        running.started();
        run.deadline = now.plus(run.spec.timeout());
        timers.addDeadline(run);
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
            boolean termLost = !shutting && !late && !next.reg.removed;
            abandon(next, shutting ? SkipReason.SHUTTING_DOWN : late ? SkipReason.DEADLINE_EXCEEDED : SkipReason.NOT_LEADER,
                    refusal, shutting || termLost);
            if (termLost && next.attempt == 1) {
                reoffer.accept(next);
            }
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
        boolean sameTerm = Decision.firesIn(d).equals(OptionalLong.of(run.term));
        return sameTerm ? null : "not leader: lease term " + run.term + " is no longer held";
    }

    /**
     * A queued run that will not start: reported, and if {@code open}, kept open for a successor: progress reports of
     * its term stay below it (a later term's are not held back by it).
     */
    private void abandon(Run run, SkipReason reason, String detail, boolean open) {
        listeners.publish(new SkippedExecution(run.spec.id(), run.slot, reason, detail));
        jobs.unclaimOneTime(run.spec, run.slot);
        unhold(run, open);
    }

    private void dispatch(Run run) {
        try {
            dispatch.execute(() -> start(run));
        } catch (RuntimeException e) {
            leave(run, false);
            finish(run, null, "could not be dispatched: " + e, true, clock.now());
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
                leave(run, false);
            } else {
                handOff.whenComplete((v, e) -> leave(run, false)); // at once if it is done already
            }
        }
    }

    /**
     * Starts the action first and publishes afterwards: the start is what lateness measures. An action that
     * completes at once (a no-op, a refused connection) has its outcome handled as a separate task behind the
     * starts already queued, so a large batch starts before its first outcomes are bookkept.
     */
    private CompletableFuture<?> startAction(Run run) {
        if (run.finished.get()) {
            return null; // timed out or replaced while it waited for a dispatch thread: it never starts
        }
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
        listeners.publish(new FiredExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, started,
                Duration.between(run.due, started), run.queuedAt == null ? Duration.ZERO : Duration.between(run.queuedAt, started),
                run.catchUp));
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
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
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
        interrupt(run);
        boolean willRetry = release(run, true, now);
        listeners.publish(new TimedOutExecution(run.spec.id(), run.slot, run.attempt, run.term, replica,
                Duration.between(run.startedOr(now), now), run.spec.timeout(), willRetry));
    }

    /**
     * Ends an attempt exactly once: either its result, or an error text. Every outcome text is redacted here
     * ({@link Redaction#text}), where it becomes an event: the log, run history, API and Kubernetes Events all show it.
     */
    private void finish(Run run, RunResult result, String error, boolean mayRetry, Instant now) {
        if (!run.finished.compareAndSet(false, true)) {
            return;
        }
        if (result == null) {
            interrupt(run);
        }
        boolean failed = !(result instanceof RunResult.Succeeded) && !(result instanceof RunResult.Skipped);
        boolean willRetry = release(run, failed && mayRetry, now);
        Duration duration = Duration.between(run.startedOr(now), now);
        if (result instanceof RunResult.Skipped k) {
            listeners.publish(new SkippedExecution(run.spec.id(), run.slot, SkipReason.CONCURRENCY, Redaction.text(k.detail())));
        } else if (result instanceof RunResult.Succeeded s) {
            listeners.publish(new SucceededExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, duration,
                    Redaction.text(s.detail())));
        } else {
            String why = Redaction.text(result != null ? result.detail() : error);
            listeners.publish(new FailedExecution(run.spec.id(), run.slot, run.attempt, run.term, replica, duration, why, willRetry));
        }
    }

    /** Cancels the attempt's future and interrupts the thread starting it, if any. */
    private static void interrupt(Run run) {
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
            leave(run, false);
            return false;
        }
        timers.removeDeadline(run);
        if (run.permit) {
            run.permit = false;
            passPermit();
        }
        boolean retry = retryable && !stopping && !run.reg.removed && run.attempt < run.spec.retry().attempts();
        if (retry) {
            Duration nominal = run.spec.retry().delayBefore(run.attempt + 1);
            long ms = (long) (nominal.toMillis() * (1.0 - 0.2 * jitter.getAsDouble()));
            timers.addRetry(now.plusMillis(ms), run);
            wake.run();
        }
        running.ended();
        return retry;
    }
}
