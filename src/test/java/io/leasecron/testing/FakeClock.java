package io.leasecron.testing;

import io.leasecron.engine.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A clock that only moves when a test moves it. Moving it forward moves both readings; a wall-clock step
 * ({@link #stepWall}, or {@link #set} to an earlier time) moves only {@link #now()}, as NTP would.
 */
public final class FakeClock implements Clock {
    private Instant now;
    private long nanos;

    public FakeClock(Instant start) {
        this.now = start;
        this.nanos = 1_000_000_000L;
    }

    public static FakeClock at(String rfc3339) {
        return new FakeClock(Instant.parse(rfc3339));
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    public synchronized void set(Instant t) {
        Duration d = Duration.between(now, t);
        if (!d.isNegative()) {
            nanos += d.toNanos();
        }
        now = t;
    }

    public synchronized void advance(Duration d) {
        now = now.plus(d);
        nanos += d.toNanos();
    }

    /** Steps the wall clock only (NTP correction, a skewed replica): elapsed time does not change. */
    public synchronized void stepWall(Duration d) {
        now = now.plus(d);
    }
}
