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
 * @param daysOfMonth bit n: day n (1-31)
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
     * Quartz day rules.
     *
     * @param lastDayOffset {@code L} (0) or {@code L-n} (n): that many days before the last day of the month; -1 if unset
     * @param lastWeekday {@code LW}: the last Monday-to-Friday day of the month
     * @param nearestWeekday {@code nW}: the Monday-to-Friday day nearest to day n, within the month; 0 if unset
     * @param nthWeekday {@code d#k}: the k-th such weekday of the month (1-5); 0 if unset
     * @param lastOfWeekday {@code dL}: the last such weekday of the month
     */
    record DaySpecial(int lastDayOffset, boolean lastWeekday, int nearestWeekday, int nthWeekday, boolean lastOfWeekday) {
        static final DaySpecial NONE = new DaySpecial(-1, false, 0, 0, false);
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
        if (special.lastDayOffset() >= 0) {
            return day == d.lengthOfMonth() - special.lastDayOffset();
        }
        if (special.lastWeekday()) {
            return day == lastWeekday(d);
        }
        if (special.nearestWeekday() > 0) {
            return day == nearestWeekday(d, special.nearestWeekday());
        }
        return (daysOfMonth & (1L << day)) != 0;
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

    private static int lastWeekday(LocalDate d) {
        LocalDate last = d.withDayOfMonth(d.lengthOfMonth());
        return switch (last.getDayOfWeek()) {
            case SATURDAY -> last.getDayOfMonth() - 1;
            case SUNDAY -> last.getDayOfMonth() - 2;
            default -> last.getDayOfMonth();
        };
    }

    /** Quartz {@code nW}; a day beyond the end of the month has no nearest weekday in that month. */
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
