package io.leasecron.engine;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How far this replica has started or settled every slot, reported to the gate with {@link LeaderGate#dispatched}:
 * what a successor relies on to tell handled slots from uncertain ones.
 *
 * <p>Guarantee: a report never covers a slot that was admitted and has not left the process yet (nothing is
 * reported while any attempt is starting), nor a slot of the latest term that was let fire and then not started
 * (an open floor).
 */
final class Progress {
    private final LeaderGate gate;
    /** Attempts admitted whose work has not yet left this process; progress is reported when none are left. */
    private final AtomicInteger starting = new AtomicInteger();
    /**
     * The earliest slot of term {@link #openFloorTerm} that was counted as handled, then queued and never started:
     * progress of that term stops before it (under this object's monitor).
     */
    private Instant openFloor;
    private long openFloorTerm = Long.MIN_VALUE;
    /** The highest term the gate has let a slot fire in. */
    private volatile long latestTerm = Long.MIN_VALUE;
    private volatile Instant handledThrough;
    private Instant reportedThrough;

    Progress(LeaderGate gate) {
        this.gate = gate;
    }

    /** The gate let a slot fire in {@code term}. */
    void fired(long term) {
        latestTerm = Math.max(latestTerm, term);
    }

    /** Every slot up to {@code through} that a pass offered was started or settled. */
    void handled(Instant through) {
        handledThrough = through;
        report();
    }

    /** An attempt was admitted: it counts as not yet started. */
    void admitted() {
        starting.incrementAndGet();
    }

    /** An admitted attempt has left the process, or will not start. */
    void started() {
        if (starting.decrementAndGet() == 0) {
            report();
        }
    }

    int starting() {
        return starting.get();
    }

    /**
     * A run of {@code term} that was let fire will not start, and nobody decided against it: progress reports of
     * its term stay below {@code slot} (a later term's are not held back by it).
     */
    synchronized void open(long term, Instant slot) {
        if (openFloor == null || term > openFloorTerm) {
            openFloor = slot;
            openFloorTerm = term;
        } else if (term == openFloorTerm && slot.isBefore(openFloor)) {
            openFloor = slot;
        }
    }

    /** Tells the gate how far every claimed slot has been started, once no admitted attempt is still starting. */
    void report() {
        Instant through = handledThrough;
        if (through == null || starting.get() > 0) {
            return;
        }
        synchronized (this) {
            Instant floor = openFloorTerm >= latestTerm ? openFloor : null;
            if (floor != null && !through.isBefore(floor)) {
                through = floor.minusNanos(1); // a slot that was queued and then not started is still open
            }
            if (reportedThrough != null && !through.isAfter(reportedThrough)) {
                return;
            }
            reportedThrough = through;
        }
        gate.dispatched(through);
    }
}
