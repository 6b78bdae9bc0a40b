package io.leasecron.engine;

import java.time.Instant;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How far this replica has started or settled every slot, reported to the gate with {@link LeaderGate#dispatched}:
 * the Lease's dispatched-through, what a successor relies on to tell slots that were handled from uncertain ones.
 *
 * <p>It tracks every slot from the moment it is planned until it has started (its attempt has left the process) or
 * been settled (deliberately not fired): the <em>outstanding</em> slots, whether they wait for a claim, wait for the
 * concurrency limit, or wait for the dispatch executor. A slot that was let fire and then not started, without a
 * decision against it (a stop, a refusal for want of a lease, a term lost while queued), is <em>open</em> in the term
 * it belonged to.
 *
 * <p>Guarantee: a report never covers an outstanding slot, whatever order slots were offered in, nor an open slot of
 * the latest term the gate let fire in (a later term is not held back by an earlier term's open slot: that term is
 * over, its successor's recovery deals with it). It only covers slot times up to the last pass that ended, since every
 * slot due by then has been planned. Reports only ever move forward.
 *
 * <p>Limit: the settled slots above the last report are kept to report actual slot times; at most {@link #KEPT} of
 * them, dropping the earliest beyond that, which only makes a report smaller (never wrong).
 */
final class Progress {
    static final int KEPT = 100_000;

    private final LeaderGate gate;
    /** Attempts admitted whose work has not yet left this process (retries too); not per slot. */
    private final AtomicInteger starting = new AtomicInteger();

    // Under this object's monitor.
    /** Planned slots that have neither started nor been settled, with how many of each time. */
    private final TreeMap<Instant, Integer> outstanding = new TreeMap<>();
    /** Slot times started or settled above the last report. */
    private final TreeSet<Instant> settled = new TreeSet<>();
    /** The time of the last pass that ended: every slot due by then has been planned. */
    private Instant horizon;
    /** The takeover whose recovery waits to be applied: its slots are not planned yet, so nothing is reported. */
    private Object heldFor;
    /** The earliest open slot of {@link #openTerm}. */
    private Instant openFloor;
    private long openTerm = Long.MIN_VALUE;
    /** The highest term the gate has let a slot fire in. */
    private long latestTerm = Long.MIN_VALUE;
    private Instant reported;

    Progress(LeaderGate gate) {
        this.gate = gate;
    }

    /** A slot was planned: it is outstanding until it has {@link #settled} or is left {@link #open}. */
    synchronized void planned(Instant slot) {
        outstanding.merge(slot, 1, Integer::sum);
    }

    /** A planned slot has started (its attempt left the process) or was deliberately not fired. */
    void settled(Instant slot) {
        synchronized (this) {
            release(slot);
            settled.add(slot);
            if (settled.size() > KEPT) {
                settled.pollFirst();
            }
        }
        report();
    }

    /**
     * A planned slot will not start, and nobody decided against it: reports stay below it until a takeover's
     * recovery is applied (which plans again what a new term must decide). It is open in the latest term the gate
     * let fire in, whatever term let it fire: a run of an earlier term abandoned now (a stop) is open now, and a
     * report of the later term must not pass it either.
     */
    void open(long term, Instant slot) {
        synchronized (this) {
            release(slot);
            long t = Math.max(term, latestTerm);
            if (t >= openTerm) {
                openFloor = t > openTerm || openFloor == null || slot.isBefore(openFloor) ? slot : openFloor;
                openTerm = t;
            }
        }
        report();
    }

    /** The gate let a slot fire in {@code term}. */
    synchronized void fired(long term) {
        latestTerm = Math.max(latestTerm, term);
    }

    synchronized long latestTerm() {
        return latestTerm;
    }

    /** The last report to the gate, or null. */
    synchronized Instant reported() {
        return reported;
    }

    /** A pass that began at {@code now} has ended: every slot due by then has been planned. */
    void passEnded(Instant now) {
        synchronized (this) {
            if (horizon == null || now.isAfter(horizon)) {
                horizon = now;
            }
        }
        report();
    }

    /** Nothing is reported until {@code takeover}'s recovery has been applied (the latest takeover's, if several). */
    synchronized void hold(Object takeover) {
        heldFor = takeover;
    }

    /** {@code takeover}'s recovery has been applied: its slots are planned. */
    void applied(Object takeover) {
        synchronized (this) {
            if (heldFor == takeover) {
                heldFor = null;
            }
            openFloor = null; // what was open before the recovery is the recovery's to plan again, or not
        }
        report();
    }

    /** An attempt was admitted: it counts as starting until it has left the process or will not start. */
    void admitted() {
        starting.incrementAndGet();
    }

    /** An admitted attempt has left the process, or will not start. */
    void started() {
        starting.decrementAndGet();
    }

    int starting() {
        return starting.get();
    }

    /** Reports to the gate the latest settled slot that no outstanding or open slot precedes, if it moved forward. */
    void report() {
        Instant through;
        synchronized (this) {
            through = through();
            if (through == null) {
                return;
            }
            reported = through;
            settled.headSet(through, true).clear();
        }
        gate.dispatched(through); // outside the monitor: the gate takes its own lock; it ignores a report not ahead
    }

    /** What may be reported now, or null if nothing new. */
    private Instant through() {
        if (heldFor != null || horizon == null) {
            return null;
        }
        Instant limit = horizon.plusNanos(1); // exclusive
        if (!outstanding.isEmpty() && outstanding.firstKey().isBefore(limit)) {
            limit = outstanding.firstKey();
        }
        if (openFloor != null && openTerm >= latestTerm && openFloor.isBefore(limit)) {
            limit = openFloor;
        }
        Instant through = settled.lower(limit);
        return through == null || reported != null && !through.isAfter(reported) ? null : through;
    }

    private void release(Instant slot) {
        outstanding.computeIfPresent(slot, (k, n) -> n == 1 ? null : n - 1);
    }
}
