package io.leasecron.job;

/** What happens to slots that came due while nobody could fire them (outage, failover, long pause). */
public enum CatchUp {
    /** Missed slots are reported as skipped ({@code missed}) and not fired. */
    None,
    /** Only the most recent missed slot fires, if it is within {@code startingDeadlineSeconds}. */
    Latest,
    /** Every missed slot within {@code startingDeadlineSeconds} fires, oldest first. */
    All
}
