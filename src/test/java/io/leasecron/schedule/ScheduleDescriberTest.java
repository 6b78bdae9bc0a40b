package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exact words for every kind of schedule. Each text was checked against the expression's meaning (for the
 * Unix dialect, the robfig/Kubernetes one: two restricted day fields mean either day); cron-utils' own wording is
 * used only where it says the same thing, which the shapes below it gets wrong show.
 */
class ScheduleDescriberTest {
    static final ZoneId UTC = ZoneOffset.UTC;

    static final String[] UNIX = {
            "30 2 * * *", "at 02:30, every day",
            "*/15 * * * *", "every 15 minutes",
            "0 * * * *", "every hour",
            "@hourly", "every hour",
            "@daily", "at 00:00, every day",
            "@weekly", "at 00:00, on Sunday",
            "@monthly", "at 00:00, on day 1 of the month",
            "@yearly", "at 00:00, on day 1 of the month, in January",
            "0 9-17 * * MON-FRI", "every hour from 09:00 through 17:00, on Monday through Friday",
            "0 9,17 * * *", "at 09:00 and 17:00, every day",
            "0 0 1,15 * *", "at 00:00, on days 1 and 15 of the month",
            "30 2 * JAN-MAR *", "at 02:30, every day, in January through March",
            "15,45 * * * *", "at minutes 15 and 45 of every hour",
            "*/5 9-17 * * *", "every 5 minutes, during hours 9 through 17, every day",
            "*/10 2 * * *", "every 10 minutes during hour 2, every day",
            "0 0 * * 1,3,5", "at 00:00, on Monday, Wednesday and Friday",
            "0 0 1 */3 *", "at 00:00, on day 1 of the month, every 3 months from January",
            "0 12 * * sun", "at 12:00, on Sunday",
            "0 0 13 * 5", "at 00:00, on day 13 of the month or on Friday",
            "0 0 1-7 * 1", "at 00:00, on days 1 through 7 of the month or on Monday",
            "5/15 * * * *", "every 15th minute from 5 through 59, every hour",
            "10-50/20 * * * *", "every 20th minute from 10 through 50, every hour",
            "0 8-18/2 * * *", "minute 0, every 2nd hour from 8 through 18, every day",
            "0 */5 * * *", "minute 0, every 5th hour from 0 through 23",
            "0 0 * * */2", "at 00:00, on every 2nd day of the week from Sunday through Saturday",
            "0 0 * * 5-7", "at 00:00, on Friday through Sunday",
            "0 0 ? * ?", "at 00:00, every day",
            "*/10 * * * * *", "every 10 seconds",
            "30 0 2 * * *", "at 02:00:30, every day",
            "15 * * * * *", "every minute at second 15",
            "0 22-23,0-2 * * *", "minute 0, hours 22 through 23 and 0 through 2, every day",
            "0 0 */10 * *", "at 00:00, on every 10th day from 1 through 31 of the month",
            "0,30 */2 * * *", "at minutes 0 and 30, every 2 hours",
            "10,20 30 * * * *", "at seconds 10 and 20 of minute 30 of every hour",
            "* 9,17 * * *", "every minute during hours 9 and 17, every day",
            "0,30 9-17 * * *", "at minutes 0 and 30, during hours 9 through 17, every day",
            "*/15 9,17 * * *", "every 15 minutes during hours 9 and 17, every day",
            "0 1,2,3,4,5,6,7 * * *", "minute 0, hours 1, 2, 3, 4, 5, 6 and 7, every day",
            "0 0-30/10 * * * *", "every 10th minute from 0 through 30, every hour",
            "0 0 * JUL/2 *", "at 00:00, every day, in every 2nd month from July through December"
    };

    static final String[] QUARTZ = {
            "0 0 12 L * ?", "at 12:00, on the last day of the month",
            "0 0 12 LW * ?", "at 12:00, on the last weekday (Monday to Friday) of the month",
            "0 0 12 15W * ?", "at 12:00, on the weekday (Monday to Friday) nearest day 15 of the month",
            "0 0 12 L-3 * ?", "at 12:00, 3 days before the last day of the month",
            "0 0 12 ? * 6L", "at 12:00, on the last Friday of the month",
            "0 0 12 ? * 2#1", "at 12:00, on the first Monday of the month",
            "0 0 12 ? * L", "at 12:00, on Saturday",
            "0 0 12 ? * 1-5", "at 12:00, on Sunday through Thursday",
            "0 0 12 ? * 2-6/2", "at 12:00, on every 2nd day of the week from Monday through Friday",
            "0 0 22-2 * * ?", "minute 0, hours 22 through 23 and 0 through 2, every day",
            "0 0 12 10-5 * ?", "at 12:00, on days 10 through 31 and 1 through 5 of the month",
            "0 0 12 ? * FRI-MON", "at 12:00, on Friday through Monday",
            "0 0 12 1 * ? 2027-2030", "at 12:00, on day 1 of the month, in 2027 through 2030",
            "0 0 12 1 * ? 2028/4", "at 12:00, on day 1 of the month, in every 4th year from 2028 through 2199",
            "0 0 0 ? JAN 6L", "at 00:00, in January, on the last Friday of the month",
            "0 0 0 * * ? 2027,2029", "at 00:00, every day, in 2027 and 2029",
            "0 0/5 * * * ?", "every 5 minutes",
            "0 15 10 ? * 6#3 2027", "at 10:15, on the third Friday of the month, in 2027",
            "0 0 0 1 JAN-MAR,OCT ?", "at 00:00, on day 1 of the month, in January through March and October"
    };

