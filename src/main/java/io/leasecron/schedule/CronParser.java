package io.leasecron.schedule;

import java.time.LocalDateTime;
import java.time.Month;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.leasecron.text.Suggestions;

/**
 * Parses cron expressions of both dialects into {@link CronFields}. Every error says which field is wrong, what
 * was written and what is allowed.
 *
 * <p><b>Unix</b> accepts exactly what Kubernetes CronJob accepts (robfig/cron v3's standard parser): 5 fields,
 * {@code *}, {@code ?} (same as {@code *}), values, ranges {@code a-b}, steps {@code * /n}, {@code a/n} (= a to
 * the maximum) and {@code a-b/n}, lists, month and weekday names in any case, and the descriptors. Two additions:
 * a sixth, leading seconds field, and 7 as Sunday in day-of-week (as in Vixie cron).
 *
 * <p><b>Quartz</b> follows {@code org.quartz.CronExpression}: seconds, minutes, hours, day-of-month, month,
 * day-of-week (1-7 = SUN-SAT) and an optional year (1970-2199); {@code ?} in exactly one day field; {@code L},
 * {@code L-n}, {@code LW}, {@code L-nW}, {@code nW} in day-of-month, also in lists with each other and with plain
 * days ({@code 1,L}); {@code dL} and {@code d#k} in day-of-week; ranges may wrap ({@code FRI-MON}); steps after
 * {@code *} or a value no larger than Quartz takes. Where Quartz silently ignores part of an item ({@code 15W-20},
 * {@code JUL/3}) or gives a step of 0 a meaning, this parser refuses it with the reason.
 */
final class CronParser {
    private static final String[] MONTHS = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    private static final String[] DAYS = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

    static final Map<String, String> DESCRIPTORS = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    /** One field of one dialect: its name in messages, its bounds and the names it accepts. */
    private record Field(String name, int min, int max, String[] names, int nameBase, String example) {
        String range() {
            return min + "-" + max;
        }
    }

    private static final Field U_SECOND = new Field("second", 0, 59, null, 0, "*/10");
    private static final Field U_MINUTE = new Field("minute", 0, 59, null, 0, "*/15");
    private static final Field U_HOUR = new Field("hour", 0, 23, null, 0, "9-17");
    private static final Field U_DOM = new Field("day-of-month", 1, 31, null, 0, "1,15");
    private static final Field U_MONTH = new Field("month", 1, 12, MONTHS, 1, "JAN-MAR");
    /** 7 is accepted and means Sunday. */
    private static final Field U_DOW = new Field("day-of-week", 0, 7, DAYS, 0, "MON-FRI");

    private static final Field Q_DOM = new Field("day-of-month", 1, 31, null, 0, "1,15, L or 15W");
    private static final Field Q_DOW = new Field("day-of-week", 1, 7, DAYS, 1, "MON-FRI, 6L or 2#1");
    /** The last year a Quartz expression may name; descriptions of year steps run through it. */
    static final int MAX_YEAR = 2199;
    /** Quartz's documented range; it accepts any number but computes no run past its current year + 100. */
    private static final Field Q_YEAR = new Field("year", 1970, MAX_YEAR, null, 0, "2027-2030");

    /** {@code L}, {@code L-n}, {@code LW}, {@code L-nW} in day-of-month: group 1 the offset n, group 2 the W. */
    private static final Pattern LAST_DAY = Pattern.compile("L(?:-(\\d{1,9}))?(W?)");

    /**
     * The largest step {@code org.quartz.CronExpression} takes after {@code *} or a single value ({@code 0/59} in
     * minutes is accepted, {@code 0/60} refused); after a range ({@code 0-59/120}) any step is accepted.
     */
    private static final Map<String, Integer> QUARTZ_MAX_STEP = Map.of("second", 59, "minute", 59, "hour", 23,
            "day-of-month", 31, "month", 12, "day-of-week", 7);
    /** How to write a longer interval than the largest step, per field. */
    private static final Map<String, String> LONGER_INTERVAL = Map.of(
            "second", "step the minute field instead, e.g. 0 0/2 * * * ? for every two minutes",
            "minute", "step the hour field instead, e.g. 0 0 0/2 * * ? for every two hours",
            "hour", "step the day-of-month field instead, e.g. 0 0 0 1/3 * ? for every three days",
            "day-of-month", "step the month field instead, e.g. 0 0 0 1 1/2 ? for every two months",
            "month", "step the year field instead, e.g. 0 0 0 1 1 ? 2027/2 for every two years",
            "day-of-week", "use d#k for one weekday a month (2#1: the first Monday) or list the days");

