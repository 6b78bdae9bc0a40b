package io.leasecron.job;

/** What a new slot does while the previous run of the same job is still going (Kubernetes CronJob names). */
public enum ConcurrencyPolicy {
    /** Start the new run beside the running one. */
    Allow,
    /** Skip the new slot; it is reported as skipped with reason {@code concurrency}. */
    Forbid,
    /** Cancel the running run, then start the new one. */
    Replace
}