    @Test
    void unix_expressions_and_descriptors_read_as_written() throws Exception {
        check(UNIX, CronType.UNIX);
    }

    @Test
    void quartz_expressions_read_as_written_with_their_day_rules() throws Exception {
        check(QUARTZ, CronType.QUARTZ);
    }

    /** Shapes cron-utils describes wrongly on its own; the comment says what it would have said. */
    @Test
    void shapes_cron_utils_gets_wrong_are_spelled_out() throws Exception {
        // cron-utils: "at 00:00 at 15 day every day"; robfig: a * in a day-of-week list leaves the field unrestricted
        assertEquals("at 00:00, on day 15 of the month", unix("0 0 15 * */1,THU"));
        assertEquals("at second 7 of minutes 51 and 43 of every hour", unix("7 51,43 * * * *"));
        // cron-utils: "every 15 minutes" (drops the start)
        assertEquals("every 15th minute from 5 through 59, every hour", unix("5/15 * * * *"));
        // cron-utils: "every 2 hours at minute 0" (drops the range)
        assertEquals("minute 0, every 2nd hour from 8 through 18, every day", unix("0 8-18/2 * * *"));
        // cron-utils: "at 00:00 every Tuesday days"
        assertEquals("at 00:00, on every 2nd day of the week from Sunday through Saturday", unix("0 0 * * */2"));
        // cron-utils: "at 00:00 at 13 day at Friday day" (reads as both at once)
        assertEquals("at 00:00, on day 13 of the month or on Friday", unix("0 0 13 * 5"));
        // cron-utils: "at 00:00 last Sunday of every month" (a lone L in day of week is Saturday in Quartz)
        assertEquals("at 00:00, on Saturday", ScheduleDescriber.cron("0 0 0 ? * L", CronType.QUARTZ));
        // cron-utils: "every hour between 22 and 2"
        assertEquals("minute 0, hours 22 through 23 and 0 through 2, every day", ScheduleDescriber.cron("0 0 22-2 * * ?", CronType.QUARTZ));
        // cron-utils: "at 12:00 at 1 day every 4 years"
        assertEquals("at 12:00, on day 1 of the month, in every 4th year from 2028 through 2199",
                ScheduleDescriber.cron("0 0 12 1 * ? 2028/4", CronType.QUARTZ));
    }

    /** A restricted month or year with both day fields open still runs every day of it, and says so. */
    @Test
    void a_month_or_year_alone_reads_as_every_day_in_it() throws Exception {
        assertEquals("at 00:00, every day, every 3 months from January", unix("0 0 * */3 *"));
        assertEquals("at 00:00, every day, in January", unix("0 0 * 1 *"));
        assertEquals("at 00:00, every day, in January and July", unix("0 0 * 1,7 *"));
        assertEquals("at 12:00, every day, in 2027", ScheduleDescriber.cron("0 0 12 * * ? 2027", CronType.QUARTZ));
        assertEquals("at 12:00, every day, in January, in year 2027", ScheduleDescriber.cron("0 0 12 ? 1 * 2027", CronType.QUARTZ));
    }

    /** The year's upper bound is the parser's (2199), not cron-utils' (2099). */
    @Test
    void a_year_step_runs_through_the_last_year_the_parser_accepts() {
        assertEquals("at 00:00, on day 1 of the month, in January, in every 5th year from 2095 through 2199",
                ScheduleDescriber.cron("0 0 0 1 1 ? 2095/5", CronType.QUARTZ));
    }

    @Test
    void a_day_named_twice_is_said_once() throws Exception {
        assertEquals("at 00:00, on Sunday", unix("0 0 * * 0,7"));
        assertEquals("at 00:00, on Sunday and Monday", unix("0 0 * * 0,1,7"));
    }

    /** Quartz 2.5's day lists (L, L-n, nW, LW among numbers) are read item by item, never by cron-utils. */
    @Test
    void quartz_day_lists_read_item_by_item() {
        assertEquals("at 12:00, on the last day of the month and 2 days before the last day of the month and 4 days before"
                + " the last day of the month", ScheduleDescriber.cron("0 0 12 L,L-2,L-4 * ?", CronType.QUARTZ));
        assertEquals("at 12:00, on the weekday (Monday to Friday) nearest 5 days before the last day of the month",
                ScheduleDescriber.cron("0 0 12 L-5W * ?", CronType.QUARTZ));
        assertEquals("at 12:00, on day 1 of the month and on the last day of the month", ScheduleDescriber.cron("0 0 12 1,L * ?", CronType.QUARTZ));
        assertEquals("at 12:00, on the weekday (Monday to Friday) nearest day 2 of the month and on day 16 of the month",
                ScheduleDescriber.cron("0 0 12 2W,16 * ?", CronType.QUARTZ));
        assertEquals("at 12:00, on the first Monday of the month and on the second Tuesday of the month",
                ScheduleDescriber.cron("0 0 12 ? * 2#1,3#2", CronType.QUARTZ));
    }

