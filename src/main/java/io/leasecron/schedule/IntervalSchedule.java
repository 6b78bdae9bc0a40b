package io.leasecron.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code @every <period>}: the instants {@code origin + k * period} for every integer k. The grid is fixed by the
 * origin (the Unix epoch unless {@code alignTo} says otherwise), never by when a process started, so every
 * replica computes the same slots. Clock changes do not affect it: it counts real time.
 */
public record IntervalSchedule(Duration period, Instant origin, ZoneId zone) implements Schedule {
    /** Shorter intervals would turn a scheduler into a busy loop. */
    public static final Duration MIN_PERIOD = Duration.ofSeconds(1);

    public IntervalSchedule {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(zone, "zone");
        if (period.compareTo(MIN_PERIOD) < 0) {
            throw new IllegalArgumentException("period must be at least " + MIN_PERIOD);
        }
    }

    @Override
    public Optional<Occurrence> next(Instant after) {
        long p = period.toMillis();
        long o = origin.toEpochMilli();
        long k = Math.floorDiv(after.toEpochMilli() - o, p) + 1;
        Instant t = Instant.ofEpochMilli(o + k * p);
        return Optional.of(new Occurrence(t, LocalDateTime.ofInstant(t, zone), ClockChange.NONE));
    }
}
