package io.leasecron.schedule;

import static io.leasecron.schedule.CronFieldDescription.DAYS;
import static io.leasecron.schedule.CronFieldDescription.MONTHS;
import static io.leasecron.schedule.CronFieldDescription.NUMBER;
import static io.leasecron.schedule.CronFieldDescription.ORDINALS;
import static io.leasecron.schedule.CronFieldDescription.and;
import static io.leasecron.schedule.CronFieldDescription.indexOf;
import static io.leasecron.schedule.CronFieldDescription.name;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.definition.CronDefinitionBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in plain English when a schedule runs ("at 02:30, every day (Europe/Berlin)"), for the API and Events.
 *
 * <p>A cron expression is described in two halves, the time of day (second, minute, hour) and the days (day of
 * month, month, day of week, year). A half in a shape that cron-utils' {@link CronDescriptor} is known to describe
 * right is described by it, with its wording smoothed; any other half is spelled out field by field
 * ({@link CronFieldDescription}). cron-utils gets several shapes wrong (it drops the start of {@code 5/15} and the range of {@code 8-18/2}, reads a lone Quartz
 * {@code L} in day of week as Sunday, describes {@code *}{@code /2} in day of week as "every Tuesday", and has no
 * word for the Unix rule that two restricted day fields mean either day), so those never reach it. The texts of
 * both paths are pinned in ScheduleDescriberTest. A description never fails: an expression this class cannot read
 * (only possible for syntax the parser learned after this class) is shown as written, {@code cron "..."}.
 */
public final class ScheduleDescriber {
    private static final com.cronutils.parser.CronParser QUARTZ = new com.cronutils.parser.CronParser(
            CronDefinitionBuilder.instanceDefinitionFor(com.cronutils.model.CronType.QUARTZ));
    private static final CronDescriptor DESCRIPTOR = CronDescriptor.instance(Locale.ENGLISH);
    /**
     * Descriptions by dialect and expression: a pure function, worth keeping because {@code GET /api/v1/jobs} shows
     * one per job on every call (tens to hundreds of microseconds each). Cleared when it outgrows its bound.
     */
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 20_000;
    private static final Pattern RANGE = Pattern.compile("(\\w+)-(\\w+)");
    private static final Pattern EVERY = Pattern.compile("\\*/(\\d{1,4})");

    private ScheduleDescriber() {
    }

    /**
     * The description of a compiled schedule. {@code type} is the dialect the cron expression was written in (it
     * is ignored for {@code @every} and {@code runAt}). The time zone is named when it is not UTC.
     */
    public static String describe(Schedule schedule, CronType type) {
        if (schedule instanceof OneTimeSchedule once) {
            return once(once.at(), once.zone());
        }
        if (schedule instanceof IntervalSchedule every) {
            return every(every.period(), every.origin());
        }
        CronSchedule cron = (CronSchedule) schedule;
        return cron(cron.expression(), type) + zone(cron.zone());
    }

    /** A cron expression as written (a descriptor such as {@code @daily} included), without its time zone. */
    static String cron(String expression, CronType type) {
        String key = type + " " + expression;
        String known = CACHE.get(key);
        if (known != null) {
            return known;
        }
        if (CACHE.size() >= CACHE_LIMIT) {
            CACHE.clear();
        }
        String text;
        try {
            text = describeCron(expression, type);
        } catch (RuntimeException e) {
            text = "cron \"" + expression.trim() + "\"";
        }
        CACHE.put(key, text);
        return text;
    }

    private static String describeCron(String expression, CronType type) {
        String text = expression.trim();
        if (type == CronType.UNIX && text.startsWith("@")) {
            text = CronParser.DESCRIPTORS.getOrDefault(text, text);
        }
        String[] f = text.split("\\s+");
        boolean unix = type == CronType.UNIX;
        if (unix ? f.length != 5 && f.length != 6 : f.length != 6 && f.length != 7) {
            return "cron \"" + expression.trim() + "\"";
        }
        for (int k = 0; k < f.length; k++) {
            f[k] = whole(f[k]);
        }
        int i = 0;
        String second = unix && f.length == 5 ? "0" : f[i++];
        String minute = f[i++];
        String hour = f[i++];
        String dom = f[i++];
        String month = f[i++];
        String dow = f[i++];
        String year = i < f.length ? f[i] : "*";
        dow = distinct(daysToNames(dow, unix ? 0 : 1));
        month = distinct(month);
        String time = time(fromMin(second, 0), fromMin(minute, 0), fromMin(hour, 0));
        dom = fromMin(dom, 1);
        month = fromMin(month, 1);
        String days = days(dom.toUpperCase(Locale.ROOT), month.toUpperCase(Locale.ROOT), dow.toUpperCase(Locale.ROOT), year);
        if (days == null) {
            // Every day: said when the hour is fixed ("at 02:30, every day"), implied by "every 15 minutes".
            return hour.equals("*") || EVERY.matcher(hour).matches() ? time : time + ", every day";
        }
        return time + ", " + days;
    }

