package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TimeZone;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.quartz.CronExpression;

/**
 * {@code cronType: quartz} against Quartz's own {@link CronExpression} (the version the pom pins, 2.5.2), run
 * in-process, in zones without clock changes (where daylight-saving policies cannot differ): hand-picked
 * expressions for every special character and every day-of-month list form, the tricky months, then thousands of
 * random expressions.
 *
 * <p>Quartz 2.5's search departs from its own rule in two ways, and leasecron follows the rule (a list fires on
 * the union of its items' days; a day that matches is not skipped because of where the search started). Every
 * difference must be one of these, checked with Quartz itself, or the test fails:
 * <ul>
 * <li>{@link QuartzBug#SKIPS_A_MATCH}: the run leasecron gives is one Quartz itself gives when its search starts
 * at the beginning of that month, yet searched from a later point {@code getNextValidTimeAfter} passes over it. Quartz picks the {@code W} day from the smallest raw day not
 * before the search's current day, so a search that starts after the 15th misses a 15W moved to the 16th; and it
 * moves to a {@code W} day keeping the search's time of day, so it skips that day's earlier runs.</li>
 * <li>{@link QuartzBug#DROPS_A_LIST_ITEM}: one item of the day-of-month list, alone, fires at that time, the list
 * does not. Quartz compares a plain day with an {@code L-n} day as if every month had 31 days, so in February
 * {@code L-2,27} fires on the 27th only, never on the 26th ({@code L-2} alone fires on the 26th); and a {@code W}
 * item whose day has passed hides the list's other {@code W} items ({@code 31W,30W,29W}).</li>
 * </ul>
 */
class QuartzParityTest {
    static final String[] ZONES = {"UTC", "Asia/Kolkata", "Asia/Tokyo"};

    static final String[] SPECIAL = {
        "0 0 12 * * ?", "0 15 10 ? * *", "0 * 14 * * ?", "0 0/5 14,18 * * ?", "0 0-5 14 * * ?", "0 10,44 14 ? 3 WED",
        "0 15 10 ? * MON-FRI", "0 15 10 15 * ?", "0 15 10 L * ?", "0 15 10 L-2 * ?", "0 15 10 ? * 6L", "0 15 10 ? * 6#3",
        "0 0 12 1/5 * ?", "0 11 11 11 11 ?", "0 0 0 LW * ?", "0 0 0 15W * ?", "0 0 0 1W * ?", "0 0 0 ? * L",
        "0 0 22-2 * * ?", "0 0 9 ? * FRI-MON", "0 0 0 ? * 2#5", "0 0 0 29 2 ? 2028-2040/4", "*/20 */7 * ? * *",
        "0 0 12 ? JAN,JUL 1", "0 30 23 L * ? *", "15 3/20 8-17 ? * 2-6",
        // Day-of-month lists (Quartz 2.5).
        "0 0 0 L,L-2,L-4 * ?", "0 0 0 L-5W * ?", "0 0 0 1,L * ?", "0 0 0 2W,16 * ?", "0 0 6 LW,15 * ?",
        "0 30 9 1W,15W * ?", "0 0 0 L,LW * ?", "0 0 0 LW,L-1W * ?", "0 0 0 1-5,L * ?", "0 0 0 */5,L * ?",
        "0 0 0 1,L,15W,L-3W * ?", "0 0 0 L-30,L-30W * ?", "0 0 0 31W,30W,29W * ?", "0 0 0 l-05,lw * ?",
        "0/59 0 0 * * ?", "0 0/59 0/23 * * ?", "0 0 0 1/31 * ?", "0 0 0 1 1/12 ?", "0 0 0 ? * 1/7", "0 0-59/120 * * * ?",
        "0 0 0 1 1 ? 2099",
    };

    /** How Quartz 2.5.2 departs from its own rule; see the class comment. */
    enum QuartzBug { SKIPS_A_MATCH, DROPS_A_LIST_ITEM }

