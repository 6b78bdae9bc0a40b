package io.leasecron.schedule;

/** The dialect of a cron expression ({@code cronType} in a job spec). */
public enum CronType {
    /** Kubernetes CronJob / Vixie cron: 5 fields, or 6 with a leading seconds field, and descriptors. */
    UNIX,
    /** Quartz: seconds first, {@code ?}, {@code L}, {@code W}, {@code #}, an optional year field. */
    QUARTZ
}