    static String once(Instant at, ZoneId zone) {
        String utc = at.toString();
        if (utc(zone)) {
            return "once at " + utc;
        }
        LocalDateTime local = LocalDateTime.ofInstant(at, zone);
        return "once at " + utc + " (" + local + " in " + zone.getId() + ")";
    }

    static String every(Duration period, Instant origin) {
        return "every " + duration(period) + ", aligned to "
                + (origin.equals(Instant.EPOCH) ? "the Unix epoch" : origin.toString());
    }

    private static String zone(ZoneId zone) {
        return utc(zone) ? "" : " (" + zone.getId() + ")";
    }

    private static boolean utc(ZoneId zone) {
        return zone.normalized().equals(ZoneOffset.UTC);
    }

    // ---------------------------------------------------------------- the time of day

    private static String time(String second, String minute, String hour) {
        List<Integer> s = numbers(second);
        List<Integer> m = numbers(minute);
        List<Integer> h = numbers(hour);
        if (s != null && m != null && h != null && s.size() * m.size() * h.size() > 6) {
            return CronFieldDescription.time(second, minute, hour);
        }
        if (s != null && m != null && h != null) {
            List<String> times = new ArrayList<>();
            for (int hh : h) {
                for (int mm : m) {
                    for (int ss : s) {
                        times.add(String.format(Locale.ROOT, ss == 0 && s.size() == 1 ? "%02d:%02d" : "%02d:%02d:%02d", hh, mm, ss));
                    }
                }
            }
            return "at " + and(times);
        }
        Matcher hours = RANGE.matcher(hour);
        if (s != null && s.size() == 1 && m != null && m.size() == 1 && hours.matches() && ascending(hours)) {
            String at = s.get(0) == 0 ? "%02d:%02d" : "%02d:%02d:" + String.format(Locale.ROOT, "%02d", s.get(0));
            return "every hour from " + String.format(Locale.ROOT, at, Integer.parseInt(hours.group(1)), m.get(0)) + " through "
                    + String.format(Locale.ROOT, at, Integer.parseInt(hours.group(2)), m.get(0));
        }
        if (describable(second, 60) && describable(minute, 60) && describable(hour, 24)) {
            String text = describe("%s %s %s * * ?".formatted(second, minute, hour));
            if (text != null) {
                return smoothTime(text);
            }
        }
        return CronFieldDescription.time(second, minute, hour);
    }

    /** A time field in a shape CronDescriptor describes right: *, n, a-b, a list of numbers, or *&#47;n that divides the day. */
    private static boolean describable(String field, int span) {
        if (field.equals("*") || numbers(field) != null) {
            return true;
        }
        Matcher range = RANGE.matcher(field);
        if (range.matches()) {
            return ascending(range);
        }
        Matcher every = EVERY.matcher(field);
        return every.matches() && span % Integer.parseInt(every.group(1)) == 0;
    }