    @Test
    void hand_picked_expressions_match_quartz() throws Exception {
        Comparison c = new Comparison();
        for (String zone : ZONES) {
            for (String e : SPECIAL) {
                assertTrue(c.compare(e, zone, Instant.parse("2026-01-01T00:00:00Z"), 40), e);
                c.compare(e, zone, Instant.parse("2027-12-30T13:14:15Z"), 40);
            }
        }
        assertEquals(List.of(), c.unexplained);
        // Three expressions, in every zone and from both starts: 1,L,15W,L-3W and 31W,30W,29W drop an item,
        // L-30,L-30W skips a match (all in quartzBugs below).
        assertEquals(Map.of(QuartzBug.DROPS_A_LIST_ITEM, 12, QuartzBug.SKIPS_A_MATCH, 6), c.explained, String.join("\n", c.explainedCases));
    }

    /**
     * Months where the L, W and offset rules differ from a plain day: February in a leap year (2028) and not
     * (2026, 2027), 30-day months, {@code L-n} reaching before the 1st, {@code nW} on a weekend at either edge of
     * the month. The dates are the rule worked by hand; Quartz gives the same, run after run from January.
     */
    static Stream<Arguments> trickyMonths() {
        return Stream.of(
                // February 2026 has 28 days, 2028 29: L, L-2, LW (2026-02-28 is a Saturday, 2028-02-29 a Tuesday).
                Arguments.of("0 0 0 L,L-2 2 ?", "2026-01-01", List.of("2026-02-26", "2026-02-28", "2027-02-26", "2027-02-28", "2028-02-27", "2028-02-29")),
                Arguments.of("0 0 0 LW 2 ?", "2026-01-01", List.of("2026-02-27", "2027-02-26", "2028-02-29", "2029-02-28")),
                // L-29 is the 2nd of a 31-day month, the 1st of a 30-day month, in February none (nor L-30W).
                Arguments.of("0 0 0 L-29 * ?", "2026-01-01", List.of("2026-01-02", "2026-03-02", "2026-04-01", "2026-05-02", "2026-06-01")),
                Arguments.of("0 0 0 L-30W * ?", "2026-01-01", List.of("2026-01-01", "2026-03-02", "2026-05-01", "2026-07-01", "2026-08-03")),
                // 1W: 2026-08-01 is a Saturday -> Monday the 3rd (not back into July). 31W: 2026-05-31 is a Sunday ->
                // Friday the 29th (not on into June); no 31st in April or June -> no run.
                Arguments.of("0 0 0 1W 8 ?", "2026-01-01", List.of("2026-08-03", "2027-08-02", "2028-08-01")),
                Arguments.of("0 0 0 31W * ?", "2026-03-01", List.of("2026-03-31", "2026-05-29", "2026-07-31", "2026-08-31", "2026-10-30")),
                // 2W,16 in February 2026: the 2nd is a Monday; 2026-05-02 is a Saturday -> Friday the 1st.
                Arguments.of("0 0 0 2W,16 2,5 ?", "2026-01-01", List.of("2026-02-02", "2026-02-16", "2026-05-01", "2026-05-16")),
                // L-5W: 2026-01-26 is a Monday; in February 2026 L-5 is the 23rd, a Monday; in 2027 the 23rd, a Tuesday.
                Arguments.of("0 0 0 L-5W 1,2 ?", "2026-01-01", List.of("2026-01-26", "2026-02-23", "2027-01-26", "2027-02-23")),
                // 1,L in 30-day months and a leap February.
                Arguments.of("0 0 0 1,L 4,2 ? 2028", "2026-01-01", List.of("2028-02-01", "2028-02-29", "2028-04-01", "2028-04-30")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("trickyMonths")
    void tricky_months_follow_the_rule_and_match_quartz(String expression, String from, List<String> days) throws Exception {
        Schedule ours = Schedules.parse(expression, CronType.QUARTZ, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null);
        Instant start = Instant.parse(from + "T00:00:00Z").minusSeconds(1);
        assertEquals(days, ours.next(start, days.size()).stream().map(o -> o.time().toString().substring(0, 10)).toList());
        Comparison c = new Comparison();
        assertTrue(c.compare(expression, "UTC", start, days.size()));
        assertEquals(List.of(), c.unexplained);
        assertEquals(0, c.explained.get(QuartzBug.SKIPS_A_MATCH) + c.explained.get(QuartzBug.DROPS_A_LIST_ITEM));
    }

    /** Each Quartz bug once, with both answers exactly: a Quartz release that fixes one fails here and is noticed. */
    static Stream<Arguments> quartzBugs() {
        return Stream.of(
                // February 2026: L-2 is the 26th. Quartz never fires it when 27 is in the list.
                Arguments.of("0 0 0 L-2,27 2 ?", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00Z", "2026-02-26T00:00:00Z", QuartzBug.DROPS_A_LIST_ITEM),
                // 2026-03-15 is a Sunday, so 15W is Monday the 16th; searched from the 16th, Quartz skips to April.
                Arguments.of("0 0 12 15W * ?", "2026-03-16T06:00:00Z", "2026-04-15T12:00:00Z", "2026-03-16T12:00:00Z", QuartzBug.SKIPS_A_MATCH),
                // 2028-08-31 is a Thursday (LW); Quartz keeps the search's time of day, 22:10, and skips 00:00-22:09.
                Arguments.of("4 * * LW * ?", "2028-08-15T22:09:19Z", "2028-08-31T22:10:04Z", "2028-08-31T00:00:04Z", QuartzBug.SKIPS_A_MATCH),
                // 2026-03-01 is a Sunday: L-30 fires on it, L-30W on Monday the 2nd, which Quartz skips (to May).
                Arguments.of("0 0 0 L-30,L-30W * ?", "2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z", "2026-03-02T00:00:00Z", QuartzBug.SKIPS_A_MATCH),
                // August 2026: 15W is Friday the 14th, L-3W Friday the 28th; the raw 15 hides L-3W and Quartz goes to L.
                Arguments.of("0 0 0 1,L,15W,L-3W * ?", "2026-08-14T00:00:00Z", "2026-08-31T00:00:00Z", "2026-08-28T00:00:00Z", QuartzBug.DROPS_A_LIST_ITEM),
                // August 2026: 29W is Friday the 28th, 30W and 31W Monday the 31st; after the 28th Quartz goes to September.
                Arguments.of("0 0 0 31W,30W,29W * ?", "2026-08-28T00:00:00Z", "2026-09-29T00:00:00Z", "2026-08-31T00:00:00Z", QuartzBug.DROPS_A_LIST_ITEM));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("quartzBugs")
    void where_quartz_breaks_its_own_rule_leasecron_follows_the_rule(String expression, String after, String quartzAnswer,
            String leasecronAnswer, QuartzBug bug) throws Exception {
        CronExpression quartz = new CronExpression(expression);
        quartz.setTimeZone(TimeZone.getTimeZone("UTC"));
        Instant from = Instant.parse(after);
        assertEquals(Instant.parse(quartzAnswer), quartz.getNextValidTimeAfter(Date.from(from)).toInstant());
        Schedule ours = Schedules.parse(expression, CronType.QUARTZ, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null);
        assertEquals(Instant.parse(leasecronAnswer), ours.next(from).orElseThrow().time());
        assertEquals(bug, Comparison.classify(expression, quartz.getTimeZone(), from, Instant.parse(leasecronAnswer)));
    }

    @Test
    void random_expressions_match_quartz() throws Exception {
        Random r = new Random(20261201);
        Comparison c = new Comparison();
        int compared = 0;
        for (int i = 0; i < 3000; i++) {
            String e = String.join(" ", field(r, 0, 59, null), field(r, 0, 59, null), field(r, 0, 23, null), days(r),
                    field(r, 1, 12, MONTHS));
            Instant from = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(r.nextInt(4 * 365 * 86_400));
            compared += c.compare(e, ZONES[i % ZONES.length], from, 12) ? 1 : 0;
        }
        assertTrue(compared > 1500, "expressions Quartz accepts: " + compared);
        assertEquals(List.of(), c.unexplained.subList(0, Math.min(20, c.unexplained.size())), c.unexplained.size() + " unexplained");
        // Measured with seed 20261201 and Quartz 2.5.2 (docs/schedules.md): what Quartz gets wrong, by kind.
        assertEquals(Map.of(QuartzBug.SKIPS_A_MATCH, 177, QuartzBug.DROPS_A_LIST_ITEM, 9), c.explained, compared + " compared");
    }

    @Test
    void a_run_past_the_search_horizon_or_after_the_last_year_is_explained_not_just_missing() throws Exception {
        Instant from = Instant.parse("2026-12-08T00:00:00Z");
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        // 2099 is within the 100-year horizon: found, in a zone with clock changes too, as Quartz finds it.
        Schedule y2099 = Schedules.parse("0 0 0 1 1 ? 2099", CronType.QUARTZ, berlin, DstPolicy.RUN_ONCE, null);
        assertEquals(Instant.parse("2098-12-31T23:00:00Z"), y2099.next(from).orElseThrow().time());
        assertEquals(Instant.parse("2098-12-31T23:00:00Z"),
                Comparison.quartz("0 0 0 1 1 ? 2099", TimeZone.getTimeZone(berlin)).getNextValidTimeAfter(Date.from(from)).toInstant());
        assertEquals(java.util.Optional.empty(), y2099.whyNoRunAfter(from));
        assertEquals(java.util.Optional.of("no run after 2098-12-31T23:00:00Z: the last year the year field allows is 2099"),
                y2099.whyNoRunAfter(Instant.parse("2098-12-31T23:00:00Z")));
        // 2150 is past it (Quartz gives none either: it stops at its current year + 100).
        Schedule y2150 = Schedules.parse("0 0 0 29 2 ? 2028,2150", CronType.QUARTZ, berlin, DstPolicy.RUN_ONCE, null);
        Instant leapDay = Instant.parse("2028-02-28T23:00:00Z");
        assertEquals(leapDay, y2150.next(from).orElseThrow().time());
        assertEquals(java.util.Optional.empty(), y2150.next(leapDay));
        assertEquals(null, Comparison.quartz("0 0 0 29 2 ? 2028,2150", TimeZone.getTimeZone(berlin)).getNextValidTimeAfter(Date.from(leapDay)));
        assertEquals(java.util.Optional.of("no run within the search horizon of 100 years after 2028-02-28T23:00:00Z"
                + " (until 2128-02-28T23:00:00Z): the year field's next year is 2150"), y2150.whyNoRunAfter(leapDay));
        // A year field that has passed.
        Schedule y2020 = Schedules.parse("0 0 0 1 1 ? 2019-2020", CronType.QUARTZ, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null);
        assertEquals(java.util.Optional.of("no run after 2026-12-08T00:00:00Z: the last year the year field allows is 2020"),
                y2020.whyNoRunAfter(from));
        assertEquals(java.util.Optional.of("runAt 2026-01-01T00:00:00Z is not after 2026-12-08T00:00:00Z; it runs only once"),
                Schedules.once(Instant.parse("2026-01-01T00:00:00Z"), ZoneId.of("UTC")).whyNoRunAfter(from));
    }

    /** What Quartz 2.5.2 refuses, leasecron refuses, with the field, its range and what to write instead. */
    static Stream<Arguments> stepsQuartzRefuses() {
        return Stream.of(
                Arguments.of("0 0/120 * * * ?", "minute step 120 in \"0/120\" is larger than Quartz allows: minute runs 0-59, so steps after * or a single value go up to 59; to run less often, step the hour field instead, e.g. 0 0 0/2 * * ? for every two hours"),
                Arguments.of("0 0 0/120 * * ?", "hour step 120 in \"0/120\" is larger than Quartz allows: hour runs 0-23, so steps after * or a single value go up to 23; to run less often, step the day-of-month field instead, e.g. 0 0 0 1/3 * ? for every three days"),
                Arguments.of("*/60 * * * * ?", "second step 60 in \"*/60\" is larger than Quartz allows: second runs 0-59, so steps after * or a single value go up to 59; to run less often, step the minute field instead, e.g. 0 0/2 * * * ? for every two minutes"),
                Arguments.of("0 0 0/24 * * ?", "hour step 24 in \"0/24\" is larger than Quartz allows: hour runs 0-23, so steps after * or a single value go up to 23; to run less often, step the day-of-month field instead, e.g. 0 0 0 1/3 * ? for every three days"),
                Arguments.of("0 0 0 1/32 * ?", "day-of-month step 32 in \"1/32\" is larger than Quartz allows: day-of-month runs 1-31, so steps after * or a single value go up to 31; to run less often, step the month field instead, e.g. 0 0 0 1 1/2 ? for every two months"),
                Arguments.of("0 0 0 1 1/13 ?", "month step 13 in \"1/13\" is larger than Quartz allows: month runs 1-12, so steps after * or a single value go up to 12; to run less often, step the year field instead, e.g. 0 0 0 1 1 ? 2027/2 for every two years"),
                Arguments.of("0 0 0 ? * 1/8", "day-of-week step 8 in \"1/8\" is larger than Quartz allows: day-of-week runs 1-7, so steps after * or a single value go up to 7; to run less often, use d#k for one weekday a month (2#1: the first Monday) or list the days"),
                Arguments.of("0 0 0 L-31 * ?", "day-of-month \"L-31\": L-31 counts back 31 days from the last day; the offset is 0-30"),
                Arguments.of("0 0 0 32W * ?", "day-of-month 32 is out of range 1-31"),
                Arguments.of("0 0 0 1/5W * ?", "day-of-month \"1/5W\": W follows a single day (15W: the weekday nearest the 15th) or L (LW); \"1/5W\" cannot be a range or a step"),
                Arguments.of("0 0 0 L-3-5 * ?", "day-of-month \"L-3-5\": \"L-3-5\" is not L, L-n, LW or L-nW; write e.g. L for the last day of the month, L-2 for two days before it"),
                Arguments.of("0 0 0 5-L * ?", "day-of-month \"5-L\": \"5-L\" mixes L or W into a range or step; write them as their own list items, e.g. 1-5,L or 2W,16"),
                Arguments.of("0 0 0 LW/2 * ?", "day-of-month \"LW/2\": \"LW/2\" is not L, L-n, LW or L-nW; write e.g. L for the last day of the month, L-2 for two days before it"),
                Arguments.of("0 0 0 ?,L * ?", "day-of-month \"?,L\" has ? in a list; ? stands alone; write e.g. 1,15, L or 15W"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("stepsQuartzRefuses")
    void what_quartz_refuses_is_refused_with_the_fix(String expression, String message) {
        assertFalse(CronExpression.isValidExpression(expression), "Quartz refuses " + expression);
        InvalidScheduleException e = assertThrows(InvalidScheduleException.class,
                () -> Schedules.parse(expression, CronType.QUARTZ, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null));
        assertEquals(message, e.getMessage());
    }

    /**
     * What Quartz accepts but leasecron refuses, each for a reason: Quartz ignores part of the item, gives it a
     * meaning nobody writes on purpose, or never fires it.
     */
    static Stream<Arguments> acceptedByQuartzRefusedHere() {
        return Stream.of(
                // Quartz drops "-20" and "X" after 15W.
                Arguments.of("0 0 0 15W-20 * ?", "day-of-month \"15W-20\": \"15W-20\" mixes L or W into a range or step; write them as their own list items, e.g. 1-5,L or 2W,16"),
                Arguments.of("0 0 0 15WX * ?", "day-of-month \"15WX\": \"15WX\" mixes L or W into a range or step; write them as their own list items, e.g. 1-5,L or 2W,16"),
                // Quartz reads */0 as every day, 2/0 as the 2nd only.
                Arguments.of("0 0 0 */0 * ?", "day-of-month step 0 in \"*/0\" must be a positive number"),
                // Quartz accepts "L,?" and then ignores the L (day-of-week decides).
                Arguments.of("0 0 0 L,? * MON", "day-of-month \"L,?\" and day-of-week \"MON\": Quartz needs ? in exactly one of them, e.g. \"0 0 12 ? * MON\" or \"0 0 12 1 * ?\""),
                // Quartz accepts any year and never fires past its current year + 100; 0W and 31 February never fire.
                Arguments.of("0 0 0 1 1 ? 3000", "year 3000 is out of range 1970-2199"),
                Arguments.of("0 0 0 0W * ?", "day-of-month 0 is out of range 1-31"),
                Arguments.of("0 0 0 31 2 ?", "never fires: no day between 1970 and 2199 matches; check day-of-month, month and year"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("acceptedByQuartzRefusedHere")
    void what_quartz_accepts_but_means_nothing_by_is_refused_with_the_reason(String expression, String message) {
        assertTrue(CronExpression.isValidExpression(expression), "Quartz accepts " + expression);
        InvalidScheduleException e = assertThrows(InvalidScheduleException.class,
                () -> Schedules.parse(expression, CronType.QUARTZ, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null));
        assertEquals(message, e.getMessage());
    }

    static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    /** Day-of-month and day-of-week, one of them ?, with the special forms. Ends with the month field placeholder. */
    static String days(Random r) {
        String dow = switch (r.nextInt(6)) {
            case 0 -> (1 + r.nextInt(7)) + "L";
            case 1 -> (1 + r.nextInt(7)) + "#" + (1 + r.nextInt(5));
            default -> field(r, 1, 7, DAYS);
        };
        String dom = r.nextInt(3) == 0 ? field(r, 1, 31, null) : domList(r);
        // Month goes between day-of-month and day-of-week: rebuilt by the caller's order below.
        return r.nextBoolean() ? dom + " %M ?" : "? %M " + dow;
    }

    /** One to three day-of-month items, each L, L-n, LW, L-nW, nW or a plain item. */
    static String domList(Random r) {
        List<String> items = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            items.add(switch (r.nextInt(6)) {
                case 0 -> "L";
                case 1 -> "L-" + r.nextInt(31);
                case 2 -> "LW";
                case 3 -> "L-" + r.nextInt(31) + "W";
                case 4 -> (1 + r.nextInt(31)) + "W";
                default -> field(r, 1, 31, null);
            });
        }
        return String.join(",", items);
    }

    static String field(Random r, int min, int max, String[] names) {
        if (r.nextInt(4) == 0) {
            return "*";
        }
        List<String> items = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            int a = min + r.nextInt(max - min + 1);
            int b = min + r.nextInt(max - min + 1); // may be below a: Quartz ranges wrap
            String va = names != null && r.nextBoolean() ? names[a - min] : Integer.toString(a);
            String vb = names != null && r.nextBoolean() ? names[b - min] : Integer.toString(b);
            int step = 1 + r.nextInt(Math.max(1, (max - min) / 2));
            // Steps after names are refused (Quartz drops them), so steps go with numbers only.
            items.add(switch (r.nextInt(5)) {
                case 0 -> va;
                case 1 -> va + "-" + vb;
                case 2 -> "*/" + step;
                case 3 -> a + "/" + step;
                default -> a + "-" + b + "/" + step;
            });
        }
        return String.join(",", items);
    }

    /** Runs of both, side by side; differences Quartz's own answers explain are counted, the rest listed. */
    static final class Comparison {
        final List<String> unexplained = new ArrayList<>();
        final List<String> explainedCases = new ArrayList<>();
        final Map<QuartzBug, Integer> explained = new EnumMap<>(Map.of(QuartzBug.SKIPS_A_MATCH, 0, QuartzBug.DROPS_A_LIST_ITEM, 0));

        /** Compares the next runs; false if Quartz itself rejects the expression (the generator is looser than Quartz). */
        boolean compare(String expression, String zone, Instant from, int count) throws Exception {
            String e = expression;
            if (e.contains("%M")) {
                // "<sec> <min> <hour> <dom> %M <dow> <month>" -> put the month where Quartz expects it.
                String[] p = e.split(" ");
                e = String.join(" ", p[0], p[1], p[2], p[3], p[6], p[5]);
            }
            CronExpression quartz;
            try {
                quartz = new CronExpression(e);
            } catch (java.text.ParseException rejected) {
                return false;
            }
            quartz.setTimeZone(TimeZone.getTimeZone(zone));
            Schedule ours = Schedules.parse(e, CronType.QUARTZ, ZoneId.of(zone), DstPolicy.RUN_ONCE, null);
            Instant t = from;
            for (int i = 0; i < count; i++) {
                Date q = quartz.getNextValidTimeAfter(Date.from(t));
                Instant expected = q == null ? null : q.toInstant();
                Instant actual = ours.next(t).map(Occurrence::time).orElse(null);
                if (expected == null && actual == null) {
                    return true;
                }
                if (expected == null || !expected.equals(actual)) {
                    QuartzBug bug = actual != null && (expected == null || actual.isBefore(expected)) ? classify(e, quartz.getTimeZone(), t, actual) : null;
                    String m = "\"" + e + "\" in " + zone + " after " + t + ": Quartz " + expected + ", leasecron " + actual;
                    if (bug == null) {
                        unexplained.add(m);
                    } else {
                        explained.merge(bug, 1, Integer::sum);
                        explainedCases.add(bug + " " + m);
                    }
                    return true;
                }
                t = expected;
            }
            return true;
        }

        /**
         * Which Quartz bug explains that Quartz, searching after {@code after}, passed over {@code ours}, a run
         * leasecron gives earlier; null if none does. Quartz itself must agree {@code ours} is a run: its time of day
         * and month match (the expression with day-of-month {@code *}), and one day-of-month item alone, searched
         * from the start of that month (where the search bugs cannot show), first fires on that day. Then it is
         * {@link QuartzBug#DROPS_A_LIST_ITEM} if that item alone, searched after {@code after}, gives {@code ours},
         * else {@link QuartzBug#SKIPS_A_MATCH}.
         */
        static QuartzBug classify(String expression, TimeZone zone, Instant after, Instant ours) throws Exception {
            String[] p = expression.split(" ");
            String[] items = p[3].split(",");
            p[3] = "*";
            if (!quartz(String.join(" ", p), zone).isSatisfiedBy(Date.from(ours))) {
                return null;
            }
            java.time.ZonedDateTime local = ours.atZone(zone.toZoneId());
            Instant monthStart = local.toLocalDate().withDayOfMonth(1).atStartOfDay(zone.toZoneId()).toInstant().minusSeconds(1);
            for (String item : items) {
                p[3] = item;
                CronExpression alone = quartz(String.join(" ", p), zone);
                Date first = alone.getNextValidTimeAfter(Date.from(monthStart));
                if (first != null && first.toInstant().atZone(zone.toZoneId()).toLocalDate().equals(local.toLocalDate())) {
                    Date fromAfter = alone.getNextValidTimeAfter(Date.from(after));
                    return items.length > 1 && fromAfter != null && fromAfter.toInstant().equals(ours)
                            ? QuartzBug.DROPS_A_LIST_ITEM : QuartzBug.SKIPS_A_MATCH;
                }
            }
            return null;
        }

        static CronExpression quartz(String expression, TimeZone zone) throws Exception {
            CronExpression q = new CronExpression(expression);
            q.setTimeZone(zone);
            return q;
        }
    }
}
