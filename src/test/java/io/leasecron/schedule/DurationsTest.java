package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void go_style_and_iso_durations_parse_to_the_millisecond() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
        assertEquals(Duration.ofDays(2), Durations.parse("2d"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1s500ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("PT2S"));
        assertEquals(Duration.ofSeconds(2), Durations.parse(" pt2s "));
    }

    @Test
    void bad_durations_say_what_is_accepted() {
        assertEquals("\"5x\" is not a duration; write e.g. 500ms, 30s, 5m, 1h30m or PT2S",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("5x")).getMessage());
        assertEquals("\"-5s\" is not a duration; write e.g. 500ms, 30s, 5m, 1h30m or PT2S",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("-5s")).getMessage());
        assertEquals("\"1.5ms\" has a fraction of a millisecond; the smallest unit is 1ms",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("1.5ms")).getMessage());
        assertEquals("\"PT-2S\" is negative; durations are zero or more",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("PT-2S")).getMessage());
        assertEquals("\"PTxS\" is not an ISO-8601 duration; write e.g. PT2S, PT5M or PT1H30M",
                assertThrows(IllegalArgumentException.class, () -> Durations.parse("PTxS")).getMessage());
    }

    @Test
    void format_is_the_short_form_that_parses_back() {
        for (String text : new String[] {"0s", "500ms", "2s", "1.5s", "5m", "1h30m", "1h5s", "36h", "1m0.25s"}) {
            assertEquals(Durations.parse(text), Durations.parse(Durations.format(Durations.parse(text))), text);
        }
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
        assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("1.5s", Durations.format(Duration.ofMillis(1500)));
        assertEquals("1h5s", Durations.format(Duration.ofSeconds(3605)));
    }
}
