package io.leasecron.job;

import io.leasecron.schedule.CronType;
import io.leasecron.schedule.DstPolicy;
import io.leasecron.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated, immutable job. Only {@link JobSpecParser} builds these from user input, so every instance has
 * passed every rule in {@code docs/job-spec.md}.
 *
 * @param scheduleText the schedule as written ({@code schedule} or {@code runAt}), for display
 * @param schedule the compiled schedule: cron, interval or one-time
 * @param runAt set for one-time jobs
 * @param startingDeadline how late a slot may still start; empty means no bound
 * @param timeout an attempt still running after this is cancelled and counted as {@code timeout}
 */
public record JobSpec(
        JobId id,
        String description,
        String scheduleText,
        CronType cronType,
        ZoneId timeZone,
        DstPolicy dstPolicy,
        Optional<Instant> runAt,
        Schedule schedule,
        boolean suspend,
        ConcurrencyPolicy concurrencyPolicy,
        CatchUp catchUp,
        Optional<Duration> startingDeadline,
        Delivery delivery,
        Duration timeout,
        Retry retry,
        Action action) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public JobSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(timeZone, "timeZone");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(runAt, "runAt");
        Objects.requireNonNull(startingDeadline, "startingDeadline");
    }

    public boolean oneTime() {
        return runAt.isPresent();
    }
}
