package io.leasecron.engine;

import java.time.Instant;

/** The clocks of this process: wall clock (microsecond resolution on Linux) and {@link System#nanoTime()}. */
public final class SystemClock implements Clock {
    public static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
