package io.leasecron.engine;

import java.time.Instant;

/**
 * The only source of time. Production uses {@link SystemClock}; tests move a fake clock by hand, so nothing in the
 * engine, the elector or the observers reads the system time directly.
 *
 * <p>Two readings, for two purposes: {@link #now()} is wall-clock time, from which slots are due (it may be
 * skewed or stepped); {@link #nanoTime()} only ever moves forward and measures how long ago this replica saw
 * something (lease expiry, renew deadlines), never compared with another machine's clock.
 */
public interface Clock {
    Instant now();

    /** Monotonic nanoseconds with an arbitrary origin, as {@link System#nanoTime()}. */
    long nanoTime();
}
