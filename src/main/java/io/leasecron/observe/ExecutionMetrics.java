package io.leasecron.observe;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics from engine events, all prefixed {@code leasecron_} and labelled with the job id:
 * <ul>
 * <li>{@code leasecron_fires_total{job,outcome}}: finished attempts; outcome is succeeded, failed or timeout;</li>
 * <li>{@code leasecron_skipped_fires_total{job,reason}}: due slots not started, by {@code SkipReason};</li>
 * <li>{@code leasecron_uncertain_slots_total{job}}: slots a crashed leader may or may not have started;</li>
 * <li>{@code leasecron_fire_lateness_seconds{job}}: start time minus scheduled time, histogram;</li>
 * <li>{@code leasecron_run_duration_seconds{job,outcome}}: attempt duration, histogram.</li>
 * </ul>
 * Buckets are fixed (no per-percentile series), so the series count per job stays small. A job's common meters
 * are created by {@link #register} when the job is registered, never on the fire path: Micrometer creates meters
 * under one registry-wide lock, which would make concurrent fires wait for each other. {@link #forget} removes a
 * deleted job's series.
 */
public final class ExecutionMetrics implements ExecutionListener {
    private static final Duration[] LATENESS_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(30)};
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(30)};

    private enum Outcome {
        succeeded, failed, timeout
    }

    private final MeterRegistry registry;
    private final Map<JobId, JobMeters> byJob = new ConcurrentHashMap<>();

    public ExecutionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One job's meters, created on first use. */
    private final class JobMeters {
        final String job;
        volatile Timer lateness;
        final Map<Outcome, Counter> fires = new EnumMap<>(Outcome.class);
        final Map<Outcome, Timer> durations = new EnumMap<>(Outcome.class);
        final Map<SkipReason, Counter> skipped = new EnumMap<>(SkipReason.class);
        Counter uncertain;

        JobMeters(JobId id) {
            this.job = id.toString();
        }

        Timer lateness() {
            Timer t = lateness;
            if (t == null) {
                t = Timer.builder("leasecron.fire.lateness").description("Start time minus scheduled time of each attempt")
                        .tag("job", job).serviceLevelObjectives(LATENESS_BUCKETS).register(registry);
                lateness = t;
            }
            return t;
        }

        synchronized Counter uncertain() {
            if (uncertain == null) {
                uncertain = Counter.builder("leasecron.uncertain.slots").description("Slots a crashed leader may or may not have started")
                        .tag("job", job).register(registry);
            }
            return uncertain;
        }

        synchronized Counter skipped(SkipReason reason) {
            return skipped.computeIfAbsent(reason, r -> Counter.builder("leasecron.skipped.fires")
                    .description("Due slots that were not started, by reason").tag("job", job).tag("reason", r.label())
                    .register(registry));
        }

        synchronized Timer meters(Outcome outcome) {
            fires.computeIfAbsent(outcome, o -> Counter.builder("leasecron.fires").description("Finished attempts by outcome")
                    .tag("job", job).tag("outcome", o.name()).register(registry));
            return durations.computeIfAbsent(outcome, o -> Timer.builder("leasecron.run.duration").description("Duration of each attempt")
                    .tag("job", job).tag("outcome", o.name()).serviceLevelObjectives(DURATION_BUCKETS).register(registry));
        }

        synchronized void finished(Outcome outcome, Duration duration) {
            meters(outcome).record(duration);
            fires.get(outcome).increment();
        }

        synchronized void remove() {
            if (lateness != null) {
                registry.remove(lateness);
            }
            for (Meter m : fires.values()) {
                registry.remove(m);
            }
            for (Meter m : durations.values()) {
                registry.remove(m);
            }
            for (Meter m : skipped.values()) {
                registry.remove(m);
            }
            if (uncertain != null) {
                registry.remove(uncertain);
            }
        }
    }

    /** Creates a job's lateness and success meters ahead of its first fire. */
    public void register(JobId job) {
        JobMeters m = byJob.computeIfAbsent(job, JobMeters::new);
        m.lateness();
        m.meters(Outcome.succeeded);
    }

    @Override
    public void on(ExecutionEvent event) {
        JobMeters m = byJob.computeIfAbsent(event.job(), JobMeters::new);
        if (event instanceof ExecutionEvent.FiredExecution e) {
            m.lateness().record(e.lateness().isNegative() ? Duration.ZERO : e.lateness());
        } else if (event instanceof ExecutionEvent.SkippedExecution e) {
            m.skipped(e.reason()).increment();
        } else if (event instanceof ExecutionEvent.UncertainExecution) {
            m.uncertain().increment();
        } else if (event instanceof ExecutionEvent.SucceededExecution e) {
            m.finished(Outcome.succeeded, e.duration());
        } else if (event instanceof ExecutionEvent.FailedExecution e) {
            m.finished(Outcome.failed, e.duration());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
            m.finished(Outcome.timeout, e.duration());
        }
    }

    /** Removes the series of a job that was deleted, so that dashboards do not show it forever. */
    public void forget(JobId job) {
        JobMeters m = byJob.remove(job);
        if (m != null) {
            m.remove();
        }
    }
}
