package io.leasecron.testing;

import io.leasecron.engine.Clock;
import java.time.Duration;
import java.time.Instant;

/** A clock that only moves when a test moves it. */
public final class FakeClock implements Clock {
    private volatile Instant now;

    public FakeClock(Instant start) {
        this.now = start;
    }

    public static FakeClock at(String rfc3339) {
        return new FakeClock(Instant.parse(rfc3339));
    }

    @Override
    public Instant now() {
        return now;
    }

    public void set(Instant t) {
        now = t;
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }
}
