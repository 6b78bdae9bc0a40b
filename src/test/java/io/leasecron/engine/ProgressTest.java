package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress alone: slots planned, settled or left open by hand, and every report the gate receives. */
class ProgressTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final List<Instant> reports = new ArrayList<>();
    final Progress progress = new Progress(new LeaderGate() {
        @Override
        public Decision authorise(Instant slot) {
            return Decision.PENDING;
        }

        @Override
        public void dispatched(Instant through) {
            reports.add(through);
        }
    });

    static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void a_report_stops_before_the_earliest_outstanding_slot_whatever_order_slots_settle_in() {
        for (int s : new int[] {1, 2, 3, 1, 2, 3}) {
            progress.planned(t(s)); // two jobs, three slots each
        }
        progress.settled(t(1));
        progress.settled(t(2));
        progress.settled(t(3));
        progress.passEnded(t(3));
        assertEquals(List.of(), reports, "the second job's slot at 1 s is still outstanding");
        progress.settled(t(1));
        assertEquals(List.of(t(1)), reports);
        progress.settled(t(3));
        assertEquals(List.of(t(1)), reports, "2 s is still outstanding");
        progress.settled(t(2));
        assertEquals(List.of(t(1), t(3)), reports);
    }

    @Test
    void nothing_after_the_last_pass_is_reported_since_later_slots_may_not_be_planned_yet() {
        progress.planned(t(1));
        progress.planned(t(5));
        progress.settled(t(1));
        progress.settled(t(5)); // a slot settled on another thread while a pass at 5 s still runs
        progress.passEnded(t(4));
        assertEquals(List.of(t(1)), reports);
        progress.passEnded(t(5));
        assertEquals(List.of(t(1), t(5)), reports);
    }

    @Test
    void an_open_slot_holds_its_terms_reports_back_but_not_a_later_terms() {
        progress.fired(7);
        for (int s = 1; s <= 3; s++) {
            progress.planned(t(s));
        }
        progress.settled(t(1));
        progress.open(7, t(2)); // let fire in term 7, then not started: a successor must see it as open
        progress.settled(t(3));
        progress.passEnded(t(3));
        assertEquals(List.of(t(1)), reports);
        progress.fired(8);
        progress.planned(t(4));
        progress.settled(t(4));
        progress.passEnded(t(4));
        assertEquals(List.of(t(1), t(3), t(4)), reports, "term 8's recovery deals with 2 s");
    }

    @Test
    void nothing_is_reported_while_a_takeovers_recovery_waits_to_be_applied() {
        progress.planned(t(1));
        progress.settled(t(1));
        Object takeover = new Object();
        progress.hold(takeover);
        progress.passEnded(t(1));
        assertEquals(List.of(), reports);
        progress.applied(new Object());
        assertEquals(List.of(), reports, "another takeover's recovery");
        progress.applied(takeover);
        assertEquals(List.of(t(1)), reports);
    }
}
