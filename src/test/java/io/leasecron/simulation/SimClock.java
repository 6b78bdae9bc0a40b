package io.leasecron.simulation;

import io.leasecron.engine.Clock;
import java.time.Instant;

/**
 * One replica's clocks in a simulation, driven from the simulation's one true timeline: a wall clock with its
 * own offset (skew), rate (drift) and steps (NTP), and a monotonic clock at the same rate. While the replica's VM
 * is suspended both stop; on resume the wall clock is set right at once (as NTP or the hypervisor does) and the
 * monotonic clock never learns of the gap, as Linux's {@code CLOCK_MONOTONIC}, which {@code System.nanoTime()}
 * reads, does not.
 */
final class SimClock implements Clock {
    private final double rate;
    private long mono = 1_000_000_000L;
    private long wallNanos;
    private boolean suspended;
    private long missedNanos;

    /**
     * @param trueEpochNanos the true time now, in nanoseconds since the epoch
     * @param skewNanos how far this wall clock is ahead of true time
     * @param rate how fast this replica's clocks run (1.0: exactly; 1.001: a tenth of a percent fast)
     */
    SimClock(long trueEpochNanos, long skewNanos, double rate) {
        this.wallNanos = trueEpochNanos + skewNanos;
        this.rate = rate;
    }

    /** True time moved on by {@code nanos}. */
    void advance(long nanos) {
        if (suspended) {
            missedNanos += nanos;
            return;
        }
        long d = Math.round(nanos * rate);
        mono += d;
        wallNanos += d;
    }

    void suspend() {
        suspended = true;
    }

    void resume() {
        suspended = false;
        wallNanos += missedNanos;
        missedNanos = 0;
    }

    /** The wall clock steps by {@code nanos} (forward or back); elapsed time does not change. */
    void stepWall(long nanos) {
        wallNanos += nanos;
    }

    @Override
    public Instant now() {
        return Instant.ofEpochSecond(Math.floorDiv(wallNanos, 1_000_000_000L), Math.floorMod(wallNanos, 1_000_000_000L));
    }

    @Override
    public long nanoTime() {
        return mono;
    }
}
