package io.leasecron.schedule;

import java.time.Instant;
import java.time.LocalDateTime;

/**
 * One run of a schedule.
 *
 * @param time the instant of the run; together with the job it names the slot
 * @param wallTime the scheduled wall-clock time in the job's time zone (for a run moved past a gap, the time that
 *        did not exist)
 * @param clockChange whether a daylight-saving change moved or repeated this run
 */
public record Occurrence(Instant time, LocalDateTime wallTime, ClockChange clockChange) {
}
