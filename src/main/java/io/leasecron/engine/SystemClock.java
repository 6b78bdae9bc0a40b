package io.leasecron.engine;

import java.time.Instant;

/** Wall-clock time of this process (microsecond resolution on Linux). */
public final class SystemClock implements Clock {
    public static final SystemClock INSTANCE = new SystemClock();

    private SystemClock() {
    }

    @Override
    public Instant now() {
        return Instant.now();
    }
}
