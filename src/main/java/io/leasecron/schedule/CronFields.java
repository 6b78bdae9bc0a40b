package io.leasecron.schedule;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * The matching sets of one cron expression as wall-clock calendar rules, in either dialect. No time zone: this
 * answers "which wall-clock second comes next", {@link CronSchedule} turns wall-clock times into instants.
 *
 * <p>Days follow the Vixie rule that Kubernetes CronJob (robfig/cron v3) also follows: when either day field is
 * unrestricted ({@code *} or {@code ?}, without a step), a day must match both; when both are restricted, a day
 * matching either one is enough. Quartz expressions always leave one of the two as {@code ?}, so for them the
 * rule reduces to "the other field decides".
 *
 * @param seconds bit n set: second n (0-59) matches
 * @param minutes bit n: minute n (0-59)
 * @param hours bit n: hour n (0-23)
 * @param daysOfMonth bit n: day n (1-31), the plain days; Quartz's L and W items are in {@code special}
 * @param months bit n: month n (1-12)
 * @param daysOfWeek bit n: weekday n, 0 = Sunday
 * @param domStar day-of-month was written unrestricted
 * @param dowStar day-of-week was written unrestricted
 * @param special Quartz day rules ({@code L}, {@code W}, {@code #}); {@link DaySpecial#NONE} for Unix
 * @param years Quartz year field, bit n = year 1970+n; {@code null} means every year
 * @param fixedHours the hour field lists hours (no {@code *}, {@code ?} or step): see {@link DstPolicy#RUN_ONCE}
 */
record CronFields(long seconds, long minutes, long hours, long daysOfMonth, int months, int daysOfWeek,
        boolean domStar, boolean dowStar, DaySpecial special, BitSet years, boolean fixedHours) {

    static final int FIRST_YEAR = 1970;

    /**
     * Quartz day rules. Day-of-month items may be mixed in one list ({@code 1,L}, {@code L,L-2,L-4}, {@code 2W,16}):
     * a day matches when any item does, whatever the length of its month.
     *
     * @param lastDayOffsets bit n: {@code L-n} ({@code L} is bit 0), the day n days before the last day of the month;
     *        a month shorter than n + 1 days has no such day
     * @param nearestWeekdays bit n: {@code nW}, the Monday-to-Friday day nearest to day n within the month; a month
     *        without day n has none
     * @param lastDayOffsetWeekdays bit n: {@code L-nW} ({@code LW} is bit 0), the weekday nearest to the day of
     *        {@code L-n}
     * @param nthWeekday {@code d#k}: the k-th such weekday of the month (1-5); 0 if unset
     * @param lastOfWeekday {@code dL}: the last such weekday of the month
     */
    record DaySpecial(long lastDayOffsets, long nearestWeekdays, long lastDayOffsetWeekdays, int nthWeekday,
            boolean lastOfWeekday) {
        static final DaySpecial NONE = new DaySpecial(0, 0, 0, 0, false);

        /** Whether day-of-month has an L or W item, so that its plain days are not the whole answer. */
        boolean dayOfMonthRules() {
            return (lastDayOffsets | nearestWeekdays | lastDayOffsetWeekdays) != 0;
        }
    }

    CronFields {
        years = years == null ? null : (BitSet) years.clone();
    }

    /**
     * The first wall-clock second strictly after {@code after} that matches, if it is before {@code limit};
     * otherwise {@code null}.
     */
    LocalDateTime next(LocalDateTime after, LocalDateTime limit) {
        LocalDateTime start = after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        LocalDate date = start.toLocalDate();
        int fromSecond = start.toLocalTime().toSecondOfDay();
        LocalDate lastDate = limit.toLocalDate();
        while (!date.isAfter(lastDate)) {
            if (years != null && !years.get(date.getYear() - FIRST_YEAR)) {
                int y = date.getYear() < FIRST_YEAR ? years.nextSetBit(0) : years.nextSetBit(date.getYear() - FIRST_YEAR + 1);
                if (y < 0) {
                    return null;
                }
                date = LocalDate.of(FIRST_YEAR + y, 1, 1);
                fromSecond = 0;
                continue;
            }
            if ((months & (1 << date.getMonthValue())) == 0) {
                date = date.withDayOfMonth(1).plusMonths(1);
                fromSecond = 0;
                continue;
            }
            if (dayMatches(date)) {
                int s = secondOfDay(fromSecond);
                if (s >= 0) {
                    LocalDateTime t = date.atTime(LocalTime.ofSecondOfDay(s));
                    return t.isBefore(limit) ? t : null;
                }
            }
            date = date.plusDays(1);
            fromSecond = 0;
        }
        return null;
    }

    boolean dayMatches(LocalDate d) {
        boolean dom = domMatches(d);
        boolean dow = dowMatches(d);
        return domStar || dowStar ? dom && dow : dom || dow;
    }

    private boolean domMatches(LocalDate d) {
        int day = d.getDayOfMonth();
        if ((daysOfMonth & (1L << day)) != 0) {
            return true;
        }
        if (!special.dayOfMonthRules()) {
            return false;
        }
        int length = d.lengthOfMonth();
        if ((special.lastDayOffsets() & (1L << (length - day))) != 0) {
            return true;
        }
        for (long bits = special.nearestWeekdays(); bits != 0; bits &= bits - 1) {
            if (day == nearestWeekday(d, Long.numberOfTrailingZeros(bits))) {
                return true;
            }
        }
        for (long bits = special.lastDayOffsetWeekdays(); bits != 0; bits &= bits - 1) {
            int n = length - Long.numberOfTrailingZeros(bits);
            if (n >= 1 && day == nearestWeekday(d, n)) {
                return true;
            }
        }
        return false;
    }

    private boolean dowMatches(LocalDate d) {
        if ((daysOfWeek & (1 << (d.getDayOfWeek().getValue() % 7))) == 0) {
            return false;
        }
        if (special.nthWeekday() > 0) {
            return (d.getDayOfMonth() - 1) / 7 + 1 == special.nthWeekday();
        }
        if (special.lastOfWeekday()) {
            return d.getDayOfMonth() + 7 > d.lengthOfMonth();
        }
        return true;
    }

    /**
     * Quartz {@code nW}: day n itself on Monday to Friday, else the nearer weekday without leaving the month (a
     * Saturday 1st gives the 3rd, a Sunday last day the Friday before); a month without day n has none (-1).
     */
    private static int nearestWeekday(LocalDate d, int n) {
        int length = d.lengthOfMonth();
        if (n > length) {
            return -1;
        }
        DayOfWeek w = d.withDayOfMonth(n).getDayOfWeek();
        if (w == DayOfWeek.SATURDAY) {
            return n == 1 ? 3 : n - 1;
        }
        if (w == DayOfWeek.SUNDAY) {
            return n == length ? n - 2 : n + 1;
        }
        return n;
    }

    /** The first matching second of the day at or after {@code from}, or -1. */
    private int secondOfDay(int from) {
        int h = from / 3600;
        int m = from / 60 % 60;
        int s = from % 60;
        while (h < 24) {
            int hh = nextBit(hours, h);
            if (hh < 0) {
                return -1;
            }
            if (hh != h) {
                h = hh;
                m = 0;
                s = 0;
            }
            int mm = nextBit(minutes, m);
            if (mm < 0) {
                h++;
                m = 0;
                s = 0;
                continue;
            }
            if (mm != m) {
                m = mm;
                s = 0;
            }
            int ss = nextBit(seconds, s);
            if (ss < 0) {
                s = 0;
                if (++m > 59) {
                    h++;
                    m = 0;
                }
                continue;
            }
            return h * 3600 + m * 60 + ss;
        }
        return -1;
    }

    private static int nextBit(long bits, int from) {
        if (from > 63) {
            return -1;
        }
        long masked = bits & (-1L << from);
        return masked == 0 ? -1 : Long.numberOfTrailingZeros(masked);
    }
}
