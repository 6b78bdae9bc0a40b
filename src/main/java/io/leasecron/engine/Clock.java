package io.leasecron.engine;

import java.time.Instant;

/**
 * The only source of the current time. Production uses {@link SystemClock}; tests move a fake clock by
 * hand, so nothing in the engine, the gate or the observers reads the system time directly.
 */
@FunctionalInterface
public interface Clock {
    Instant now();
}
