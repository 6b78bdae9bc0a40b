package io.leasecron.schedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a job runs: pure time math, no clock, no I/O. Implementations are immutable values with value equality,
 * so two replicas (or two versions of a spec) with the same schedule compute the same slots.
 */
public sealed interface Schedule permits CronSchedule, IntervalSchedule, OneTimeSchedule {

    /**
     * The first run strictly after {@code after}, or empty when there is none (a one-time job that has run, a
     * Quartz year field that has passed) or none within the search horizon ({@link #whyNoRunAfter} tells which).
     */
    Optional<Occurrence> next(Instant after);

    /**
     * Why there is no run after {@code after}, in words a person can act on; empty when there is one. Answers
     * {@code POST /api/v1/preview} and a job's view when the list of next runs comes back short.
     */
    default Optional<String> whyNoRunAfter(Instant after) {
        return next(after).isPresent() ? Optional.empty() : Optional.of("the schedule has no run after " + after);
    }

    /** The next {@code count} runs strictly after {@code after}, in order; fewer when the schedule ends. */
    default List<Occurrence> next(Instant after, int count) {
        List<Occurrence> out = new ArrayList<>(Math.min(count, 1024));
        Instant t = after;
        while (out.size() < count) {
            Optional<Occurrence> o = next(t);
            if (o.isEmpty()) {
                break;
            }
            out.add(o.get());
            t = o.get().time();
        }
        return out;
    }
}
