package io.leasecron.schedule;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/** {@code runAt}: a single instant. */
public record OneTimeSchedule(Instant at, ZoneId zone) implements Schedule {
    public OneTimeSchedule {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(zone, "zone");
    }

    @Override
    public Optional<Occurrence> next(Instant after) {
        return at.isAfter(after) ? Optional.of(new Occurrence(at, LocalDateTime.ofInstant(at, zone), ClockChange.NONE))
                : Optional.empty();
    }

    @Override
    public Optional<String> whyNoRunAfter(Instant after) {
        return at.isAfter(after) ? Optional.empty() : Optional.of("runAt " + at + " is not after " + after + "; it runs only once");
    }
}
