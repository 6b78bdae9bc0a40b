package io.leasecron.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chaos harness's own expectations: which slots a job owes, and which fires contradict it. */
class JobTrackTest {
    static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    static Instant at(double seconds) {
        return T.plusMillis((long) (seconds * 1000));
    }

    @Test
    void a_job_owes_every_slot_of_its_grid_from_the_start_through_the_end() {
        JobTrack t = new JobTrack("a/b", ChaosJob.every("b", 2));
        t.begin(at(1));
        assertEquals(List.of(at(2), at(4), at(6)), t.expected(at(6)));
        assertTrue(t.unexpected(at(3), at(6)), "an odd second is off a 2 s grid");
        assertFalse(t.unexpected(at(4), at(6)));
        assertFalse(t.unexpected(at(0), at(6)), "before the start nothing is judged");
        assertFalse(t.unexpected(at(7), at(6)), "after the end nothing is judged");
        assertTrue(t.unexpected(at(4.5), at(6)), "a slot off whole seconds is never on the grid");
    }

    @Test
    void an_edit_is_not_judged_for_a_second_then_the_new_period_holds() {
        JobTrack t = new JobTrack("a/b", ChaosJob.every("b", 1));
        t.begin(at(0));
        t.change(at(5.5), 2);
        assertEquals(List.of(at(0), at(1), at(2), at(3), at(4), at(5), at(8), at(10)), t.expected(at(10)));
        assertFalse(t.unexpected(at(6), at(10)), "settling: either schedule may fire");
        assertTrue(t.unexpected(at(7), at(10)), "settled at 6.5 s: the old 1 s grid is off the new one");
    }

    @Test
    void a_deleted_job_owes_nothing_and_may_fire_nothing_once_settled() {
        JobTrack t = new JobTrack("a/b", ChaosJob.every("b", 1));
        t.begin(at(0));
        t.change(at(3.2), 0);
        assertEquals(List.of(at(0), at(1), at(2), at(3)), t.expected(at(10)));
        assertFalse(t.unexpected(at(4), at(10)), "inside the settling second");
        assertTrue(t.unexpected(at(5), at(10)));
    }

    @Test
    void a_job_added_during_the_window_is_owed_from_a_second_after_it_was_added() {
        JobTrack t = new JobTrack("a/b", ChaosJob.every("b", 1));
        t.change(at(2.5), 1);
        t.begin(at(0));
        assertEquals(List.of(at(4), at(5)), t.expected(at(5)));
        assertFalse(t.unexpected(at(3), at(5)));
    }

    @Test
    void slots_due_in_a_pause_are_excused_edges_included_and_the_rest_still_owed() {
        JobTrack t = new JobTrack("a/b", ChaosJob.every("b", 1));
        t.begin(at(0));
        t.pause(at(2), at(4.5));
        assertEquals(List.of(at(0), at(1), at(5), at(6)), t.expected(at(6)));
        assertEquals(List.of(at(2), at(3), at(4)), t.excusedByPause(at(6)));
        assertFalse(t.unexpected(at(3), at(6)), "a paused slot that fires anyway is on the grid");
    }
}
