package io.leasecron.job;

import java.time.Duration;

/**
 * Retries of a failed or timed-out attempt. Every attempt of a slot carries the same {@code Idempotency-Key};
 * the delay before attempt {@code n+1} is {@code backoff * 2^(n-1)}, capped at {@code maxBackoff}, with up to
 * 20% random jitter subtracted so that retries of many jobs do not arrive in lock step.
 *
 * @param attempts total attempts including the first; 1 means no retry
 */
public record Retry(int attempts, Duration backoff, Duration maxBackoff) {
    public static final Retry NONE = new Retry(1, Duration.ofSeconds(10), Duration.ofMinutes(5));

    public Retry {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("backoff must be >= 0 and maxBackoff >= backoff");
        }
    }

    /** The nominal (jitter-free) delay before the given attempt, {@code attempt >= 2}. */
    public Duration delayBefore(int attempt) {
        int doublings = Math.min(attempt - 2, 30);
        Duration d = backoff.multipliedBy(1L << doublings);
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
