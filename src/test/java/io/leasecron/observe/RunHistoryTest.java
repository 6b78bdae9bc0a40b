package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.TimedOutExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.leasecron.observe.RunHistory.Record;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Run history: what each event becomes, newest first, and the bound per job. */
class RunHistoryTest {
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    static final JobId JOB = JobId.parse("billing/export");
    static final JobId OTHER = JobId.parse("billing/other");

    static Instant slot(int minute) {
        return T0.plus(Duration.ofMinutes(minute));
    }

    @Test
    void keeps_the_last_twenty_outcomes_of_each_job_newest_first_with_every_field() {
        RunHistory history = new RunHistory(20);
        for (int m = 0; m < 20; m++) {
            history.on(new FiredExecution(JOB, slot(m), 1, 7, "pod-a", slot(m), Duration.ZERO, Duration.ZERO, false)); // not an outcome
            history.on(new SucceededExecution(JOB, slot(m), 1, 7, "pod-a", Duration.ofMillis(100 + m), "HTTP 200"));
            history.on(new SkippedExecution(JOB, slot(m), SkipReason.NOT_LEADER, "this replica does not hold the lease"));
        }
        history.on(new FailedExecution(JOB, slot(20), 1, 7, "pod-a", Duration.ofMillis(1500), "HTTP 503", true));
        history.on(new TimedOutExecution(JOB, slot(21), 2, 7, "pod-a", Duration.ofSeconds(30), Duration.ofSeconds(30), false));
        history.on(new SkippedExecution(JOB, slot(22), SkipReason.CONCURRENCY, "previous run still in progress (concurrencyPolicy Forbid)"));
        history.on(new UncertainExecution(JOB, slot(23), 8, true, "claimed by the previous leader"));
        history.on(new SucceededExecution(JOB, slot(24), 3, 8, "pod-b", Duration.ofMillis(250), "HTTP 204"));
        history.on(new SucceededExecution(OTHER, slot(24), 1, 8, "pod-b", Duration.ofMillis(5), "HTTP 200"));

        List<Record> recent = history.recent(JOB);
        assertEquals(20, recent.size(), "25 outcomes, 20 kept");
        assertEquals(List.of(
                new Record(slot(24), "succeeded", "pod-b", 8, 3, Duration.ofMillis(250), "HTTP 204", false),
                new Record(slot(23), "uncertain", null, 8, 0, Duration.ZERO,
                        "claimed by the previous leader; fired again (delivery AtLeastOnce)", true),
                new Record(slot(22), "skipped:concurrency", null, 0, 0, Duration.ZERO,
                        "previous run still in progress (concurrencyPolicy Forbid)", false),
                new Record(slot(21), "timeout", "pod-a", 7, 2, Duration.ofSeconds(30), "cancelled after timeout 30000 ms", false),
                new Record(slot(20), "failed", "pod-a", 7, 1, Duration.ofMillis(1500), "HTTP 503", true),
                new Record(slot(19), "succeeded", "pod-a", 7, 1, Duration.ofMillis(119), "HTTP 200", false)),
                recent.subList(0, 6));
        assertEquals(IntStream.iterate(24, m -> m - 1).limit(20).mapToObj(RunHistoryTest::slot).toList(),
                recent.stream().map(Record::slot).toList(), "slots 24 down to 5: the five oldest were dropped");
        assertEquals(new Record(slot(5), "succeeded", "pod-a", 7, 1, Duration.ofMillis(105), "HTTP 200", false), recent.get(19));
        assertEquals(List.of(new Record(slot(24), "succeeded", "pod-b", 8, 1, Duration.ofMillis(5), "HTTP 200", false)),
                history.recent(OTHER), "each job has its own bound");
    }

    @Test
    void outcomes_that_arrive_out_of_order_are_listed_newest_slot_first() {
        RunHistory history = new RunHistory(3);
        history.on(new SucceededExecution(JOB, slot(6), 1, 7, "pod-a", Duration.ofMillis(5), "HTTP 200"));
        history.on(new SucceededExecution(JOB, slot(5), 2, 7, "pod-a", Duration.ofMillis(900), "HTTP 200"));
        history.on(new FailedExecution(JOB, slot(5), 1, 7, "pod-a", Duration.ofMillis(50), "HTTP 503", true));
        history.on(new SucceededExecution(JOB, slot(7), 1, 7, "pod-a", Duration.ofMillis(5), "HTTP 200"));
        assertEquals(List.of(slot(7) + "#1", slot(6) + "#1", slot(5) + "#2"),
                history.recent(JOB).stream().map(r -> r.slot() + "#" + r.attempt()).toList(),
                "the latest slot first, a slot's later attempt before its earlier one, the oldest dropped");
        history.on(new SucceededExecution(JOB, slot(1), 1, 7, "pod-a", Duration.ofMillis(5), "HTTP 200"));
        assertEquals(slot(5), history.recent(JOB).get(2).slot(), "an outcome older than every one kept is not kept");
    }

    @Test
    void a_forgotten_job_holds_nothing_and_the_bound_must_be_positive() {
        RunHistory history = new RunHistory(1);
        history.on(new SucceededExecution(JOB, slot(0), 1, 7, "pod-a", Duration.ofMillis(1), "HTTP 200"));
        history.on(new SucceededExecution(JOB, slot(1), 1, 7, "pod-a", Duration.ofMillis(2), "HTTP 200"));
        assertEquals(List.of(slot(1)), history.recent(JOB).stream().map(Record::slot).toList());
        history.forget(JOB);
        assertEquals(List.of(), history.recent(JOB));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RunHistory(0));
        assertEquals("leasecron.history.runs-per-job must be at least 1, got 0", e.getMessage());
    }

    @Test
    void the_status_carries_the_last_schedule_and_success_times_as_a_cronjobs_does() {
        io.leasecron.testing.FakeClock clock = new io.leasecron.testing.FakeClock(slot(0));
        RunHistory history = new RunHistory(20, clock);
        assertEquals(JobStatuses.Status.NONE, history.status(JOB));
        history.on(new FiredExecution(JOB, slot(1), 1, 7, "pod-a", slot(1), Duration.ZERO, Duration.ZERO, false));
        clock.set(slot(1).plusMillis(300));
        history.on(new SucceededExecution(JOB, slot(1), 1, 7, "pod-a", Duration.ofMillis(300), "HTTP 200"));
        history.on(new FiredExecution(JOB, slot(2), 1, 7, "pod-a", slot(2), Duration.ZERO, Duration.ZERO, false));
        clock.set(slot(2).plusMillis(50));
        history.on(new FailedExecution(JOB, slot(2), 1, 7, "pod-a", Duration.ofMillis(50), "HTTP 503", false));
        JobStatuses.Status s = history.status(JOB);
        assertEquals(slot(2), s.lastScheduleTime(), "the newest slot started");
        assertEquals(slot(1).plusMillis(300), s.lastSuccessfulTime(), "when the newest success ended");
        assertEquals("failed", s.lastOutcome());
        history.forget(JOB);
        assertEquals(JobStatuses.Status.NONE, history.status(JOB));
    }
}
