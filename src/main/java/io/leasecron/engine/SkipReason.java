package io.leasecron.engine;

import java.util.Locale;

/** Why a slot came due and did not fire. The metric label is {@link #label()}. */
public enum SkipReason {
    /** The gate refused: this replica does not hold the lease (or cannot prove it still does). */
    NOT_LEADER,
    /** A previous leader (in local mode: an earlier run of this replica) started this slot, or may have. */
    PREVIOUS_LEADER,
    /** {@code concurrencyPolicy: Forbid} and the previous run is still going. */
    CONCURRENCY,
    /** The replica's limit on concurrent runs was reached (limit mode {@code Skip}). */
    LIMIT,
    /** The job is suspended. */
    SUSPENDED,
    /** The slot was missed (outage, pause) and {@code catchUp} did not select it. */
    MISSED,
    /** The slot is later than {@code startingDeadlineSeconds} allows. */
    DEADLINE_EXCEEDED,
    /** A previous leader claimed the slot and may have died before starting it; {@code delivery: AtMostOnce}. */
    UNCERTAIN,
    /** A one-time job registered again after its {@code runAt} fired on this replica: it fires once. */
    ALREADY_FIRED,
    /** The replica is shutting down and takes no new slots. */
    SHUTTING_DOWN,
    /**
     * The job's schedule ({@code schedule}, {@code runAt}, {@code timeZone}, {@code cronType} or {@code dstPolicy})
     * was edited after the slot came due and before it could fire (it waited for the lease claim): it belongs to the
     * old schedule, whose slots no longer fire.
     */
    SCHEDULE_CHANGED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
