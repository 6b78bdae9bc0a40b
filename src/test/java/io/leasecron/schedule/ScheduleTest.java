package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Exact runs of schedules; every expected instant is written out in UTC. */
class ScheduleTest {
    static final ZoneId UTC = ZoneId.of("UTC");

    static Schedule cron(String expression, String zone, DstPolicy policy) throws InvalidScheduleException {
        return Schedules.parse(expression, CronType.UNIX, ZoneId.of(zone), policy, null);
    }

    static List<Instant> runs(Schedule s, String after, int count) {
        return s.next(Instant.parse(after), count).stream().map(Occurrence::time).toList();
    }

    static List<ClockChange> changes(Schedule s, String after, int count) {
        return s.next(Instant.parse(after), count).stream().map(Occurrence::clockChange).toList();
    }

    static List<Instant> times(String... utc) {
        return Stream.of(utc).map(Instant::parse).toList();
    }

    /** Clock changes in a northern zone, a southern zone and a zone with a 30-minute shift, under both policies. */
    @Nested
    class DaylightSaving {
        // America/New_York 2026: 2:00 EST -> 3:00 EDT on Sun 8 March (07:00Z); 2:00 EDT -> 1:00 EST on Sun 1 November (06:00Z).
        @Test
        void new_york_spring_gap_runs_once_after_the_gap_under_run_once() throws Exception {
            Schedule s = cron("30 2 * * *", "America/New_York", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"),
                    runs(s, "2026-03-07T00:00:00Z", 3));
            assertEquals(List.of(ClockChange.NONE, ClockChange.MOVED_PAST_GAP, ClockChange.NONE),
                    changes(s, "2026-03-07T00:00:00Z", 3));
        }

        @Test
        void new_york_spring_gap_is_skipped_under_cronjob() throws Exception {
            Schedule s = cron("30 2 * * *", "America/New_York", DstPolicy.CRON_JOB);
            assertEquals(times("2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"), runs(s, "2026-03-07T00:00:00Z", 2));
        }

        @Test
        void new_york_fall_back_repeat_runs_once_at_the_first_pass_under_run_once() throws Exception {
            Schedule s = cron("30 1 * * *", "America/New_York", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),
                    runs(s, "2026-10-31T00:00:00Z", 3));
            // Asked from inside the second pass: the repeat has had its run.
            assertEquals(times("2026-11-02T06:30:00Z"), runs(s, "2026-11-01T06:10:00Z", 1));
        }

        @Test
        void new_york_fall_back_repeat_runs_twice_under_cronjob() throws Exception {
            Schedule s = cron("30 1 * * *", "America/New_York", DstPolicy.CRON_JOB);
            assertEquals(times("2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z"),
                    runs(s, "2026-10-31T00:00:00Z", 4));
            assertEquals(List.of(ClockChange.NONE, ClockChange.NONE, ClockChange.REPEATED_HOUR, ClockChange.NONE),
                    changes(s, "2026-10-31T00:00:00Z", 4));
        }