    private CronParser() {
    }

    // ---------------------------------------------------------------- Unix

    static CronFields unix(String expression) throws InvalidScheduleException {
        String text = expression.trim();
        if (text.startsWith("TZ=") || text.startsWith("CRON_TZ=")) {
            throw new InvalidScheduleException("a time zone prefix (" + text.substring(0, text.indexOf('=') + 1)
                    + ") is not allowed in the schedule; set the job's timeZone field instead");
        }
        if (text.startsWith("@")) {
            String descriptor = DESCRIPTORS.get(text);
            if (descriptor == null) {
                String hint = Suggestions.closest(text.toLowerCase(Locale.ROOT), DESCRIPTORS.keySet()).map(d -> "did you mean " + d + "?")
                        .orElse("use @yearly, @monthly, @weekly, @daily, @hourly or @every <interval>");
                throw new InvalidScheduleException("\"" + text + "\" is not a descriptor; " + hint);
            }
            text = descriptor;
        }
        String[] parts = text.split("\\s+");
        if (parts.length != 5 && parts.length != 6) {
            throw new InvalidScheduleException("has " + parts.length + " field" + (parts.length == 1 ? "" : "s")
                    + "; write 5 (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a "
                    + "descriptor such as @daily");
        }
        int i = 0;
        long seconds = 1L;
        if (parts.length == 6) {
            seconds = unixField(parts[i++], U_SECOND).bits;
        }
        Parsed minutes = unixField(parts[i++], U_MINUTE);
        Parsed hours = unixField(parts[i++], U_HOUR);
        Parsed dom = unixField(parts[i++], U_DOM);
        Parsed months = unixField(parts[i++], U_MONTH);
        Parsed dow = unixField(parts[i], U_DOW);
        long dowBits = dow.bits;
        if ((dowBits & (1L << 7)) != 0) {
            dowBits = (dowBits & ~(1L << 7)) | 1L;
        }
        CronFields fields = new CronFields(seconds, minutes.bits, hours.bits, dom.bits, (int) months.bits, (int) dowBits,
                dom.star, dow.star, CronFields.DaySpecial.NONE, null, hours.fixed);
        requireSomeDay(fields);
        return fields;
    }

    /** A field's bits; {@code star}: robfig's "unrestricted" mark; {@code fixed}: no {@code *}, {@code ?} or step. */
    private record Parsed(long bits, boolean star, boolean fixed) {
    }

    private static Parsed unixField(String text, Field f) throws InvalidScheduleException {
        for (char c : new char[] {'L', 'W', '#'}) {
            if (text.indexOf(c) >= 0 && !(f.names != null && containsName(text, f))) {
                throw new InvalidScheduleException(f.name + " \"" + text + "\" uses " + c
                        + ", which is Quartz syntax; set cronType: quartz to use L, W and #");
            }
        }
        long bits = 0;
        boolean star = false;
        boolean fixed = true;
        int items = 0;
        for (String item : text.split(",")) {
            if (item.isEmpty()) {
                continue; // robfig ignores empty list items: "1,,2" is "1,2"
            }
            items++;
            Item it = item(item, f, false);
            bits |= it.bits();
            star |= it.star;
            fixed &= !it.wildcardOrStep;
        }
        if (items == 0) {
            throw new InvalidScheduleException(f.name + " \"" + text + "\" lists no values; write e.g. " + f.example);
        }
        return new Parsed(bits, star, fixed);
    }

