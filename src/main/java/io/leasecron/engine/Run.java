package io.leasecron.engine;

import io.leasecron.execution.RunResult;
import io.leasecron.job.JobSpec;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** One attempt of one slot, from its admission to its outcome; {@link #finished} makes the outcome happen once. */
final class Run {
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
    /** It no longer counts as starting: its work has left the process, or it will not start. */
    final AtomicBoolean left = new AtomicBoolean();
    /** The first attempt holds its slot's {@link Progress} entry until it leaves; retries hold none. */
    boolean tracked;
    /** Fired by catch-up: a later slot of the job was already due when the first attempt was let fire. */
    boolean catchUp;
    /** A manual run ({@link Candidate#manual}). */
    boolean manual;
    /** The job's generation its slot was planned under. */
    long generation;
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