        @Test
        void a_wildcard_hour_keeps_its_real_time_cadence_under_run_once() throws Exception {
            Schedule s = cron("*/30 * * * *", "America/New_York", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z",
                    "2026-11-01T07:00:00Z"), runs(s, "2026-11-01T04:59:00Z", 5));
            Schedule hourly = cron("0 * * * *", "America/New_York", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z"),
                    runs(hourly, "2026-03-08T05:30:00Z", 3));
        }

        @Test
        void slots_inside_one_gap_collapse_into_one_run_at_its_end() throws Exception {
            Schedule s = cron("0,30 2 * * *", "America/New_York", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z"), runs(s, "2026-03-08T06:00:00Z", 2));
        }

        // Australia/Sydney 2026: 3:00 AEDT -> 2:00 AEST on Sun 5 April (16:00Z on the 4th); 2:00 AEST -> 3:00 AEDT
        // on Sun 4 October (16:00Z on the 3rd).
        @Test
        void sydney_spring_gap_in_october() throws Exception {
            assertEquals(times("2026-10-02T16:30:00Z", "2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"),
                    runs(cron("30 2 * * *", "Australia/Sydney", DstPolicy.RUN_ONCE), "2026-10-02T00:00:00Z", 3));
            assertEquals(times("2026-10-02T16:30:00Z", "2026-10-04T15:30:00Z"),
                    runs(cron("30 2 * * *", "Australia/Sydney", DstPolicy.CRON_JOB), "2026-10-02T00:00:00Z", 2));
        }

        @Test
        void sydney_fall_back_repeat_in_april() throws Exception {
            assertEquals(times("2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"),
                    runs(cron("30 2 * * *", "Australia/Sydney", DstPolicy.RUN_ONCE), "2026-04-03T00:00:00Z", 3));
            assertEquals(times("2026-04-03T15:30:00Z", "2026-04-04T15:30:00Z", "2026-04-04T16:30:00Z", "2026-04-05T16:30:00Z"),
                    runs(cron("30 2 * * *", "Australia/Sydney", DstPolicy.CRON_JOB), "2026-04-03T00:00:00Z", 4));
        }

        // Australia/Lord_Howe 2026, a 30-minute shift: 2:00 +11 -> 1:30 +10:30 on Sun 5 April (15:00Z on the 4th);
        // 2:00 +10:30 -> 2:30 +11 on Sun 4 October (15:30Z on the 3rd).
        @Test
        void lord_howe_half_hour_gap() throws Exception {
            assertEquals(times("2026-10-02T15:45:00Z", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"),
                    runs(cron("15 2 * * *", "Australia/Lord_Howe", DstPolicy.RUN_ONCE), "2026-10-02T00:00:00Z", 3));
            assertEquals(times("2026-10-02T15:45:00Z", "2026-10-04T15:15:00Z"),
                    runs(cron("15 2 * * *", "Australia/Lord_Howe", DstPolicy.CRON_JOB), "2026-10-02T00:00:00Z", 2));
            // 2:45 exists that night: both policies run it as usual.
            assertEquals(times("2026-10-03T15:45:00Z"),
                    runs(cron("45 2 * * *", "Australia/Lord_Howe", DstPolicy.CRON_JOB), "2026-10-03T12:00:00Z", 1));
        }

        @Test
        void lord_howe_half_hour_repeat() throws Exception {
            assertEquals(times("2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"),
                    runs(cron("45 1 * * *", "Australia/Lord_Howe", DstPolicy.RUN_ONCE), "2026-04-03T00:00:00Z", 3));
            assertEquals(times("2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z", "2026-04-05T15:15:00Z"),
                    runs(cron("45 1 * * *", "Australia/Lord_Howe", DstPolicy.CRON_JOB), "2026-04-03T00:00:00Z", 4));
            // 1:15 is before the repeat: once, under either policy.
            assertEquals(times("2026-04-04T14:15:00Z", "2026-04-05T14:45:00Z"),
                    runs(cron("15 1 * * *", "Australia/Lord_Howe", DstPolicy.CRON_JOB), "2026-04-04T00:00:00Z", 2));
        }

        @Test
        void a_zone_without_clock_changes_is_never_moved() throws Exception {
            // Asia/Kolkata is +05:30 all year.
            Schedule s = cron("30 2 * * *", "Asia/Kolkata", DstPolicy.RUN_ONCE);
            assertEquals(times("2026-03-07T21:00:00Z", "2026-03-08T21:00:00Z"), runs(s, "2026-03-07T12:00:00Z", 2));
        }
    }

    @Test
    void feb_29_runs_only_in_leap_years() throws Exception {
        Schedule s = cron("0 0 29 2 *", "UTC", DstPolicy.RUN_ONCE);
        assertEquals(times("2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"), runs(s, "2026-03-01T00:00:00Z", 2));
        // 2100 is not a leap year: from 2097 the next Feb 29 is in 2104.
        assertEquals(times("2104-02-29T00:00:00Z"), runs(s, "2097-01-01T00:00:00Z", 1));
    }

    @Test
    void day_of_month_and_day_of_week_are_or_when_both_are_restricted() throws Exception {
        // "Friday the 13th" in cron means every 13th and every Friday. November 2026: Fridays 6, 13, 20, 27.
        assertEquals(times("2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z",
                "2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z"),
                runs(cron("0 0 13 * 5", "UTC", DstPolicy.RUN_ONCE), "2026-11-01T00:00:00Z", 7));
        // An unrestricted field makes it AND: only the 13th, or only Fridays.
        assertEquals(times("2026-11-13T00:00:00Z", "2026-12-13T00:00:00Z"),
                runs(cron("0 0 13 * *", "UTC", DstPolicy.RUN_ONCE), "2026-11-01T00:00:00Z", 2));
        assertEquals(times("2026-11-06T00:00:00Z", "2026-11-13T00:00:00Z"),
                runs(cron("0 0 ? * FRI", "UTC", DstPolicy.RUN_ONCE), "2026-11-01T00:00:00Z", 2));
        // A step makes a star restricted (robfig): */10 days OR Fridays: 1, 6, 11, 13, 20, 21, 27.
        assertEquals(times("2026-11-06T00:00:00Z", "2026-11-11T00:00:00Z", "2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z",
                "2026-11-21T00:00:00Z", "2026-11-27T00:00:00Z"), runs(cron("0 0 */10 * 5", "UTC", DstPolicy.RUN_ONCE),
                "2026-11-01T00:00:00Z", 6));
    }

    @Test
    void six_fields_have_a_leading_seconds_field() throws Exception {
        assertEquals(times("2026-12-01T10:00:10Z", "2026-12-01T10:00:20Z", "2026-12-01T10:00:30Z"),
                runs(cron("*/10 * * * * *", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T10:00:03.250Z", 3));
    }

    @Test
    void descriptors_names_and_sunday_as_seven() throws Exception {
        assertEquals(times("2026-12-06T00:00:00Z"), runs(cron("@weekly", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T00:00:00Z", 1));
        assertEquals(times("2027-01-01T00:00:00Z"), runs(cron("@yearly", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T00:00:00Z", 1));
        assertEquals(times("2026-12-06T05:00:00Z", "2026-12-13T05:00:00Z"),
                runs(cron("0 5 * DEC 7", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T00:00:00Z", 2));
        assertEquals(runs(cron("0 9 * * mon-fri", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T00:00:00Z", 10),
                runs(cron("0 9 * * 1-5", "UTC", DstPolicy.RUN_ONCE), "2026-12-01T00:00:00Z", 10));
    }

    @Test
    void every_is_aligned_to_the_unix_epoch_not_to_when_it_is_asked() throws Exception {
        Schedule s = Schedules.parse("@every 7m", CronType.UNIX, UTC, DstPolicy.RUN_ONCE, null);
        // 2026-12-01T00:00Z is 240 s past a multiple of 420 s since the epoch.
        assertEquals(times("2026-12-01T00:03:00Z", "2026-12-01T00:10:00Z"), runs(s, "2026-12-01T00:00:00Z", 2));
        assertEquals(times("2026-12-01T00:03:00Z"), runs(s, "2026-12-01T00:02:59.999Z", 1));
        Schedule aligned = Schedules.parse("@every 1h", CronType.UNIX, UTC, DstPolicy.RUN_ONCE, Instant.parse("2026-01-01T00:05:00Z"));
        assertEquals(times("2026-12-01T00:05:00Z", "2026-12-01T01:05:00Z"), runs(aligned, "2026-12-01T00:00:00Z", 2));
        // Real time, not wall time: across New York's fall back it stays one hour apart.
        Schedule ny = Schedules.parse("@every 1h", CronType.UNIX, ZoneId.of("America/New_York"), DstPolicy.RUN_ONCE, null);
        assertEquals(times("2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z"),
                runs(ny, "2026-11-01T04:30:00Z", 3));
    }

    @Test
    void run_at_is_one_instant() {
        Schedule s = Schedules.once(Instant.parse("2026-12-24T18:00:00Z"), UTC);
        assertEquals(times("2026-12-24T18:00:00Z"), runs(s, "2026-12-01T00:00:00Z", 5));
        assertEquals(Optional.empty(), s.next(Instant.parse("2026-12-24T18:00:00Z")));
        assertEquals(Optional.empty(), s.next(Instant.parse("2027-01-01T00:00:00Z")));
    }

    @Test
    void equal_expressions_are_equal_schedules() throws Exception {
        assertEquals(cron("30 2 * * *", "Europe/Berlin", DstPolicy.RUN_ONCE), cron("30 2 * * *", "Europe/Berlin", DstPolicy.RUN_ONCE));
        assertNotEquals(cron("30 2 * * *", "Europe/Berlin", DstPolicy.RUN_ONCE), cron("30 2 * * *", "Europe/Berlin", DstPolicy.CRON_JOB));
    }

    static Stream<Arguments> invalidSchedules() {
        return Stream.of(
                Arguments.of("61 * * * *", "minute 61 is out of range 0-59"),
                Arguments.of("* 24 * * *", "hour 24 is out of range 0-23"),
                Arguments.of("* * 0 * *", "day-of-month 0 is out of range 1-31"),
                Arguments.of("* * 32 * *", "day-of-month 32 is out of range 1-31"),
                Arguments.of("* * * 13 *", "month 13 is out of range 1-12"),
                Arguments.of("* * * * 8", "day-of-week 8 is out of range 0-6 (or 7 for Sunday)"),
                Arguments.of("5-2 * * * *", "minute range 5-2 is backwards; write the smaller value first"),
                Arguments.of("0 22-2 * * *", "hour range 22-2 is backwards; write the smaller value first, or two ranges such as 22-23,0-2 for a range past midnight"),
                Arguments.of("*/0 * * * *", "minute step 0 in \"*/0\" must be a positive number"),
                Arguments.of("*/x * * * *", "minute step \"x\" in \"*/x\" is not a whole number; write e.g. */15"),
                Arguments.of("* * * *", "has 4 fields; write 5 (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a descriptor such as @daily"),
                Arguments.of("* * * * * * *", "has 7 fields; write 5 (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a descriptor such as @daily"),
                Arguments.of("@hourlyy", "\"@hourlyy\" is not a descriptor; did you mean @hourly?"),
                Arguments.of("@Daily", "\"@Daily\" is not a descriptor; did you mean @daily?"),
                Arguments.of("@often", "\"@often\" is not a descriptor; use @yearly, @monthly, @weekly, @daily, @hourly or @every <interval>"),
                Arguments.of("@every", "@every needs an interval, e.g. \"@every 30s\" or \"@every 1h30m\""),
                Arguments.of("@every 500ms", "@every interval 500ms is shorter than the minimum of 1s"),
                Arguments.of("@every 5x", "@every interval \"5x\" is not a duration; write e.g. 500ms, 30s, 5m, 1h30m or PT2S"),
                Arguments.of("a * * * *", "minute \"a\" is not a number; write e.g. */15"),
                Arguments.of("* * * foo *", "month \"foo\" is not a number or a month name (JAN-DEC); write e.g. JAN-MAR"),
                Arguments.of("* * * * mon-", "day-of-week \"mon-\" is incomplete; write a value, a range low-high or */step, e.g. MON-FRI"),
                Arguments.of("-1 * * * *", "minute \"-1\" is incomplete; write a value, a range low-high or */step, e.g. */15"),
                Arguments.of("1-2-3 * * * *", "minute \"1-2-3\" has more than one '-'; write a range as low-high, e.g. */15"),
                Arguments.of("*/5/5 * * * *", "minute \"*/5/5\" has more than one '/'; write e.g. */15"),
                Arguments.of(", * * * *", "minute \",\" lists no values; write e.g. */15"),
                Arguments.of("0 0 L * *", "day-of-month \"L\" uses L, which is Quartz syntax; set cronType: quartz to use L, W and #"),
                Arguments.of("0 0 15W * *", "day-of-month \"15W\" uses W, which is Quartz syntax; set cronType: quartz to use L, W and #"),
                Arguments.of("0 0 * * 1#2", "day-of-week \"1#2\" uses #, which is Quartz syntax; set cronType: quartz to use L, W and #"),
                Arguments.of("CRON_TZ=Europe/Berlin 0 * * * *", "a time zone prefix (CRON_TZ=) is not allowed in the schedule; set the job's timeZone field instead"),
                Arguments.of("TZ=UTC 0 * * * *", "a time zone prefix (TZ=) is not allowed in the schedule; set the job's timeZone field instead"),
                Arguments.of("0 0 30 2 *", "never fires: no listed day-of-month occurs in February"),
                Arguments.of("0 0 31 4,6,9,11 *", "never fires: no listed day-of-month occurs in April, June, September, November"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidSchedules")
    void an_invalid_unix_schedule_names_the_field_and_the_fix(String expression, String message) {
        InvalidScheduleException e = assertThrows(InvalidScheduleException.class, () -> cron(expression, "UTC", DstPolicy.RUN_ONCE));
        assertEquals(message, e.getMessage());
    }

    static Stream<Arguments> invalidQuartz() {
        return Stream.of(
                Arguments.of("0 0 12 * *", "has 5 fields; Quartz expressions have 6 or 7: second minute hour day-of-month month day-of-week [year] (for a 5-field Unix expression remove cronType: quartz)"),
                Arguments.of("0 0 12 * * *", "day-of-month \"*\" and day-of-week \"*\": Quartz needs ? in exactly one of them, e.g. \"0 0 12 ? * MON\" or \"0 0 12 1 * ?\""),
                Arguments.of("0 0 12 ? * ?", "day-of-month \"?\" and day-of-week \"?\": Quartz needs ? in exactly one of them, e.g. \"0 0 12 ? * MON\" or \"0 0 12 1 * ?\""),
                Arguments.of("0 0 12 ? * 0", "day-of-week 0 is out of range 1-7"),
                Arguments.of("0 0 12 ? * 2#6", "day-of-week \"2#6\": the number after # is the week of the month, 1-5, e.g. 2#1 for the first Monday"),
                Arguments.of("0 0 12 L-31 * ?", "day-of-month \"L-31\": L-31 counts back 31 days from the last day; the offset is 0-30"),
                Arguments.of("0 0 12 LX * ?", "day-of-month \"LX\": \"LX\" is not L, L-n, LW or L-nW; write e.g. L for the last day of the month, L-2 for two days before it"),
                Arguments.of("0 0 ? 12 * ?", "hour \"?\": ? is only allowed in day-of-month or day-of-week"),
                Arguments.of("0 0 12 1 * ? 1969", "year 1969 is out of range 1970-2199"),
                Arguments.of("0 0 12 1 JUL/3 ?", "month \"JUL/3\": Quartz ignores a step after a name; write numbers, e.g. 7/3"),
                Arguments.of("0 0 12 30 2 ?", "never fires: no day between 1970 and 2199 matches; check day-of-month, month and year"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidQuartz")
    void an_invalid_quartz_schedule_names_the_field_and_the_fix(String expression, String message) {
        InvalidScheduleException e = assertThrows(InvalidScheduleException.class,
                () -> Schedules.parse(expression, CronType.QUARTZ, UTC, DstPolicy.RUN_ONCE, null));
        assertEquals(message, e.getMessage());
    }
}
