package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.SlotPlanner.Planned;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner alone: plain inputs, plain answers, no engine, no clock. */
class SlotPlannerTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final SlotPlanner planner = new SlotPlanner(EngineSettings.DEFAULTS);

    static Instant t(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    static Occurrence first(JobSpec spec) {
        return spec.schedule().next(T0).orElseThrow();
    }

    static List<Instant> times(List<Planned> planned) {
        return planned.stream().map(p -> p.slot().time()).toList();
    }

    static List<String> decisions(List<Planned> planned) {
        return planned.stream().map(p -> p.fire() ? "fire" : p.reason().label()).toList();
    }

    @Test
    void a_timer_taken_late_yields_every_slot_due_since_and_the_next_one() {
        JobSpec spec = Jobs.every("a/min", "@every 1m");
        SlotPlanner.Backlog b = planner.backlog(spec, first(spec), t("PT3M30S"));
        assertEquals(List.of(t("PT1M"), t("PT2M"), t("PT3M")), b.slots().stream().map(Occurrence::time).toList());
        assertEquals(t("PT4M"), b.next().orElseThrow().time());
        assertFalse(b.beyondCap());
        assertEquals(t("PT3M"), b.cursor(t("PT3M30S")));
    }

    @Test
    void a_backlog_beyond_the_cap_is_cut_and_the_cursor_jumps_to_now() {
        SlotPlanner small = new SlotPlanner(new EngineSettings(Duration.ofSeconds(5), 2, Duration.ZERO, 0,
                EngineSettings.LimitMode.Wait));
        JobSpec spec = Jobs.every("a/sec", "@every 1s");
        SlotPlanner.Backlog b = small.backlog(spec, spec.schedule().next(T0).orElseThrow(), t("PT10.5S"));
        assertEquals(List.of(t("PT1S"), t("PT2S")), b.slots().stream().map(Occurrence::time).toList());
        assertTrue(b.beyondCap());
        assertEquals(t("PT11S"), b.next().orElseThrow().time());
        assertEquals(t("PT10.5S"), b.cursor(t("PT10.5S")));
    }

    @Test
    void catch_up_policies_pick_the_slots_that_fire() {
        List<Occurrence> due = Jobs.every("a/min", "@every 1m").schedule().next(T0, 3);
        Instant now = t("PT3M2S");
        assertEquals(List.of("missed", "missed", "fire"), decisions(planner.plan(Jobs.every("a/l", "@every 1m"), due, now)));
        assertEquals(List.of("fire", "fire", "fire"), decisions(planner.plan(
                Jobs.every("a/a", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 600"), due, now)));
        assertEquals(List.of("deadline_exceeded", "fire", "fire"), decisions(planner.plan(
                Jobs.every("a/a", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 90"), due, now)));
        assertEquals(List.of("missed", "missed", "fire"), decisions(planner.plan(
                Jobs.every("a/n", "@every 1m", "catchUp: None"), due, now)));
        assertEquals(List.of("missed", "missed", "missed"), decisions(planner.plan(
                Jobs.every("a/n", "@every 1m", "catchUp: None"), due, t("PT3M6S"))), "past the missed threshold");
    }

    @Test
    void a_recovery_splits_the_predecessors_claim_from_the_slots_nobody_handled() {
        JobSpec spec = Jobs.every("a/min", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 3600");
        SlotPlanner.Recovered r = planner.recover(spec, t("PT1M"), t("PT3M"), t("PT5M"), t("PT5M30S"));
        assertEquals(List.of(t("PT2M"), t("PT3M")), r.uncertain().stream().map(Occurrence::time).toList());
        assertEquals(List.of(t("PT4M"), t("PT5M")), times(r.caughtUp()));
        assertEquals(List.of("fire", "fire"), decisions(r.caughtUp()));
        assertTrue(r.missed().isEmpty());
    }

    @Test
    void a_recovery_under_catch_up_latest_summarises_what_it_does_not_fire() {
        JobSpec spec = Jobs.every("a/min", "@every 1m");
        SlotPlanner.Recovered r = planner.recover(spec, t("PT1M"), t("PT1M"), t("PT10M"), t("PT10M30S"));
        assertEquals(List.of(), r.uncertain());
        assertEquals(List.of(t("PT10M")), times(r.caughtUp()));
        assertEquals(t("PT2M"), r.missed().orElseThrow().slot());
        assertEquals("slots from " + t("PT2M") + " to " + t("PT10M").minusMillis(1) + " were missed while no replica was "
                + "leader; catchUp Latest does not fire them", r.missed().orElseThrow().detail());
    }

    @Test
    void a_recovery_plans_nothing_beyond_what_this_engine_passed_without_a_lease() {
        JobSpec spec = Jobs.every("a/min", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 3600");
        SlotPlanner.Recovered r = planner.recover(spec, t("PT1M"), t("PT3M"), t("PT2M"), t("PT5M30S"));
        assertEquals(List.of(t("PT2M")), r.uncertain().stream().map(Occurrence::time).toList());
        assertEquals(List.of(), r.caughtUp());
    }
}
