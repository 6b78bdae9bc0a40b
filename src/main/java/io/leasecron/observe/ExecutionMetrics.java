package io.leasecron.observe;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * Prometheus metrics from engine events, all prefixed {@code leasecron_} and labelled with the job id:
 * <ul>
 * <li>{@code leasecron_fires_total{job,outcome}}: finished attempts; outcome is succeeded, failed or timeout;</li>
 * <li>{@code leasecron_skipped_fires_total{job,reason}}: due slots not started, by {@code SkipReason};</li>
 * <li>{@code leasecron_fire_lateness_seconds{job}}: start time minus scheduled time, histogram;</li>
 * <li>{@code leasecron_run_duration_seconds{job,outcome}}: attempt duration, histogram.</li>
 * </ul>
 * Buckets are fixed (no per-percentile series), so the series count per job stays small.
 */
public final class ExecutionMetrics implements ExecutionListener {
    private static final Duration[] LATENESS_BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
        Duration.ofSeconds(30)};
    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(30)};

    private final MeterRegistry registry;

    public ExecutionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void on(ExecutionEvent event) {
        String job = event.job().toString();
        if (event instanceof ExecutionEvent.FiredExecution e) {
            Timer.builder("leasecron.fire.lateness").description("Start time minus scheduled time of each attempt")
                    .tag("job", job).serviceLevelObjectives(LATENESS_BUCKETS).register(registry)
                    .record(e.lateness().isNegative() ? Duration.ZERO : e.lateness());
        } else if (event instanceof ExecutionEvent.SkippedExecution e) {
            Counter.builder("leasecron.skipped.fires").description("Due slots that were not started, by reason")
                    .tag("job", job).tag("reason", e.reason().label()).register(registry).increment();
        } else if (event instanceof ExecutionEvent.SucceededExecution e) {
            finished(job, "succeeded", e.duration());
        } else if (event instanceof ExecutionEvent.FailedExecution e) {
            finished(job, "failed", e.duration());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
            finished(job, "timeout", e.duration());
        }
    }

    private void finished(String job, String outcome, Duration duration) {
        Counter.builder("leasecron.fires").description("Finished attempts by outcome")
                .tag("job", job).tag("outcome", outcome).register(registry).increment();
        Timer.builder("leasecron.run.duration").description("Duration of each attempt")
                .tag("job", job).tag("outcome", outcome).serviceLevelObjectives(DURATION_BUCKETS).register(registry)
                .record(duration);
    }
}
