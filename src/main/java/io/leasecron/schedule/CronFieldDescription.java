package io.leasecron.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spells out a cron expression field by field, item by item ("every 15th minute from 5 through 59, every hour"),
 * for any shape the parser accepts: the wording {@link ScheduleDescriber} falls back to where cron-utils' would be
 * wrong. Day-of-week values arrive as names (SUN-SAT) whichever the dialect; Quartz day rules ({@code L},
 * {@code L-n}, {@code nW}, {@code LW}, {@code dL}, {@code d#k}) are worded one item at a time.
 */
final class CronFieldDescription {
    static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"};
    static final String[] DAYS = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static final String[] ORDINALS = {"", "first", "second", "third", "fourth", "fifth"};
    static final Pattern NUMBER = Pattern.compile("\\d{1,4}");

    private CronFieldDescription() {
    }

    /** The time of day: "minute 0, hours 22 through 23 and 0 through 2"; a second of 0 goes unsaid. */
    static String time(String second, String minute, String hour) {
        List<String> parts = new ArrayList<>();
        if (!second.equals("0")) {
            parts.add(plainField(second, "second", 0, 59, null));
        }
        parts.add(plainField(minute, "minute", 0, 59, null));
        parts.add(plainField(hour, "hour", 0, 23, null));
        return String.join(", ", parts);
    }

    /**
     * The days: "on day 13 of the month or on Friday, in January". Two restricted day fields are joined with "or"
     * (the Unix rule; Quartz never restricts both).
     */
    static String days(String dom, String month, String dow, String year) {
        boolean anyDom = dom.equals("*") || dom.equals("?");
        boolean anyDow = dow.equals("*") || dow.equals("?");
        List<String> parts = new ArrayList<>();
        String day = anyDom ? "" : plainDom(dom);
        if (!anyDow) {
            String weekday = plainDow(dow);
            day = day.isEmpty() ? weekday : day + " or " + weekday;
        }
        parts.add(day.isEmpty() ? "every day" : day);
        if (!month.equals("*")) {
            parts.add("in " + plainField(month, "month", 1, 12, MONTHS));
        }
        if (!year.equals("*")) {
            parts.add("in " + plainField(year, "year", 1970, CronParser.MAX_YEAR, null));
        }
        return String.join(", ", parts);
    }

    private static String plainDom(String dom) {
        List<String> items = new ArrayList<>();
        for (String item : dom.split(",")) {
            if (item.equals("L")) {
                items.add("on the last day of the month");
            } else if (item.equals("LW")) {
                items.add("on the last weekday (Monday to Friday) of the month");
            } else if (item.matches("L-\\d+W")) {
                items.add("on the weekday (Monday to Friday) nearest " + item.substring(2, item.length() - 1)
                        + " days before the last day of the month");
            } else if (item.matches("L-\\d+")) {
                items.add(item.substring(2) + " days before the last day of the month");
            } else if (item.matches("\\d+W")) {
                items.add("on the weekday (Monday to Friday) nearest day " + item.substring(0, item.length() - 1) + " of the month");
            } else {
                items.add("on " + plainField(item, "day", 1, 31, null) + " of the month");
            }
        }
        return String.join(" and ", items);
    }

    private static String plainDow(String dow) {
        List<String> items = new ArrayList<>();
        List<String> plain = new ArrayList<>();
        for (String item : dow.split(",")) {
            Matcher m = Pattern.compile("([A-Z]{3})(?:#([1-5])|(L))").matcher(item);
            if (item.equals("L")) {
                plain.add("SAT"); // Quartz: a lone L is the last day of the week
            } else if (m.matches()) {
                String day = DAYS[indexOf(m.group(1))];
                items.add(m.group(2) != null ? "on the " + ORDINALS[Integer.parseInt(m.group(2))] + " " + day + " of the month"
                        : "on the last " + day + " of the month");
            } else {
                plain.add(item);
            }
        }
        if (!plain.isEmpty()) {
            items.add(0, "on " + plainField(String.join(",", plain), "day of the week", 0, 6, DAYS));
        }
        return String.join(" and ", items);
    }

    /**
     * A field as written, in words: "minute 5", "minutes 1 and 15", "every 15 minutes from minute 5 through 59",
     * "hours 22 through 23 and 0 through 2".
     */
    private static String plainField(String field, String unit, int min, int max, String[] names) {
        if (field.equals("*") || field.equals("?")) {
            return "every " + unit;
        }
        List<String> steps = new ArrayList<>();
        List<String> values = new ArrayList<>();
        boolean plural = false;
        for (String item : field.split(",")) {
            if (item.isEmpty()) {
                continue;
            }
            String[] rangeAndStep = item.split("/", 2);
            String range = rangeAndStep[0];
            String from;
            String to;
            if (range.equals("*") || range.equals("?")) {
                from = name(String.valueOf(min), names, min);
                to = name(String.valueOf(max), names, min);
            } else if (range.contains("-")) {
                from = name(range.substring(0, range.indexOf('-')), names, min);
                to = name(range.substring(range.indexOf('-') + 1), names, min);
            } else {
                from = name(range, names, min);
                to = rangeAndStep.length == 2 ? name(String.valueOf(max), names, min) : null;
            }
            if (rangeAndStep.length == 2) {
                String every = rangeAndStep[1].equals("1") ? "every " : "every " + ordinal(rangeAndStep[1]) + " ";
                steps.add(every + unit + " from " + from + " through " + to);
            } else if (to != null && names == null && Integer.parseInt(from) > Integer.parseInt(to)) {
                values.add(from + " through " + max + " and " + min + " through " + to); // Quartz: 22-2 wraps past the end
                plural = true;
            } else if (to != null) {
                values.add(from + " through " + to);
                plural = true;
            } else {
                values.add(from);
            }
        }
        if (!values.isEmpty()) {
            plural |= values.size() > 1;
            steps.add((names != null ? "" : plural ? unit + "s " : unit + " ") + and(values));
        }
        return and(steps);
    }

    private static String ordinal(String step) {
        int n = Integer.parseInt(step);
        String suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }

    /** A month or weekday number or name as a name; other fields' values unchanged. */
    static String name(String value, String[] names, int base) {
        if (names == null) {
            return value;
        }
        if (NUMBER.matcher(value).matches()) {
            int i = Integer.parseInt(value) - base;
            return i >= 0 && i < names.length ? names[i] : value;
        }
        int i = indexOf(value, names);
        return i >= 0 ? names[i] : value;
    }

    static int indexOf(String day) {
        return indexOf(day, DAYS);
    }

    static int indexOf(String value, String[] names) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].substring(0, 3).equalsIgnoreCase(value)) {
                return i;
            }
        }
        return -1;
    }

    static String and(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