    private static boolean containsName(String text, Field f) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (String n : f.names) {
            if (lower.contains(n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * One list item as written: the values {@code start}, {@code start+step}, ... up to {@code end} (which may
     * exceed the field's maximum for a Quartz range that wraps). {@code star}: robfig's unrestricted mark ({@code *}
     * or {@code ?} with no step above 1); {@code wildcardOrStep}: written with {@code *}, {@code ?} or a step.
     */
    private record Item(Field field, int start, int end, int step, boolean star, boolean wildcardOrStep) {
        long bits() {
            long bits = 0;
            int span = field.max - field.min + 1;
            for (int v = start; v <= end; v += step) {
                bits |= 1L << (v > field.max ? v - span : v);
            }
            return bits;
        }
    }

    /** One list item: {@code *}, {@code ?}, value, range, each with an optional step. */
    private static Item item(String item, Field f, boolean wrap) throws InvalidScheduleException {
        String[] rangeAndStep = item.split("/", -1);
        if (rangeAndStep.length > 2) {
            throw new InvalidScheduleException(f.name + " \"" + item + "\" has more than one '/'; write e.g. " + f.example);
        }
        String range = rangeAndStep[0];
        boolean stepped = rangeAndStep.length == 2;
        int top = f == U_DOW ? 6 : f.max;
        int start;
        int end;
        boolean star = range.equals("*") || range.equals("?");
        if (star) {
            start = f.min;
            end = top;
        } else {
            String[] lowHigh = range.split("-", -1);
            if (lowHigh.length > 2) {
                throw new InvalidScheduleException(f.name + " \"" + item + "\" has more than one '-'; write a range as low-high, e.g. " + f.example);
            }
            start = value(lowHigh[0], f, item);
            end = lowHigh.length == 2 ? value(lowHigh[1], f, item) : stepped ? top : start; // "a/n" means "a-max/n"
        }
        int step = 1;
        if (stepped) {
            String s = rangeAndStep[1];
            if (!s.matches("\\d{1,4}")) {
                throw new InvalidScheduleException(f.name + " step \"" + s + "\" in \"" + item + "\" is not a whole number; write e.g. " + f.example);
            }
            step = Integer.parseInt(s);
            if (step == 0) {
                throw new InvalidScheduleException(f.name + " step 0 in \"" + item + "\" must be a positive number");
            }
        }
        if (start > end) {
            if (!wrap) {
                throw new InvalidScheduleException(f.name + " range " + range + " is backwards; write the smaller value first"
                        + (f == U_HOUR ? ", or two ranges such as 22-23,0-2 for a range past midnight" : ""));
            }
            end += f.max - f.min + 1; // Quartz: FRI-MON wraps around the end of the week
        }
        return new Item(f, start, end, step, star && step <= 1, star || stepped);
    }

    private static int value(String text, Field f, String item) throws InvalidScheduleException {
        if (text.isEmpty()) {
            throw new InvalidScheduleException(f.name + " \"" + item + "\" is incomplete; write a value, a range low-high or */step, e.g. " + f.example);
        }
        if (f.names != null) {
            String lower = text.toLowerCase(Locale.ROOT);
            for (int i = 0; i < f.names.length; i++) {
                if (f.names[i].equals(lower)) {
                    return i + f.nameBase;
                }
            }
        }
        if (!text.matches("\\d{1,9}")) {
            String kind = f.names == MONTHS ? " or a month name (JAN-DEC)" : f.names == DAYS ? " or a day name (SUN-SAT)" : "";
            throw new InvalidScheduleException(f.name + " \"" + text + "\" is not a number" + kind + "; write e.g. " + f.example);
        }
        int v = Integer.parseInt(text);
        if (v < f.min || v > f.max) {
            throw new InvalidScheduleException(f.name + " " + v + " is out of range " + (f == U_DOW ? "0-6 (or 7 for Sunday)" : f.range()));
        }
        return v;
    }

    // ---------------------------------------------------------------- Quartz

    static CronFields quartz(String expression) throws InvalidScheduleException {
        String[] parts = expression.trim().split("\\s+");
        if (parts.length != 6 && parts.length != 7) {
            throw new InvalidScheduleException("has " + parts.length + " field" + (parts.length == 1 ? "" : "s")
                    + "; Quartz expressions have 6 or 7: second minute hour day-of-month month day-of-week [year]"
                    + (parts.length == 5 ? " (for a 5-field Unix expression remove cronType: quartz)" : ""));
        }
        Parsed seconds = quartzField(parts[0], U_SECOND);
        Parsed minutes = quartzField(parts[1], U_MINUTE);
        Parsed hours = quartzField(parts[2], U_HOUR);
        Parsed months = quartzField(parts[4], U_MONTH);
        String dom = parts[3].toUpperCase(Locale.ROOT);
        String dow = parts[5].toUpperCase(Locale.ROOT);
        boolean domAny = dom.equals("?");
        boolean dowAny = dow.equals("?");
        if (domAny == dowAny) {
            throw new InvalidScheduleException("day-of-month \"" + parts[3] + "\" and day-of-week \"" + parts[5]
                    + "\": Quartz needs ? in exactly one of them, e.g. \"0 0 12 ? * MON\" or \"0 0 12 1 * ?\"");
        }
        long domBits = allBits(1, 31);
        long dowBits = allBits(0, 6);
        CronFields.DaySpecial special = CronFields.DaySpecial.NONE;
        if (!domAny) {
            QuartzDays days = quartzDaysOfMonth(dom, parts[3]);
            domBits = days.plain();
            special = new CronFields.DaySpecial(days.lastDayOffsets(), days.nearestWeekdays(), days.lastDayOffsetWeekdays(), 0, false);
        } else {
            if (dow.contains("#")) {
                String[] dk = dow.split("#", -1);
                int day = value(dk[0], Q_DOW, parts[5]);
                if (dk.length != 2 || !dk[1].matches("[1-5]")) {
                    throw new InvalidScheduleException("day-of-week \"" + parts[5] + "\": the number after # is the week of the month, 1-5, e.g. 2#1 for the first Monday");
                }
                dowBits = 1L << (day - 1);
                special = new CronFields.DaySpecial(0, 0, 0, Integer.parseInt(dk[1]), false);
            } else if (dow.equals("L")) {
                dowBits = 1L << 6; // a lone L is Saturday, the last day of the week
            } else if (dow.endsWith("L")) {
                int day = value(dow.substring(0, dow.length() - 1), Q_DOW, parts[5]);
                dowBits = 1L << (day - 1);
                special = new CronFields.DaySpecial(0, 0, 0, 0, true);
            } else {
                long bits = quartzField(parts[5], Q_DOW).bits;
                dowBits = bits >>> 1; // 1-7 (SUN-SAT) to 0-6
            }
        }
        BitSet years = null;
        if (parts.length == 7 && !parts[6].equals("*")) {
            years = new BitSet();
            for (String item : parts[6].split(",")) {
                years.or(yearItem(item));
            }
        }
        CronFields fields = new CronFields(seconds.bits, minutes.bits, hours.bits, domBits, (int) months.bits, (int) dowBits,
                domAny, dowAny, special, years, hours.fixed);
        if (fields.next(LocalDateTime.of(CronFields.FIRST_YEAR, 1, 1, 0, 0), LocalDateTime.of(Q_YEAR.max + 1, 1, 1, 0, 0)) == null) {
            throw new InvalidScheduleException("never fires: no day between " + Q_YEAR.min + " and " + Q_YEAR.max
                    + " matches; check day-of-month, month and year");
        }
        return fields;
    }

    /**
     * Quartz day-of-month: a list whose items are plain (values, ranges, steps: returned as bits 1-31) or one of
     * {@code L}, {@code L-n}, {@code LW}, {@code L-nW}, {@code nW}; see {@link CronFields.DaySpecial}.
     */
    private static QuartzDays quartzDaysOfMonth(String upper, String original) throws InvalidScheduleException {
        long bits = 0;
        long lastDayOffsets = 0;
        long nearestWeekdays = 0;
        long lastDayOffsetWeekdays = 0;
        for (String item : upper.split(",", -1)) {
            if (item.isEmpty() || item.equals("?")) {
                throw new InvalidScheduleException("day-of-month \"" + original + "\" has " + (item.isEmpty() ? "an empty list item"
                        : "? in a list; ? stands alone") + "; write e.g. " + Q_DOM.example);
            }
            if (item.startsWith("L")) {
                Matcher m = LAST_DAY.matcher(item);
                if (!m.matches()) {
                    throw new InvalidScheduleException("day-of-month \"" + original + "\": \"" + item
                            + "\" is not L, L-n, LW or L-nW; write e.g. L for the last day of the month, L-2 for two days before it");
                }
                int n = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
                if (n > 30) {
                    throw new InvalidScheduleException("day-of-month \"" + original + "\": " + item
                            + " counts back " + n + " days from the last day; the offset is 0-30");
                }
                if (m.group(2).isEmpty()) {
                    lastDayOffsets |= 1L << n;
                } else {
                    lastDayOffsetWeekdays |= 1L << n;
                }
            } else if (item.endsWith("W")) {
                String n = item.substring(0, item.length() - 1);
                if (!n.matches("\\d{1,9}")) {
                    throw new InvalidScheduleException("day-of-month \"" + original + "\": W follows a single day (15W: the weekday"
                            + " nearest the 15th) or L (LW); \"" + item + "\" cannot be a range or a step");
                }
                nearestWeekdays |= 1L << value(n, Q_DOM, original);
            } else if (item.contains("L") || item.contains("W")) {
                throw new InvalidScheduleException("day-of-month \"" + original + "\": \"" + item + "\" mixes L or W into a"
                        + " range or step; write them as their own list items, e.g. 1-5,L or 2W,16");
            } else {
                bits |= quartzField(item, Q_DOM).bits;
            }
        }
        return new QuartzDays(bits, lastDayOffsets, nearestWeekdays, lastDayOffsetWeekdays);
    }

    /** A Quartz day-of-month list: plain days (bits 1-31) and the bit sets of {@link CronFields.DaySpecial}. */
    private record QuartzDays(long plain, long lastDayOffsets, long nearestWeekdays, long lastDayOffsetWeekdays) {
    }

    private static Parsed quartzField(String text, Field f) throws InvalidScheduleException {
        long bits = 0;
        boolean fixed = true;
        for (String item : text.split(",", -1)) {
            if (item.isEmpty()) {
                throw new InvalidScheduleException(f.name + " \"" + text + "\" has an empty list item; write e.g. " + f.example);
            }
            if (item.equals("?")) {
                throw new InvalidScheduleException(f.name + " \"" + text + "\": ? is only allowed in day-of-month or day-of-week");
            }
            if (f.names != null && item.contains("/") && containsName(item, f)) {
                // org.quartz.CronExpression silently drops a step written after a name ("JUL/3" is July only).
                throw new InvalidScheduleException(f.name + " \"" + item + "\": Quartz ignores a step after a name; write numbers, e.g. "
                        + (f == U_MONTH ? "7/3" : "2-6/2"));
            }
            Item it = item(item, f, true);
            Integer maxStep = QUARTZ_MAX_STEP.get(f.name);
            if (maxStep != null && it.step() > maxStep && !item.substring(0, item.indexOf('/')).contains("-")) {
                throw new InvalidScheduleException(f.name + " step " + it.step() + " in \"" + item + "\" is larger than Quartz allows: "
                        + f.name + " runs " + f.range() + ", so steps after * or a single value go up to " + maxStep
                        + "; to run less often, " + LONGER_INTERVAL.get(f.name));
            }
            bits |= it.bits();
            fixed &= !it.wildcardOrStep;
        }
        return new Parsed(bits, false, fixed);
    }

    private static BitSet yearItem(String item) throws InvalidScheduleException {
        Item it = item(item, Q_YEAR, false);
        BitSet out = new BitSet();
        for (int y = it.start(); y <= it.end(); y += it.step()) {
            out.set(y - CronFields.FIRST_YEAR);
        }
        return out;
    }

    // ---------------------------------------------------------------- both

    /** Rejects Unix schedules whose days can never match, such as "0 0 30 2 *". */
    private static void requireSomeDay(CronFields f) throws InvalidScheduleException {
        if (!(f.domStar() || f.dowStar()) || !f.dowStar()) {
            return; // OR of both day fields, or every weekday of a month: some day always matches
        }
        List<String> months = new ArrayList<>();
        for (int m = 1; m <= 12; m++) {
            if ((f.months() & (1 << m)) == 0) {
                continue;
            }
            int length = Month.of(m).maxLength();
            for (int d = 1; d <= length; d++) {
                if ((f.daysOfMonth() & (1L << d)) != 0) {
                    return;
                }
            }
            months.add(Month.of(m).getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        }
        throw new InvalidScheduleException("never fires: no listed day-of-month occurs in " + String.join(", ", months));
    }

    private static long allBits(int from, int to) {
        long bits = 0;
        for (int i = from; i <= to; i++) {
            bits |= 1L << i;
        }
        return bits;
    }
}
