package io.leasecron.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The failover gap the peers benchmark reports: the longest time without a fire from a fault until the next one. */
class PeersBenchmarkTest {
    static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    static Instant at(double seconds) {
        return T.plusMillis((long) (seconds * 1000));
    }

    @Test
    void the_gap_is_counted_from_the_last_fire_before_the_fault() {
        List<Instant> fires = List.of(at(0), at(1), at(2), at(6.5), at(7.5));
        assertEquals(Duration.ofMillis(4500), PeersBenchmark.longestGap(fires, at(2.3), at(10)));
    }

    @Test
    void a_gap_still_open_at_the_next_fault_counts_up_to_it() {
        List<Instant> fires = List.of(at(0), at(1), at(9));
        assertEquals(Duration.ofSeconds(4), PeersBenchmark.longestGap(fires, at(1.5), at(5)));
    }

    @Test
    void fires_on_time_leave_a_gap_of_one_period() {
        List<Instant> fires = List.of(at(0), at(1), at(2), at(3), at(4));
        assertEquals(Duration.ofSeconds(1), PeersBenchmark.longestGap(fires, at(1.5), at(4)));
    }
}
