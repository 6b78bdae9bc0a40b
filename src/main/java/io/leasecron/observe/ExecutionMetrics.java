package io.leasecron.observe;

import io.leasecron.engine.Clock;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import io.leasecron.schedule.Schedule;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-job Prometheus series made from engine events, labelled {@code job_id} (docs/metrics.md has each one's
 * meaning): {@code leasecron_fires_total}, {@code leasecron_skipped_fires_total}, {@code
 * leasecron_uncertain_slots_total}, {@code leasecron_catch_up_fires_total}, the lateness and duration histograms,
 * {@code leasecron_job_last_success_timestamp_seconds}, {@code leasecron_job_pending_slot_timestamp_seconds}; and
 * {@code leasecron_queue_wait_seconds} for all jobs together.
 *
 * <p>A Prometheus collector over a few compact counters per job, read at scrape time, rather than one Micrometer
 * meter per series: those cost about 1.4 KB each and are created under a registry-wide lock, which would make
 * memory grow by kilobytes per job and make concurrent first fires wait for each other. Buckets are fixed, so the
 * series count per job stays bounded. {@link #forget} drops a deleted job's series.
 */
public final class ExecutionMetrics extends Collector implements ExecutionListener {
    static final double[] LATENESS_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
    static final double[] DURATION_BUCKETS = {0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800};
    private static final String[] OUTCOMES = {"succeeded", "failed", "timeout"};
    private static final SkipReason[] REASONS = SkipReason.values();
    /**
     * Skips that settle a slot: the job's own choice (suspend, Forbid, a one-time job that already ran) or an
     * earlier leader that started it or may have. The others (no lease, the replica's limit, too late, shutting
     * down) leave it owed, so that a job whose slots keep ending that way shows an overdue pending slot.
     */
    static final Set<SkipReason> SETTLING = EnumSet.of(SkipReason.SUSPENDED, SkipReason.CONCURRENCY,
            SkipReason.ALREADY_FIRED, SkipReason.PREVIOUS_LEADER, SkipReason.UNCERTAIN);

    private final Clock clock;
    private final Map<JobId, JobStats> byJob = new ConcurrentHashMap<>();
    /** Jobs removed and not registered again: a last attempt finishing after the removal does not bring them back. */
    private final Set<JobId> removed = ConcurrentHashMap.newKeySet();
    private final Histogram queueWait = new Histogram(LATENESS_BUCKETS);

    public ExecutionMetrics(Clock clock) {
        this.clock = clock;
    }

    /** Registers the collector, so the series appear on the registry's scrape (Quarkus serves it on /q/metrics). */
    public ExecutionMetrics bindTo(CollectorRegistry registry) {
        registry.register(this);
        return this;
    }

    /** One job's counters; guarded by its own monitor (a job rarely records from two threads at once). */
    private static final class JobStats {
        final String job;
        final Histogram lateness = new Histogram(LATENESS_BUCKETS);
        final long[] fires = new long[OUTCOMES.length];
        final Histogram[] durations = new Histogram[OUTCOMES.length];
        long[] skipped;
        long uncertain;
        long catchUp;
        Instant lastSuccess;
        /** The job's schedule as last registered; null for a job seen only in events. */
        Schedule schedule;
        /** The later of the job's registration (or last schedule change) and the latest slot settled here. */
        Instant settled;
        /** {@code pending} was computed for this value of {@code settled}. */
        Instant pendingFor;
        Instant pending;

        JobStats(JobId id) {
            this.job = id.toString();
        }

        void settle(Instant slot) {
            if (settled == null || slot.isAfter(settled)) {
                settled = slot;
            }
        }

        /** The first slot after {@code settled}, computed at most once per value of it (a scrape, not every fire). */
        Instant pending() {
            if (schedule == null || settled == null) {
                return null;
            }
            if (!settled.equals(pendingFor)) {
                pending = schedule.next(settled).map(Occurrence::time).orElse(null);
                pendingFor = settled;
            }
            return pending;
        }
    }

    /**
     * Makes a job's series appear (the counters alerts take {@code increase()} of, at zero), so rates and alerts
     * see it before it fires. Called once the engine has the job: a new or changed schedule owes only the slots
     * after now, as the engine computes its next slot from the moment it got it.
     */
    public void register(JobSpec spec) {
        removed.remove(spec.id());
        JobStats s = byJob.computeIfAbsent(spec.id(), JobStats::new);
        synchronized (s) {
            if (!spec.schedule().equals(s.schedule)) {
                s.schedule = spec.schedule();
                s.settle(clock.now());
            }
        }
    }

    @Override
    public void on(ExecutionEvent event) {
        if (removed.contains(event.job())) {
            return;
        }
        JobStats s = byJob.computeIfAbsent(event.job(), JobStats::new);
        synchronized (s) {
            if (event instanceof ExecutionEvent.FiredExecution e) {
                s.settle(e.slot());
                s.lateness.record(e.lateness().isNegative() ? Duration.ZERO : e.lateness());
                if (e.catchUp() && e.attempt() == 1) {
                    s.catchUp++;
                }
                if (!e.queued().isZero()) {
                    synchronized (queueWait) {
                        queueWait.record(e.queued());
                    }
                }
            } else if (event instanceof ExecutionEvent.SkippedExecution e) {
                if (s.skipped == null) {
                    s.skipped = new long[REASONS.length];
                }
                s.skipped[e.reason().ordinal()]++;
                if (SETTLING.contains(e.reason())) {
                    s.settle(e.slot());
                }
            } else if (event instanceof ExecutionEvent.UncertainExecution) {
                s.uncertain++;
            } else if (event instanceof ExecutionEvent.SucceededExecution e) {
                finished(s, 0, e.duration());
                s.lastSuccess = clock.now();
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
            s.durations[outcome] = new Histogram(DURATION_BUCKETS);
        }
        s.durations[outcome].record(d);
    }

    /** Removes the series of a job that was deleted, so that dashboards do not show it forever. */
    public void forget(JobId job) {
        removed.add(job);
        byJob.remove(job);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> fires = new ArrayList<>();
        List<MetricFamilySamples.Sample> skipped = new ArrayList<>();
        List<MetricFamilySamples.Sample> uncertain = new ArrayList<>();
        List<MetricFamilySamples.Sample> catchUp = new ArrayList<>();
        List<MetricFamilySamples.Sample> lateness = new ArrayList<>();
        List<MetricFamilySamples.Sample> durations = new ArrayList<>();
        List<MetricFamilySamples.Sample> lastSuccess = new ArrayList<>();
        List<MetricFamilySamples.Sample> pending = new ArrayList<>();
        List<String> jobLabel = List.of("job_id");
        for (JobStats s : byJob.values()) {
            synchronized (s) {
                List<String> job = List.of(s.job);
                for (int o = 0; o < OUTCOMES.length; o++) {
                    fires.add(new MetricFamilySamples.Sample("leasecron_fires_total", List.of("job_id", "outcome"),
                            List.of(s.job, OUTCOMES[o]), s.fires[o]));
                    if (s.durations[o] != null) {
                        s.durations[o].writeTo(durations, "leasecron_run_duration_seconds", List.of("job_id", "outcome"),
                                List.of(s.job, OUTCOMES[o]));
                    }
                }
                if (s.skipped != null) {
                    for (SkipReason r : REASONS) {
                        if (s.skipped[r.ordinal()] > 0) {
                            skipped.add(new MetricFamilySamples.Sample("leasecron_skipped_fires_total", List.of("job_id", "reason"),
                                    List.of(s.job, r.label()), s.skipped[r.ordinal()]));
                        }
                    }
                }
                uncertain.add(new MetricFamilySamples.Sample("leasecron_uncertain_slots_total", jobLabel, job, s.uncertain));
                catchUp.add(new MetricFamilySamples.Sample("leasecron_catch_up_fires_total", jobLabel, job, s.catchUp));
                s.lateness.writeTo(lateness, "leasecron_fire_lateness_seconds", jobLabel, job);
                if (s.lastSuccess != null) {
                    lastSuccess.add(new MetricFamilySamples.Sample("leasecron_job_last_success_timestamp_seconds", jobLabel, job,
                            seconds(s.lastSuccess)));
                }
                Instant p = s.pending();
                if (p != null) {
                    pending.add(new MetricFamilySamples.Sample("leasecron_job_pending_slot_timestamp_seconds", jobLabel, job,
                            seconds(p)));
                }
            }
        }
        List<MetricFamilySamples.Sample> waits = new ArrayList<>();
        synchronized (queueWait) {
            queueWait.writeTo(waits, "leasecron_queue_wait_seconds", List.of(), List.of());
        }
        return List.of(
                new MetricFamilySamples("leasecron_queue_wait_seconds", Type.HISTOGRAM,
                        "Time fires waited for the replica's concurrency limit", waits),
                new MetricFamilySamples("leasecron_fires", Type.COUNTER, "Finished attempts by outcome", fires),
                new MetricFamilySamples("leasecron_skipped_fires", Type.COUNTER, "Due slots that were not started, by reason", skipped),
                new MetricFamilySamples("leasecron_uncertain_slots", Type.COUNTER,
                        "Slots a crashed leader may or may not have started", uncertain),
                new MetricFamilySamples("leasecron_catch_up_fires", Type.COUNTER,
                        "Slots fired late because the job's catchUp policy selected them (first attempts)", catchUp),
                new MetricFamilySamples("leasecron_fire_lateness_seconds", Type.HISTOGRAM,
                        "Start time minus scheduled time of each attempt", lateness),
                new MetricFamilySamples("leasecron_run_duration_seconds", Type.HISTOGRAM, "Duration of each attempt", durations),
                new MetricFamilySamples("leasecron_job_last_success_timestamp_seconds", Type.GAUGE,
                        "When the latest successful attempt on this replica ended (Unix seconds)", lastSuccess),
                new MetricFamilySamples("leasecron_job_pending_slot_timestamp_seconds", Type.GAUGE,
                        "The slot after the latest one this replica started or settled (Unix seconds); overdue when past", pending));
    }

    static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }
}
