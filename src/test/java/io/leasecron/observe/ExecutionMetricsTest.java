package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The per-job series made from engine events, as Prometheus scrapes them. */
class ExecutionMetricsTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:30Z");
    static final JobId JOB = JobId.parse("billing/export");

    final FakeClock clock = new FakeClock(T0);
    final CollectorRegistry registry = new CollectorRegistry();
    final ExecutionMetrics metrics = new ExecutionMetrics(clock).bindTo(registry);

    static Instant minute(int m) {
        return Instant.parse("2026-12-01T10:00:00Z").plus(Duration.ofMinutes(m));
    }

    Double value(String name, String... labels) {
        String[] names = new String[labels.length / 2];
        String[] values = new String[labels.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = labels[2 * i];
            values[i] = labels[2 * i + 1];
        }
        return registry.getSampleValue(name, names, values);
    }

    Double job(String name) {
        return value(name, "job_id", JOB.toString());
    }

    Instant pending() {
        Double v = job("leasecron_job_pending_slot_timestamp_seconds");
        return v == null ? null : Instant.ofEpochMilli(Math.round(v * 1000));
    }

    static FiredExecution fired(Instant slot, int attempt, boolean catchUp) {
        return new FiredExecution(JOB, slot, attempt, 1, "pod-a", slot, Duration.ofMillis(3), Duration.ZERO, catchUp);
    }

    @Test
    void every_series_is_labelled_job_id_and_the_counted_ones_exist_at_zero_from_registration() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));

        for (String outcome : List.of("succeeded", "failed", "timeout")) {
            assertEquals(0.0, value("leasecron_fires_total", "job_id", JOB.toString(), "outcome", outcome), outcome);
        }
        assertEquals(0.0, job("leasecron_uncertain_slots_total"));
        assertEquals(0.0, job("leasecron_catch_up_fires_total"));
        assertEquals(0.0, job("leasecron_fire_lateness_seconds_count"));
        assertNull(job("leasecron_job_last_success_timestamp_seconds"), "no success yet");
        metrics.on(new SkippedExecution(JOB, minute(1), SkipReason.NOT_LEADER, "follower"));
        metrics.on(new FailedExecution(JOB, minute(1), 1, 1, "pod-a", Duration.ofMillis(20), "HTTP 503", false));

        Set<String> labels = new TreeSet<>();
        for (MetricFamilySamples f : Collections.list(registry.metricFamilySamples())) {
            f.samples.forEach(s -> labels.addAll(s.labelNames));
        }
        assertEquals(Set.of("job_id", "le", "outcome", "reason"), labels, "never `job`, which Prometheus' target label overwrites");
    }

    @Test
    void counts_outcomes_skips_uncertain_slots_and_catch_up_fires_of_first_attempts() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));
        metrics.on(fired(minute(1), 1, true));
        metrics.on(new FailedExecution(JOB, minute(1), 1, 1, "pod-a", Duration.ofMillis(20), "HTTP 503", true));
        metrics.on(fired(minute(1), 2, true)); // the retry of a caught-up slot is not another catch-up fire
        metrics.on(new SucceededExecution(JOB, minute(1), 2, 1, "pod-a", Duration.ofMillis(40), "HTTP 200"));
        metrics.on(fired(minute(2), 1, false));
        metrics.on(new UncertainExecution(JOB, minute(3), 1, false, "claimed by the previous leader"));
        metrics.on(new SkippedExecution(JOB, minute(3), SkipReason.UNCERTAIN, "AtMostOnce"));

        assertEquals(1.0, value("leasecron_fires_total", "job_id", JOB.toString(), "outcome", "succeeded"));
        assertEquals(1.0, value("leasecron_fires_total", "job_id", JOB.toString(), "outcome", "failed"));
        assertEquals(0.0, value("leasecron_fires_total", "job_id", JOB.toString(), "outcome", "timeout"));
        assertEquals(1.0, job("leasecron_catch_up_fires_total"));
        assertEquals(1.0, job("leasecron_uncertain_slots_total"));
        assertEquals(1.0, value("leasecron_skipped_fires_total", "job_id", JOB.toString(), "reason", "uncertain"));
        assertEquals(3.0, value("leasecron_fire_lateness_seconds_bucket", "job_id", JOB.toString(), "le", "0.005"));
        assertEquals(1.0, value("leasecron_run_duration_seconds_count", "job_id", JOB.toString(), "outcome", "failed"));
        assertEquals(0.04, value("leasecron_run_duration_seconds_sum", "job_id", JOB.toString(), "outcome", "succeeded"), 1e-9);
    }

    @Test
    void last_success_is_when_the_latest_successful_attempt_ended_here() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));
        clock.set(minute(1).plusMillis(250));
        metrics.on(new SucceededExecution(JOB, minute(1), 1, 1, "pod-a", Duration.ofMillis(250), "HTTP 200"));
        assertEquals(minute(1).plusMillis(250).toEpochMilli() / 1000.0, job("leasecron_job_last_success_timestamp_seconds"));

        clock.set(minute(2).plusMillis(100));
        metrics.on(new FailedExecution(JOB, minute(2), 1, 1, "pod-a", Duration.ofMillis(100), "HTTP 500", false));
        assertEquals(minute(1).plusMillis(250).toEpochMilli() / 1000.0, job("leasecron_job_last_success_timestamp_seconds"),
                "a failure leaves the last success");
    }

    @Test
    void the_pending_slot_is_the_next_fire_until_slots_go_unsettled_and_moves_on_once_one_is_settled() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m")); // registered at 10:00:30
        assertEquals(minute(1), pending(), "the first slot after the registration: the next fire");

        metrics.on(fired(minute(1), 1, false));
        assertEquals(minute(2), pending());
        metrics.on(new SkippedExecution(JOB, minute(2), SkipReason.NOT_LEADER, "follower"));
        metrics.on(new SkippedExecution(JOB, minute(3), SkipReason.MISSED, "catchUp None"));
        metrics.on(new SkippedExecution(JOB, minute(4), SkipReason.LIMIT, "limit mode Skip"));
        assertEquals(minute(2), pending(), "slots nobody started stay owed: 10:02 is overdue");
        metrics.on(new SkippedExecution(JOB, minute(5), SkipReason.SUSPENDED, "job is suspended"));
        assertEquals(minute(6), pending(), "a suspended slot is settled, and so is everything before it");
        metrics.on(new SkippedExecution(JOB, minute(3), SkipReason.PREVIOUS_LEADER, "an earlier term started it"));
        assertEquals(minute(6), pending(), "an older slot settled late moves nothing back");
    }

    @Test
    void a_slot_is_settled_by_its_start_or_a_skip_of_the_jobs_own_choice_never_by_a_missing_lease_or_lateness() {
        Set<SkipReason> settling = EnumSet.noneOf(SkipReason.class);
        for (SkipReason reason : SkipReason.values()) {
            ExecutionMetrics m = new ExecutionMetrics(clock);
            CollectorRegistry r = new CollectorRegistry();
            m.bindTo(r);
            m.register(Jobs.every(JOB.toString(), "@every 1m"));
            m.on(new SkippedExecution(JOB, minute(1), reason, "test"));
            Double pending = r.getSampleValue("leasecron_job_pending_slot_timestamp_seconds", new String[] {"job_id"},
                    new String[] {JOB.toString()});
            if (Double.valueOf(minute(2).getEpochSecond()).equals(pending)) {
                settling.add(reason);
            } else {
                assertEquals(Double.valueOf(minute(1).getEpochSecond()), pending, reason.label() + " leaves 10:01 owed");
            }
        }
        assertEquals(EnumSet.of(SkipReason.SUSPENDED, SkipReason.CONCURRENCY, SkipReason.ALREADY_FIRED, SkipReason.PREVIOUS_LEADER,
                SkipReason.UNCERTAIN), settling, "as docs/metrics.md lists them");
    }

    @Test
    void a_schedule_change_owes_only_the_slots_after_it_and_an_edit_that_keeps_the_schedule_changes_nothing() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));
        clock.set(minute(5).plusSeconds(10)); // slots 10:01 to 10:05 passed unsettled: 10:01 is overdue
        assertEquals(minute(1), pending());
        metrics.register(Jobs.every(JOB.toString(), "@every 1m", "timeout: 5s"));
        assertEquals(minute(1), pending(), "same schedule: the engine keeps its slots, so they stay owed");

        metrics.register(Jobs.every(JOB.toString(), "@every 2m"));
        assertEquals(minute(6), pending(), "a new schedule starts from now, as the engine's does");
    }

    @Test
    void a_removed_job_loses_its_series_and_its_last_outcome_does_not_bring_them_back() {
        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));
        metrics.on(fired(minute(1), 1, false));
        metrics.forget(JOB);
        metrics.on(new SucceededExecution(JOB, minute(1), 1, 1, "pod-a", Duration.ofMillis(5), "HTTP 200"));
        assertEquals(List.of(), seriesOf(JOB));

        metrics.register(Jobs.every(JOB.toString(), "@every 1m"));
        assertEquals(0.0, value("leasecron_fires_total", "job_id", JOB.toString(), "outcome", "succeeded"), "registered again");
    }

    @Test
    void a_one_time_job_that_fired_has_no_pending_slot() {
        metrics.register(Jobs.spec(JOB.toString(), "runAt: 2026-12-01T10:01:00Z\nhttp: {url: \"http://127.0.0.1:9/x\"}\n"));
        assertEquals(minute(1), pending());
        metrics.on(fired(minute(1), 1, false));
        assertNull(pending());
    }

    List<String> seriesOf(JobId id) {
        List<String> out = new ArrayList<>();
        for (MetricFamilySamples f : Collections.list(registry.metricFamilySamples())) {
            for (MetricFamilySamples.Sample s : f.samples) {
                if (s.labelValues.contains(id.toString())) {
                    out.add(s.name);
                }
            }
        }
        return out;
    }
}