    private static String smoothTime(String text) {
        return text.replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) minutes$", "at minutes $1 of every hour")
                .replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) minutes", "at minutes $1")
                .replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) seconds$", "at seconds $1 of every minute")
                .replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) seconds", "at seconds $1")
                .replaceAll(" at ((?:\\d+, )*\\d+ and \\d+) hours$", " during hours $1")
                .replaceAll(" at (\\d+) hour$", " during hour $1")
                .replaceAll("^(at seconds .*) at (\\d+) minute$", "$1 of minute $2 of every hour")
                .replaceAll("^at (\\d+) second at ((?:\\d+, )*\\d+ and \\d+) minutes$", "at second $1 of minutes $2 of every hour")
                .replaceAll("^(at minutes .*) every (\\d+) hours$", "$1, every $2 hours")
                .replaceAll("every (minute|hour) at (minute|second) (\\d+)", "every $1 at $2 $3")
                .replaceAll("^(every \\d+ \\w+) every minute every hour", "$1 every hour")
                .replaceAll(" every hour between (\\d+) and (\\d+)$", ", during hours $1 through $2")
                .replaceAll("between (\\S+) and (\\S+)", "from $1 through $2");
    }

    // ---------------------------------------------------------------- the days

    /** The days half, or null when every day of every year is a day to run. */
    private static String days(String dom, String month, String dow, String year) {
        boolean anyDom = dom.equals("*") || dom.equals("?");
        boolean anyDow = dow.equals("*") || dow.equals("?");
        if (anyDom && anyDow && month.equals("*") && year.equals("*")) {
            return null;
        }
        if (!anyDom && !anyDow) {
            // Unix with both day fields restricted: a day matching either runs (Quartz refuses this shape).
            return CronFieldDescription.days(dom, month, dow, year);
        }
        if (daysDescribable(dom, month, dow, year)) {
            String text = describe("0 0 0 %s %s %s %s".formatted(anyDom && !anyDow ? "?" : dom, month, anyDom && !anyDow ? dow : "?", year));
            String smooth = text != null && text.startsWith("at 00:00") ? smoothDays(text.substring("at 00:00".length()).trim()) : "";
            // A clause left in cron-utils' words ("at 5 day") is one its wording was never checked for.
            if (!smooth.isEmpty() && !smooth.matches("(^|.*, )at .*")) {
                // cron-utils names only the month or year then ("in January"), though every day of it runs.
                return anyDom && anyDow ? "every day, " + smooth : smooth;
            }
        }
        return CronFieldDescription.days(dom, month, dow, year);
    }

    private static boolean daysDescribable(String dom, String month, String dow, String year) {
        boolean domOk = dom.equals("*") || dom.equals("?") || numbers(dom) != null || ascendingRange(dom)
                || dom.matches("L|LW|L-\\d{1,2}|\\d{1,2}W");
        boolean monthOk = month.equals("*") || names(month, MONTHS, 1) != null || ascendingRange(month)
                || EVERY.matcher(month).matches() && 12 % Integer.parseInt(month.substring(2)) == 0;
        // A lone L (Saturday in Quartz) is described as Sunday by cron-utils, so only "dL" and "d#k" with d a name.
        boolean dowOk = dow.equals("*") || dow.equals("?") || names(dow, DAYS, 0) != null || ascendingRange(dow)
                || dow.matches("[A-Z]{3}L|[A-Z]{3}#[1-5]");
        boolean yearOk = year.equals("*") || numbers(year) != null || ascendingRange(year);
        return domOk && monthOk && dowOk && yearOk;
    }

    /** cron-utils' day clauses ("at 1 day at January month") one by one in our words ("on day 1 of the month, in January"). */
    private static String smoothDays(String text) {
        List<String> clauses = new ArrayList<>();
        for (String clause : CLAUSE.split(text)) {
            clauses.add(smoothDay(clause.trim()));
        }
        return String.join(", ", clauses);
    }

    /** Where one of cron-utils' day clauses starts. */
    private static final Pattern CLAUSE = Pattern.compile(" (?<!of |the )(?=at |every |last |the nearest |\\d+ days before |\\w+day [1-5] of every)");

    private static String smoothDay(String clause) {
        Matcher nth = Pattern.compile("(\\w+day) ([1-5]) of every month").matcher(clause);
        if (nth.matches()) {
            return "on the " + ORDINALS[Integer.parseInt(nth.group(2))] + " " + nth.group(1) + " of the month";
        }
        return clause.replaceAll("^at (\\d+) day$", "on day $1 of the month")
                .replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) days$", "on days $1 of the month")
                .replaceAll("^every day between (\\d+) and (\\d+)$", "on days $1 through $2 of the month")
                .replaceAll("^last day of month$", "on the last day of the month")
                .replaceAll("^last weekday of month$", "on the last weekday (Monday to Friday) of the month")
                .replaceAll("^the nearest weekday to the (\\d+) of the month$", "on the weekday (Monday to Friday) nearest day $1 of the month")
                .replaceAll("^at (\\w+) month$", "in $1")
                .replaceAll("^at ((?:\\w+, )*\\w+ and \\w+) months$", "in $1")
                .replaceAll("^every month between (\\w+) and (\\w+)$", "in $1 through $2")
                .replaceAll("^every (\\d+) months$", "every $1 months from January")
                .replaceAll("^at (\\w+day) day$", "on $1")
                .replaceAll("^at ((?:\\w+day, )*\\w+day and \\w+day) days$", "on $1")
                .replaceAll("^every day between (\\w+day) and (\\w+day)$", "on $1 through $2")
                .replaceAll("^last (\\w+day) of every month$", "on the last $1 of the month")
                .replaceAll("^at (\\d+) year$", "in $1")
                .replaceAll("^at ((?:\\d+, )*\\d+ and \\d+) years$", "in $1")
                .replaceAll("^every year between (\\d+) and (\\d+)$", "in $1 through $2");
    }

    // ---------------------------------------------------------------- helpers

    /**
     * {@code *} for a list with an item that covers the whole field ({@code *}, {@code ?}, {@code *}{@code /1}): the
     * field matches every value, and robfig treats such a day field as unrestricted ({@code 0 0 15 * *}{@code /1,THU}
     * runs on the 15th only), so it reads as {@code *}. A lone {@code ?} stays: Quartz needs it.
     */
    private static String whole(String field) {
        if (field.equals("?") || !field.contains(",") && !field.matches("[*?]/1")) {
            return field;
        }
        for (String item : field.split(",")) {
            if (item.matches("[*?](/1)?")) {
                return "*";
            }
        }
        return field;
    }

    /** {@code 0/n} (or {@code 1/n} in day of month and month) is {@code *}{@code /n}: the step starts at the field's first value. */
    private static String fromMin(String field, int min) {
        return field.startsWith(min + "/") ? "*" + field.substring(String.valueOf(min).length()) : field;
    }

    /**
     * Day-of-week numbers as names (SUN-SAT), so that both dialects read the same: Unix counts from 0 (7 is Sunday
     * too), Quartz from 1. Step sizes and the k of {@code d#k} stay numbers.
     */
    private static String daysToNames(String dow, int sunday) {
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("(?<![/#\\d])\\d+").matcher(dow.toUpperCase(Locale.ROOT));
        while (m.find()) {
            int v = Integer.parseInt(m.group()) - sunday;
            m.appendReplacement(out, v >= 0 && v <= 7 ? DAYS[v % 7].substring(0, 3).toUpperCase(Locale.ROOT) : m.group());
        }
        m.appendTail(out);
        // 5-7 became FRI-SUN, which (like Quartz' wrapping ranges) is described as Friday through Sunday.
        return out.toString().toUpperCase(Locale.ROOT).replace("SUN-SUN", "SUN-SAT");
    }

    /** A list without its repeated items, first occurrence kept: {@code SUN,MON,SUN} (Unix {@code 0,1,7}) is {@code SUN,MON}. */
    private static String distinct(String field) {
        return field.contains(",") ? String.join(",", new java.util.LinkedHashSet<>(List.of(field.split(",")))) : field;
    }

    private static String describe(String quartz) {
        try {
            return DESCRIPTOR.describe(QUARTZ.parse(quartz));
        } catch (RuntimeException e) {
            return null; // a shape cron-utils does not read: described field by field instead
        }
    }

    /** A list of plain numbers, in order and without repeats, or null. */
    private static List<Integer> numbers(String field) {
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (String item : field.split(",")) {
            if (!NUMBER.matcher(item).matches()) {
                return null;
            }
            out.add(Integer.parseInt(item));
        }
        return List.copyOf(out);
    }

    /** A list of month or weekday names (or numbers), or null. */
    private static List<String> names(String field, String[] names, int base) {
        List<String> out = new ArrayList<>();
        for (String item : field.split(",")) {
            if (!NUMBER.matcher(item).matches() && indexOf(item, names) < 0) {
                return null;
            }
            out.add(name(item, names, base));
        }
        return out;
    }

    private static boolean ascendingRange(String field) {
        Matcher m = RANGE.matcher(field);
        return m.matches() && ascending(m);
    }

    /** A range whose start comes before its end: one that does not wrap around (Quartz {@code FRI-MON}, {@code 22-2}). */
    private static boolean ascending(Matcher range) {
        int a = order(range.group(1));
        int b = order(range.group(2));
        return a >= 0 && b >= 0 && a < b;
    }

    private static int order(String value) {
        if (NUMBER.matcher(value).matches()) {
            return Integer.parseInt(value);
        }
        int i = indexOf(value, MONTHS);
        return i >= 0 ? i + 1 : indexOf(value);
    }

    private static String duration(Duration d) {
        List<String> parts = new ArrayList<>();
        long days = d.toDays();
        unit(parts, days, "day");
        unit(parts, d.toHoursPart(), "hour");
        unit(parts, d.toMinutesPart(), "minute");
        unit(parts, d.toSecondsPart(), "second");
        unit(parts, d.toMillisPart(), "millisecond");
        return parts.size() == 1 && parts.get(0).startsWith("1 ") ? parts.get(0).substring(2) : String.join(" ", parts);
    }

    private static void unit(List<String> parts, long n, String unit) {
        if (n != 0) {
            parts.add(n + " " + unit + (n == 1 ? "" : "s"));
        }
    }
}
