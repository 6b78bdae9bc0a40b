package io.leasecron.execution;

/** How an attempt ended, as judged by its action. Timeouts are decided by the engine, not here. */
public sealed interface RunResult {
    String detail();

    record Succeeded(String detail) implements RunResult {
    }

    record Failed(String detail) implements RunResult {
    }

    /**
     * The action declined to start, for a reason that concerns the job's own runs (a Kubernetes Job of an earlier
     * slot still running under {@code concurrencyPolicy: Forbid}): reported as skipped, never retried.
     */
    record Skipped(String detail) implements RunResult {
    }
}
