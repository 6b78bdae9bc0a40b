package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TimeZone;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.quartz.CronExpression;

/**
 * Could cron-utils' Quartz definition replace the hand-written Quartz parser? Only if it reproduced every Quartz
 * parity vector; it does not (docs/architecture.md, "Why the Quartz dialect is not parsed by cron-utils"). This
 * measures how far it gets on the vectors of {@link QuartzParityTest}, and pins cron-utils' present answers on
 * the cases that decide it: they are wrong, and asserted exactly so that a cron-utils upgrade that fixes one
 * fails here and the decision is looked at again.
 */
class CronUtilsQuartzParityTest {
    static final CronParser CRON_UTILS = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(com.cronutils.model.CronType.QUARTZ));

    /** cron-utils' next run after {@code after}, or what it says instead: "none", "refused: ..." or "throws: ...". */
    static String cronUtils(String expression, String zone, Instant after) {
        ExecutionTime time;
        try {
            time = ExecutionTime.forCron(CRON_UTILS.parse(expression));
        } catch (IllegalArgumentException e) {
            return "refused: " + e.getMessage();
        }
        return cronUtils(time, zone, after);
    }

    static String cronUtils(ExecutionTime time, String zone, Instant after) {
        try {
            Optional<ZonedDateTime> next = time.nextExecution(after.atZone(ZoneId.of(zone)));
            return next.map(t -> t.toInstant().toString()).orElse("none");
        } catch (RuntimeException e) {
            return "throws: " + e.getMessage();
        }
    }

    /**
     * cron-utils 9.2.1's answers where they differ from Quartz 2.5.2 and leasecron (which agree on each of these).
     * Columns: expression, zone, after, Quartz's and leasecron's answer, cron-utils' answer.
     */
    static Stream<Arguments> disagreements() {
        return Stream.of(
                // A list of L items: no run at all.
                Arguments.of("0 0 0 L,L-2,L-4 * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-27T00:00:00Z", "none"),
                // L in a list with a day: the L is dropped.
                Arguments.of("0 0 0 1,L * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z"),
                // L-nW is refused.
                Arguments.of("0 0 0 L-5W * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-26T00:00:00Z",
                        "refused: Failed to parse cron expression. Invalid chars in expression! Expression: 5W Invalid chars: "),
                // 31W in February: an exception instead of a skipped month.
                Arguments.of("0 0 0 31W * ?", "UTC", "2026-01-30T00:00:00Z", "2026-03-31T00:00:00Z", "throws: Invalid date 'FEBRUARY 31'"),
                // An hour range past midnight does not wrap: 22-2 is 22 only.
                Arguments.of("0 0 22-2 * * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T22:00:00Z"),
                // A step after a range larger than the field: Quartz accepts it, cron-utils refuses.
                Arguments.of("0 0-59/120 * * * ?", "UTC", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z",
                        "refused: Failed to parse cron expression. Period 120 not in range [0, 59]"),
                // Years: Quartz documents 1970-2199, cron-utils stops at 2099.
                Arguments.of("0 0 0 1 1 ? 2028,2150", "UTC", "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z",
                        "refused: Failed to parse cron expression. Value 2150 not in range [1970, 2099]"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("disagreements")
    void cron_utils_still_gets_these_quartz_vectors_wrong(String expression, String zone, String after, String quartzAndOurs,
            String cronUtils) throws Exception {
        Instant from = Instant.parse(after);
        CronExpression quartz = new CronExpression(expression);
        quartz.setTimeZone(TimeZone.getTimeZone(zone));
        assertEquals(quartzAndOurs, quartz.getNextValidTimeAfter(Date.from(from)).toInstant().toString());
        Schedule ours = Schedules.parse(expression, CronType.QUARTZ, ZoneId.of(zone), DstPolicy.RUN_ONCE, null);
        assertEquals(quartzAndOurs, ours.next(from).orElseThrow().time().toString());
        assertEquals(cronUtils, cronUtils(expression, zone, from));
    }

    /**
     * A repeated hour (New York, 2026-11-01, 01:00-02:00 twice): cron-utils runs 01:30 once, in the first pass;
     * Quartz once, in the second; leasecron's RunOnce once, in the first, CronJob in both. cron-utils follows
     * neither policy: in the skipped hour of 2026-03-08 it drops 02:30 (CronJob), where RunOnce runs it at 03:00.
     */
    @Test
    void on_clock_change_days_cron_utils_follows_neither_policy() throws Exception {
        String zone = "America/New_York";
        Instant fallBack = Instant.parse("2026-11-01T00:00:00Z");
        assertEquals("2026-11-01T05:30:00Z", cronUtils("0 30 1 * * ?", zone, fallBack));
        CronExpression quartz = new CronExpression("0 30 1 * * ?");
        quartz.setTimeZone(TimeZone.getTimeZone(zone));
        assertEquals("2026-11-01T06:30:00Z", quartz.getNextValidTimeAfter(Date.from(fallBack)).toInstant().toString());
        assertEquals("2026-11-02T06:30:00Z", cronUtils("0 30 1 * * ?", zone, Instant.parse("2026-11-01T05:30:00Z")));
        Schedule cronJob = Schedules.parse("0 30 1 * * ?", CronType.QUARTZ, ZoneId.of(zone), DstPolicy.CRON_JOB, null);
        assertEquals(List.of(Instant.parse("2026-11-01T05:30:00Z"), Instant.parse("2026-11-01T06:30:00Z")),
                cronJob.next(fallBack, 2).stream().map(Occurrence::time).toList());
        Instant springForward = Instant.parse("2026-03-07T12:00:00Z");
        assertEquals("2026-03-09T06:30:00Z", cronUtils("0 30 2 * * ?", zone, springForward));
        Schedule runOnce = Schedules.parse("0 30 2 * * ?", CronType.QUARTZ, ZoneId.of(zone), DstPolicy.RUN_ONCE, null);
        assertEquals(Instant.parse("2026-03-08T07:00:00Z"), runOnce.next(springForward).orElseThrow().time());
    }

    /**
     * The measurement behind the decision, on the vectors of {@link QuartzParityTest}: per expression, does
     * cron-utils give every run Quartz gives (or leasecron, where Quartz's own bugs explain a difference)?
     * Numbers asserted exactly, so that they stay the ones docs/architecture.md quotes.
     */
    @Test
    void cron_utils_reproduces_only_part_of_the_quartz_vectors() throws Exception {
        int[] handPicked = tally(List.of(QuartzParityTest.SPECIAL), 40, null);
        Random r = new Random(20261201);
        List<String> random = new ArrayList<>();
        List<Instant> starts = new ArrayList<>();
        for (int i = 0; i < 1000; i++) { // the first 1,000 of QuartzParityTest's 3,000: cron-utils is slow
            String e = String.join(" ", QuartzParityTest.field(r, 0, 59, null), QuartzParityTest.field(r, 0, 59, null),
                    QuartzParityTest.field(r, 0, 23, null), QuartzParityTest.days(r), QuartzParityTest.field(r, 1, 12, QuartzParityTest.MONTHS));
            String[] p = e.split(" ");
            random.add(String.join(" ", p[0], p[1], p[2], p[3], p[6], p[5]));
            starts.add(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(r.nextInt(4 * 365 * 86_400)));
        }
        int[] randomTally = tally(random, 12, starts);
        // Hand-picked: 31 of 47 the same; the 16 others all wrap a range or use L/W lists, except 0 0-59/120 * * * ?.
        assertEquals(List.of(31, 5, 11, 47, 1), List.of(handPicked[0], handPicked[1], handPicked[2], handPicked[3], handPicked[4]));
        // Random: 275 of 816 the same; every one of the 541 others wraps a range or uses L, W or #.
        assertEquals(List.of(275, 129, 412, 816, 0), List.of(randomTally[0], randomTally[1], randomTally[2], randomTally[3], randomTally[4]));
    }

    /** Whether a range wraps ({@code 22-2}, {@code AUG-FEB}) or a day field uses L, W or #. */
    static boolean wrapsOrUsesLW(String e) {
        String[] p = e.split(" ");
        String n = e;
        for (int i = 0; i < 12; i++) {
            n = n.replace(QuartzParityTest.MONTHS[i], Integer.toString(i + 1));
        }
        for (int i = 0; i < 7; i++) {
            n = n.replace(QuartzParityTest.DAYS[i], Integer.toString(i + 1));
        }
        boolean wrap = java.util.regex.Pattern.compile("(\\d+)-(\\d+)").matcher(n).results()
                .anyMatch(m -> Integer.parseInt(m.group(1)) > Integer.parseInt(m.group(2)) && !m.group(0).startsWith("L"));
        boolean lw = (p[3] + p[5]).toUpperCase().matches(".*[LW#].*");
        return wrap || lw;
    }

    /**
     * [same, refused by cron-utils, different or throwing, compared, not the same although no range wraps and no
     * day field uses L, W or #]; only expressions Quartz accepts count.
     */
    private static int[] tally(List<String> expressions, int count, List<Instant> starts) throws Exception {
        int[] out = new int[5];
        for (int i = 0; i < expressions.size(); i++) {
            String e = expressions.get(i);
            if (!CronExpression.isValidExpression(e)) {
                continue;
            }
            String zone = QuartzParityTest.ZONES[i % QuartzParityTest.ZONES.length];
            Instant t = starts == null ? Instant.parse("2026-01-01T00:00:00Z") : starts.get(i);
            out[3]++;
            String verdict = "same";
            CronExpression quartz = new CronExpression(e);
            quartz.setTimeZone(TimeZone.getTimeZone(zone));
            Schedule ours = Schedules.parse(e, CronType.QUARTZ, ZoneId.of(zone), DstPolicy.RUN_ONCE, null);
            ExecutionTime time;
            try {
                time = ExecutionTime.forCron(CRON_UTILS.parse(e));
            } catch (IllegalArgumentException refused) {
                time = null;
                verdict = "refused";
            }
            for (int n = 0; time != null && n < count; n++) {
                Date q = quartz.getNextValidTimeAfter(Date.from(t));
                String expected = q == null ? "none" : q.toInstant().toString();
                String leasecron = ours.next(t).map(o -> o.time().toString()).orElse("none");
                String actual = cronUtils(time, zone, t);
                if (!actual.equals(expected) && !actual.equals(leasecron)) {
                    verdict = "different";
                    break;
                }
                if (actual.equals("none")) {
                    break;
                }
                t = Instant.parse(actual);
            }
            if (!verdict.equals("same") && !wrapsOrUsesLW(e)) {
                out[4]++;
            }
            out[switch (verdict) {
                case "same" -> 0;
                case "refused" -> 1;
                default -> 2;
            }]++;
        }
        return out;
    }
}