    @Test
    void the_time_zone_is_named_unless_it_is_utc() throws Exception {
        assertEquals("at 02:30, every day (Europe/Berlin)", ScheduleDescriber.describe(
                Schedules.parse("30 2 * * *", CronType.UNIX, ZoneId.of("Europe/Berlin"), DstPolicy.RUN_ONCE, null), CronType.UNIX));
        assertEquals("at 02:30, every day", ScheduleDescriber.describe(
                Schedules.parse("30 2 * * *", CronType.UNIX, UTC, DstPolicy.RUN_ONCE, null), CronType.UNIX));
        assertEquals("at 02:30, every day", ScheduleDescriber.describe(
                Schedules.parse("30 2 * * *", CronType.UNIX, ZoneId.of("UTC"), DstPolicy.RUN_ONCE, null), CronType.UNIX));
        assertEquals("at 09:00, on the first Monday of the month (America/New_York)", ScheduleDescriber.describe(
                Schedules.parse("0 0 9 ? * MON#1", CronType.QUARTZ, ZoneId.of("America/New_York"), DstPolicy.RUN_ONCE, null),
                CronType.QUARTZ));
    }

    @Test
    void intervals_say_what_their_grid_is_aligned_to() throws Exception {
        assertEquals("every 30 seconds, aligned to the Unix epoch",
                ScheduleDescriber.describe(Schedules.parse("@every 30s", CronType.UNIX, UTC, DstPolicy.RUN_ONCE, null), CronType.UNIX));
        assertEquals("every 1 hour 30 minutes, aligned to the Unix epoch",
                ScheduleDescriber.describe(Schedules.parse("@every 1h30m", CronType.UNIX, UTC, DstPolicy.RUN_ONCE, null), CronType.UNIX));
        assertEquals("every hour, aligned to 2026-01-01T00:05:00Z", ScheduleDescriber.describe(Schedules.parse("@every 1h",
                CronType.QUARTZ, ZoneId.of("Europe/Berlin"), DstPolicy.RUN_ONCE, Instant.parse("2026-01-01T00:05:00Z")), CronType.QUARTZ));
        assertEquals("every 2 days, aligned to the Unix epoch", ScheduleDescriber.every(Duration.ofDays(2), Instant.EPOCH));
        assertEquals("every 1 second 500 milliseconds, aligned to the Unix epoch",
                ScheduleDescriber.every(Duration.ofMillis(1500), Instant.EPOCH));
    }

    @Test
    void a_one_time_job_names_its_instant_and_the_local_time() {
        Instant at = Instant.parse("2026-12-24T18:00:00Z");
        assertEquals("once at 2026-12-24T18:00:00Z", ScheduleDescriber.describe(Schedules.once(at, UTC), CronType.UNIX));
        assertEquals("once at 2026-12-24T18:00:00Z (2026-12-24T19:00 in Europe/Berlin)",
                ScheduleDescriber.describe(Schedules.once(at, ZoneId.of("Europe/Berlin")), CronType.UNIX));
    }

    /** Thousands of odd shapes (the random robfig vectors) are described, none with an empty or broken text. */
    @Test
    void every_expression_kubernetes_accepts_gets_a_description() {
        List<String> broken = new ArrayList<>();
        int described = 0;
        for (var v : RobfigParityTest.VECTORS.get("vectors")) {
            String expression = v.get(0).asText();
            String text = ScheduleDescriber.cron(expression, CronType.UNIX);
            described++;
            if (text.isBlank() || text.contains("null") || text.startsWith("cron \"") || text.contains(", ,")) {
                broken.add(expression + " -> " + text);
            }
        }
        assertEquals(5412, described);
        assertEquals(List.of(), broken);
    }

    private static String unix(String expression) throws InvalidScheduleException {
        CronParser.unix(expression);
        return ScheduleDescriber.cron(expression, CronType.UNIX);
    }

    /** Every case is one the parser accepts, and reads exactly as pinned. */
    private static void check(String[] cases, CronType type) throws Exception {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.length; i += 2) {
            Schedules.parse(cases[i], type, UTC, DstPolicy.RUN_ONCE, null);
            String actual = ScheduleDescriber.cron(cases[i], type);
            if (!actual.equals(cases[i + 1])) {
                wrong.add(cases[i] + " -> \"" + actual + "\", pinned \"" + cases[i + 1] + "\"");
            }
        }
        assertEquals(List.of(), wrong);
    }
}
