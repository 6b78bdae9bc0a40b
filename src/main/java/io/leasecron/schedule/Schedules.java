package io.leasecron.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;

/** Builds schedules from the text of a job spec. */
public final class Schedules {
    private Schedules() {
    }

    /**
     * Parses {@code schedule}: a cron expression of the given dialect, a descriptor ({@code @daily}, Unix only) or
     * {@code @every <duration>} (either dialect).
     *
     * @param alignTo the origin of an {@code @every} grid; {@code null} for the Unix epoch
     * @throws InvalidScheduleException naming the part that is wrong and the fix; the message does not repeat the
     *         expression
     */
    public static Schedule parse(String expression, CronType type, ZoneId zone, DstPolicy policy, Instant alignTo)
            throws InvalidScheduleException {
        Objects.requireNonNull(expression, "expression");
        String text = expression.trim();
        if (text.equals("@every") || text.startsWith("@every ") || text.startsWith("@every\t")) {
            return every(text.substring("@every".length()).trim(), zone, alignTo);
        }
        CronFields fields = type == CronType.QUARTZ ? CronParser.quartz(text) : CronParser.unix(text);
        return new CronSchedule(text, fields, zone, policy);
    }

    /** A one-time job. */
    public static Schedule once(Instant at, ZoneId zone) {
        return new OneTimeSchedule(at, zone);
    }

    private static Schedule every(String interval, ZoneId zone, Instant alignTo) throws InvalidScheduleException {
        if (interval.isEmpty()) {
            throw new InvalidScheduleException("@every needs an interval, e.g. \"@every 30s\" or \"@every 1h30m\"");
        }
        Duration period;
        try {
            period = Durations.parse(interval);
        } catch (IllegalArgumentException e) {
            throw new InvalidScheduleException("@every interval " + e.getMessage());
        }
        if (period.compareTo(IntervalSchedule.MIN_PERIOD) < 0) {
            throw new InvalidScheduleException("@every interval " + Durations.format(period) + " is shorter than the minimum of "
                    + Durations.format(IntervalSchedule.MIN_PERIOD));
        }
        return new IntervalSchedule(period, alignTo == null ? Instant.EPOCH : alignTo, zone);
    }
}
