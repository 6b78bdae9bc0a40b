package io.leasecron.observe;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-job Prometheus series from engine events, all prefixed {@code leasecron_} and labelled with the job id:
 * <ul>
 * <li>{@code leasecron_fires_total{job,outcome}}: finished attempts; outcome is succeeded, failed or timeout;</li>
 * <li>{@code leasecron_skipped_fires_total{job,reason}}: due slots not started, by {@code SkipReason};</li>
 * <li>{@code leasecron_uncertain_slots_total{job}}: slots a crashed leader may or may not have started;</li>
 * <li>{@code leasecron_fire_lateness_seconds{job}}: start time minus scheduled time, histogram;</li>
 * <li>{@code leasecron_run_duration_seconds{job,outcome}}: attempt duration, histogram;</li>
 * <li>{@code leasecron_queue_wait_seconds}: for fires that waited for the replica's concurrency limit, how long,
 * histogram (all jobs together).</li>
 * </ul>
 * A Prometheus collector over a few compact counters per job, read at scrape time, rather than one Micrometer
 * meter per series: those cost about 1.4 KB each and are created under a registry-wide lock, which would make
 * memory grow by kilobytes per job and make concurrent first fires wait for each other. Buckets are fixed, so the
 * series count per job stays small. {@link #forget} drops a deleted job's series.
 */
public final class ExecutionMetrics extends Collector implements ExecutionListener {
    static final double[] LATENESS_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
    static final double[] DURATION_BUCKETS = {0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800};
    private static final String[] OUTCOMES = {"succeeded", "failed", "timeout"};
    private static final SkipReason[] REASONS = SkipReason.values();

    private final Map<JobId, JobStats> byJob = new ConcurrentHashMap<>();
    private final Histogram queueWait = new Histogram(LATENESS_BUCKETS.length);

    /** Registers the collector, so the series appear on the registry's scrape (Quarkus serves it on /q/metrics). */
    public ExecutionMetrics bindTo(CollectorRegistry registry) {
        registry.register(this);
        return this;
    }

    /** Counts of one histogram: cumulative per bucket at scrape time, raw here. */
    private static final class Histogram {
        final long[] counts;
        long nanos;
        long count;

        Histogram(int buckets) {
            counts = new long[buckets + 1];
        }

        void record(double[] bounds, Duration d) {
            double seconds = d.toNanos() / 1e9;
            int i = 0;
            while (i < bounds.length && seconds > bounds[i]) {
                i++;
            }
            counts[i]++;
            nanos += d.toNanos();
            count++;
        }
    }

    /** One job's counters; guarded by its own monitor (a job rarely records from two threads at once). */
    private static final class JobStats {
        final String job;
        final Histogram lateness = new Histogram(LATENESS_BUCKETS.length);
        final long[] fires = new long[OUTCOMES.length];
        final Histogram[] durations = new Histogram[OUTCOMES.length];
        long[] skipped;
        long uncertain;

        JobStats(JobId id) {
            this.job = id.toString();
        }
    }

    /** Makes a job's series appear (at zero) from its registration on, so rates and alerts see it before it fires. */
    public void register(JobId job) {
        byJob.computeIfAbsent(job, JobStats::new);
    }

    @Override
    public void on(ExecutionEvent event) {
        JobStats s = byJob.computeIfAbsent(event.job(), JobStats::new);
        synchronized (s) {
            if (event instanceof ExecutionEvent.FiredExecution e) {
                s.lateness.record(LATENESS_BUCKETS, e.lateness().isNegative() ? Duration.ZERO : e.lateness());
                if (!e.queued().isZero()) {
                    synchronized (queueWait) {
                        queueWait.record(LATENESS_BUCKETS, e.queued());
                    }
                }
            } else if (event instanceof ExecutionEvent.SkippedExecution e) {
                if (s.skipped == null) {
                    s.skipped = new long[REASONS.length];
                }
                s.skipped[e.reason().ordinal()]++;
            } else if (event instanceof ExecutionEvent.UncertainExecution) {
                s.uncertain++;
            } else if (event instanceof ExecutionEvent.SucceededExecution e) {
                finished(s, 0, e.duration());
            } else if (event instanceof ExecutionEvent.FailedExecution e) {
                finished(s, 1, e.duration());
            } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
                finished(s, 2, e.duration());
            }
        }
    }

    private static void finished(JobStats s, int outcome, Duration d) {
        s.fires[outcome]++;
        if (s.durations[outcome] == null) {
            s.durations[outcome] = new Histogram(DURATION_BUCKETS.length);
        }
        s.durations[outcome].record(DURATION_BUCKETS, d);
    }

    /** Removes the series of a job that was deleted, so that dashboards do not show it forever. */
    public void forget(JobId job) {
        byJob.remove(job);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> fires = new ArrayList<>();
        List<MetricFamilySamples.Sample> skipped = new ArrayList<>();
        List<MetricFamilySamples.Sample> uncertain = new ArrayList<>();
        List<MetricFamilySamples.Sample> lateness = new ArrayList<>();
        List<MetricFamilySamples.Sample> durations = new ArrayList<>();
        for (JobStats s : byJob.values()) {
            synchronized (s) {
                List<String> job = List.of(s.job);
                for (int o = 0; o < OUTCOMES.length; o++) {
                    if (o == 0 || s.fires[o] > 0) {
                        fires.add(new MetricFamilySamples.Sample("leasecron_fires_total", List.of("job", "outcome"),
                                List.of(s.job, OUTCOMES[o]), s.fires[o]));
                    }
                    if (s.durations[o] != null) {
                        histogram(durations, "leasecron_run_duration_seconds", List.of("job", "outcome"), List.of(s.job, OUTCOMES[o]),
                                DURATION_BUCKETS, s.durations[o]);
                    }
                }
                if (s.skipped != null) {
                    for (SkipReason r : REASONS) {
                        if (s.skipped[r.ordinal()] > 0) {
                            skipped.add(new MetricFamilySamples.Sample("leasecron_skipped_fires_total", List.of("job", "reason"),
                                    List.of(s.job, r.label()), s.skipped[r.ordinal()]));
                        }
                    }
                }
                if (s.uncertain > 0) {
                    uncertain.add(new MetricFamilySamples.Sample("leasecron_uncertain_slots_total", List.of("job"), job, s.uncertain));
                }
                histogram(lateness, "leasecron_fire_lateness_seconds", List.of("job"), job, LATENESS_BUCKETS, s.lateness);
            }
        }
        List<MetricFamilySamples.Sample> waits = new ArrayList<>();
        synchronized (queueWait) {
            histogram(waits, "leasecron_queue_wait_seconds", List.of(), List.of(), LATENESS_BUCKETS, queueWait);
        }
        return List.of(
                new MetricFamilySamples("leasecron_queue_wait_seconds", Type.HISTOGRAM,
                        "Time fires waited for the replica's concurrency limit", waits),
                new MetricFamilySamples("leasecron_fires", Type.COUNTER, "Finished attempts by outcome", fires),
                new MetricFamilySamples("leasecron_skipped_fires", Type.COUNTER, "Due slots that were not started, by reason", skipped),
                new MetricFamilySamples("leasecron_uncertain_slots", Type.COUNTER,
                        "Slots a crashed leader may or may not have started", uncertain),
                new MetricFamilySamples("leasecron_fire_lateness_seconds", Type.HISTOGRAM,
                        "Start time minus scheduled time of each attempt", lateness),
                new MetricFamilySamples("leasecron_run_duration_seconds", Type.HISTOGRAM, "Duration of each attempt", durations));
    }

    private static void histogram(List<MetricFamilySamples.Sample> out, String name, List<String> labels, List<String> values,
            double[] bounds, Histogram h) {
        List<String> bucketLabels = new ArrayList<>(labels);
        bucketLabels.add("le");
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += h.counts[i];
            List<String> v = new ArrayList<>(values);
            v.add(i < bounds.length ? Collector.doubleToGoString(bounds[i]) : "+Inf");
            out.add(new MetricFamilySamples.Sample(name + "_bucket", bucketLabels, v, cumulative));
        }
        out.add(new MetricFamilySamples.Sample(name + "_count", labels, values, h.count));
        out.add(new MetricFamilySamples.Sample(name + "_sum", labels, values, h.nanos / 1e9));
    }
}
