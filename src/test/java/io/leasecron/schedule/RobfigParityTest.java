package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code dstPolicy: CronJob} against test vectors computed by robfig/cron v3, the library Kubernetes CronJob uses
 * ({@code test-tools/cron-vectors} generates them): thousands of schedules in twelve zones, started around every
 * 2026 clock change of each zone and at random points, each followed for 10-12 runs.
 *
 * <p>robfig steps through a day in whole absolute hours and midnights, which misbehaves in three of these zones
 * on clock-change days: Australia/Lord_Howe (a 30-minute shift), Pacific/Chatham (changes at 2:45) and
 * America/Havana (changes at midnight). There it skips a whole day, week or quarter, does not repeat a repeated
 * time, or fires on a day the expression excludes. leasecron follows the rule robfig intends, the wall clock as
 * it passes, so those vectors may differ, but only on a clock-change day; everywhere else they must be equal.
 */
class RobfigParityTest {
    static final JsonNode VECTORS = load();
    static final Set<String> ROBFIG_CLOCK_CHANGE_BUGS = Set.of("Australia/Lord_Howe", "Pacific/Chatham", "America/Havana");

    static JsonNode load() {
        try (InputStream in = RobfigParityTest.class.getResourceAsStream("/schedule/robfig-vectors.json")) {
            return new ObjectMapper().readTree(in);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the robfig vectors", e);
        }
    }

    @Test
    void cronjob_policy_gives_the_same_runs_as_kubernetes_cronjob() throws Exception {
        List<String> zones = new ArrayList<>();
        VECTORS.get("zones").forEach(z -> zones.add(z.asText()));
        List<String> mismatches = new ArrayList<>();
        List<String> robfigClockChangeBugs = new ArrayList<>();
        int runs = 0;
        for (JsonNode v : VECTORS.get("vectors")) {
            String expression = v.get(0).asText();
            ZoneId zone = ZoneId.of(zones.get(v.get(1).asInt()));
            Instant t = Instant.ofEpochSecond(v.get(2).asLong());
            Schedule s = Schedules.parse(expression, CronType.UNIX, zone, DstPolicy.CRON_JOB, null);
            for (JsonNode delta : v.get(3)) {
                Instant expected = t.plusSeconds(delta.asLong());
                Instant actual = s.next(t).map(Occurrence::time).orElse(null);
                runs++;
                if (!expected.equals(actual)) {
                    String m = "\"" + expression + "\" in " + zone + " after " + t + ": robfig " + expected + ", leasecron " + actual;
                    Instant later = actual != null && actual.isAfter(expected) ? actual : expected;
                    var change = zone.getRules().nextTransition(t);
                    boolean onClockChangeDay = change != null && change.getInstant().isBefore(later.plusSeconds(86_400));
                    (ROBFIG_CLOCK_CHANGE_BUGS.contains(zone.getId()) && onClockChangeDay ? robfigClockChangeBugs : mismatches).add(m);
                    break;
                }
                t = expected;
            }
        }
        assertTrue(runs > 54_000, "vectors replayed: " + runs);
        assertTrue(robfigClockChangeBugs.size() < 150, String.join("\n", robfigClockChangeBugs));
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())), mismatches.size() + " mismatches");
    }

    /** Kubernetes CronJob rejects these; so do we, except 7 for Sunday, which Vixie cron accepts. */
    @Test
    void what_kubernetes_cronjob_rejects_is_rejected() {
        Set<String> acceptedOnPurpose = Set.of("* * * * 7");
        for (JsonNode r : VECTORS.get("rejected")) {
            String expression = r.get("schedule").asText();
            if (acceptedOnPurpose.contains(expression) || expression.startsWith("@every")) {
                continue;
            }
            assertThrows(InvalidScheduleException.class,
                    () -> Schedules.parse(expression, CronType.UNIX, ZoneId.of("UTC"), DstPolicy.CRON_JOB, null),
                    () -> "accepted \"" + expression + "\", which robfig rejects with: " + r.get("error").asText());
        }
    }
}
