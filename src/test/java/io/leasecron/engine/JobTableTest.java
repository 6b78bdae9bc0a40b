package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.job.JobId;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The job table alone, stepped by hand: registrations, generations and timers, no gate and no runs. */
class JobTableTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final JobTable table = new JobTable(new SlotPlanner(EngineSettings.DEFAULTS),
            new Progress(slot -> LeaderGate.Decision.PENDING), new AtomicLong());

    static Instant t(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    /** Every timer due at {@code now}, taken in order: "slot" or "slot:reason" per candidate. */
    List<String> takeAll(Instant now) {
        List<String> out = new ArrayList<>();
        for (List<Candidate> due = table.takeDue(now); due != null; due = table.takeDue(now)) {
            due.forEach(c -> out.add(c.spec.id() + "@" + c.slot + (c.skipReason == null ? "" : ":" + c.skipReason.label())));
        }
        return out;
    }

    @Test
    void a_timer_is_taken_only_once_it_is_due_and_is_set_again_to_the_next_slot() {
        assertEquals(List.of(), table.upsert(Jobs.every("a/min", "@every 1m"), T0));
        assertEquals(t("PT1M"), table.nextTime());
        assertNull(table.takeDue(t("PT59S")));
        assertEquals(List.of("a/min@" + t("PT1M")), takeAll(t("PT1M")));
        assertEquals(t("PT2M"), table.nextTime());
        assertEquals(t("PT2M"), table.status(JobId.parse("a/min")).orElseThrow().next().orElseThrow().time());
    }

    @Test
    void a_late_timer_yields_the_backlog_planned_by_catch_up() {
        table.upsert(Jobs.every("a/min", "@every 1m"), T0);
        assertEquals(List.of("a/min@" + t("PT1M") + ":missed", "a/min@" + t("PT2M") + ":missed", "a/min@" + t("PT3M")),
                takeAll(t("PT3M10S")));
        assertEquals(t("PT4M"), table.nextTime());
    }

    @Test
    void an_edit_that_keeps_the_slots_keeps_the_generation_and_one_of_the_schedule_voids_what_was_planned() {
        table.upsert(Jobs.every("a/min", "@every 1m"), T0);
        Candidate planned = table.takeDue(t("PT1M")).get(0);
        assertNull(table.upsert(Jobs.every("a/min", "@every 1m", "timeout: 10s"), t("PT1M1S")), "same slots: nothing new");
        assertFalse(planned.isVoid());
        assertEquals(List.of(), table.upsert(Jobs.every("a/min", "@every 30s"), t("PT1M2S")));
        assertTrue(planned.isVoid());
        assertEquals(t("PT1M30S"), table.nextTime(), "the new schedule counts from the edit");
        assertEquals(List.of("a/min@" + t("PT1M30S")), takeAll(t("PT1M30S")));
    }

    @Test
    void a_one_time_job_registered_after_its_run_at_is_due_at_once_and_has_no_timer() {
        List<Candidate> due = table.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}"),
                t("PT1H"));
        assertEquals(1, due.size());
        assertEquals(t("PT10M"), due.get(0).slot);
        assertNull(due.get(0).skipReason, "catchUp Latest fires it");
        assertNull(table.nextTime());
    }

    @Test
    void a_removed_job_has_no_status_and_its_planned_slots_are_void() {
        table.upsert(Jobs.every("a/min", "@every 1m"), T0);
        Candidate planned = table.takeDue(t("PT1M")).get(0);
        table.remove(JobId.parse("a/min"));
        assertTrue(planned.isVoid());
        assertTrue(table.status(JobId.parse("a/min")).isEmpty());
        assertEquals(List.of(), takeAll(t("PT2M")), "its timer is dropped when it comes due");
        assertEquals(0, table.size());
    }
}
