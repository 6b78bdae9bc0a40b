package io.leasecron.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The clock check with time injected: the "API server" answers with the Date its own clock shows (truncated to the
 * second, as a real one does), a fixed {@link #skew} behind or ahead of the replica's, 20 ms after the request
 * leaves and 20 ms before the answer arrives.
 */
class ClockCheckTest {
    static final Duration HALF_TRIP = Duration.ofMillis(20);
    final FakeClock clock = FakeClock.at("2026-12-01T10:00:00.300Z");
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<String> keys = new ArrayList<>();
    final List<String> messages = new ArrayList<>();
    Duration skew = Duration.ZERO;
    boolean answer = true;

    final ServerDate server = () -> {
        if (!answer) {
            throw new IOException("connection refused");
        }
        clock.advance(HALF_TRIP);
        Instant serverNow = clock.now().minus(skew);
        clock.advance(HALF_TRIP);
        return serverNow.truncatedTo(ChronoUnit.SECONDS);
    };
    final ClockCheck check = new ClockCheck(server, clock, Duration.ofSeconds(2), (message, key) -> {
        messages.add(message);
        keys.add(key);
    }).bindTo(registry);

    double gauge() {
        return registry.get("leasecron.clock.offset.seconds").gauge().value();
    }

    @Test
    void a_clock_5s_ahead_raises_the_gauge_and_is_reported_once_per_excursion() throws Exception {
        assertTrue(Double.isNaN(gauge()), "NaN before the first answer");
        clock.stepWall(Duration.ofSeconds(5)); // local 10:00:05.300, the server's 10:00:00.300
        skew = Duration.ofSeconds(5);

        ClockCheck.Sample s = check.check();
        // Sent 10:00:05.300, received .340; Date 10:00:00 (server time .320): offset in (4.300 s, 5.340 s].
        assertEquals(4_300_000_000L, s.lowNanos());
        assertEquals(5_340_000_000L, s.highNanos());
        assertEquals(4.82, gauge(), 1e-9);
        assertEquals(1, messages.size());
        assertTrue(messages.get(0).startsWith("this replica's clock is +4.8 s off the API server's (±0.5 s; bound 2000 ms): it fires"
                + " slots early"), messages.get(0));

        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMinutes(1));
            check.check();
        }
        assertEquals(1, messages.size(), "one Event per excursion, not one per check");
        assertTrue(gauge() > 4.5 && gauge() < 5.5, "gauge " + gauge());

        skew = Duration.ZERO;
        clock.stepWall(Duration.ofSeconds(-5));
        check.check();
        assertTrue(Math.abs(gauge()) < 0.6, "back within: " + gauge());
        assertEquals(1, messages.size());

        skew = Duration.ofSeconds(5);
        clock.stepWall(Duration.ofSeconds(5));
        clock.advance(Duration.ofMinutes(1));
        check.check();
        assertEquals(2, messages.size(), "a new excursion is a new Event");
        assertFalse(keys.get(0).equals(keys.get(1)), "with its own key: " + keys);
    }

    @Test
    void a_clock_behind_has_a_negative_offset_and_fires_late() throws Exception {
        clock.stepWall(Duration.ofSeconds(-5)); // local 09:59:55.300, the server's 10:00:00.300
        skew = Duration.ofSeconds(-5);
        check.check();
        assertEquals(-5.18, gauge(), 1e-9); // (-5.700 s, -4.660 s]
        assertEquals(1, messages.size());
        assertTrue(messages.get(0).contains("-5.2 s off") && messages.get(0).contains("fires slots late"), messages.get(0));
    }

    @Test
    void an_offset_the_one_second_date_cannot_tell_from_the_bound_is_not_reported() throws Exception {
        // 2.5 s ahead: the Date allows anything in (1.800 s, 2.840 s], which includes offsets within the bound.
        clock.stepWall(Duration.ofMillis(2500));
        skew = Duration.ofMillis(2500);
        check.check();
        assertEquals(2.32, gauge(), 1e-9);
        assertEquals(List.of(), messages);

        // 3.1 s ahead: (2.400 s, 3.440 s], wholly beyond 2 s.
        clock.stepWall(Duration.ofMillis(600));
        skew = Duration.ofMillis(3100);
        check.check();
        assertEquals(1, messages.size());
    }

    @Test
    void an_unanswered_check_leaves_the_gauge_as_it_was_and_throws() throws Exception {
        check.check();
        double before = gauge();
        answer = false;
        assertThrows(IOException.class, check::check);
        assertEquals(before, gauge());
        assertEquals(List.of(), messages);
    }
}
