package io.leasecron.engine;

import io.leasecron.job.JobId;
import java.time.Duration;
import java.time.Instant;

/**
 * What the engine publishes, in the past tense, one event per step of a slot's life. Metrics, run history, logs
 * and Kubernetes Events observe these; the engine itself knows nothing about them.
 */
public sealed interface ExecutionEvent {
    JobId job();

    /** The scheduled time of the slot. */
    Instant slot();

    /**
     * An attempt was started. {@code lateness} = start time - scheduled time (retries: - retry due time);
     * {@code queued}: the part of it spent waiting for the replica's concurrency limit. {@code catchUp}: the slot was
     * fired by catch-up, not as the job's current slot: a later slot of the job was already due when the engine let
     * it fire (a recovery after a takeover, a backlog after the engine fell behind, a claim that took longer than the
     * job's interval); retries keep the first attempt's value.
     */
    record FiredExecution(JobId job, Instant slot, int attempt, long term, String replica, Instant firedAt,
            Duration lateness, Duration queued, boolean catchUp) implements ExecutionEvent {
    }

    /**
     * A previous leader claimed this slot and may have died before starting it: nobody can know whether it ran.
     * {@code refired}: the job's delivery is {@code AtLeastOnce}, so this replica fires it again (same
     * {@code Idempotency-Key}); otherwise it is not fired again and a {@link SkippedExecution} with reason
     * {@code uncertain} follows.
     */
    record UncertainExecution(JobId job, Instant slot, long term, boolean refired, String detail) implements ExecutionEvent {
    }

    /** The slot came due and was not started. */
    record SkippedExecution(JobId job, Instant slot, SkipReason reason, String detail) implements ExecutionEvent {
    }

    /** An attempt ended as its action expects. */
    record SucceededExecution(JobId job, Instant slot, int attempt, long term, String replica, Duration duration,
            String detail) implements ExecutionEvent {
    }

    /** An attempt failed (or threw); {@code willRetry} tells whether another attempt is scheduled. */
    record FailedExecution(JobId job, Instant slot, int attempt, long term, String replica, Duration duration,
            String error, boolean willRetry) implements ExecutionEvent {
    }

    /** An attempt ran past the job's timeout and was cancelled. */
    record TimedOutExecution(JobId job, Instant slot, int attempt, long term, String replica, Duration duration,
            Duration timeout, boolean willRetry) implements ExecutionEvent {
    }
}
