package io.leasecron.schedule;

/** How a daylight-saving clock change affected one run. */
public enum ClockChange {
    /** The run is at its wall-clock time. */
    NONE,
    /** The wall-clock time does not exist that day (spring forward); the run is at the end of the gap. */
    MOVED_PAST_GAP,
    /** The wall-clock time occurs twice that day (fall back) and this is the run in the second pass. */
    REPEATED_HOUR
}
