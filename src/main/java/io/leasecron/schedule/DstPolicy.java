package io.leasecron.schedule;

/**
 * What a cron schedule does on a daylight-saving clock-change day ({@code dstPolicy} in a job spec). Interval and
 * one-time schedules are instants and are never affected.
 */
public enum DstPolicy {
    /**
     * The Vixie/cronie rule. When the hour field lists fixed hours, every wall-clock slot runs exactly once: a slot
     * in a spring-forward gap runs at the end of the gap, a slot in a fall-back repeat runs at its first
     * occurrence. When the hour field is {@code *} or stepped, the schedule follows the wall clock as it passes
     * (as {@link #CRON_JOB}), which keeps its real-time cadence.
     */
    RUN_ONCE,
    /**
     * Exactly Kubernetes CronJob (robfig/cron v3): the wall clock as it passes, so slots in a spring-forward gap
     * are skipped and slots in a fall-back repeat run twice.
     */
    CRON_JOB
}
