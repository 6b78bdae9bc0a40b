package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.TimeZone;
import org.junit.jupiter.api.Test;
import org.quartz.CronExpression;

/**
 * {@code cronType: quartz} against Quartz 2.3.2's own {@link CronExpression} in zones without clock changes (where
 * daylight-saving policies cannot differ): hand-picked expressions for every special character, then thousands
 * of random ones.
 */
class QuartzParityTest {
    static final String[] ZONES = {"UTC", "Asia/Kolkata", "Asia/Tokyo"};

    static final String[] SPECIAL = {
        "0 0 12 * * ?", "0 15 10 ? * *", "0 * 14 * * ?", "0 0/5 14,18 * * ?", "0 0-5 14 * * ?", "0 10,44 14 ? 3 WED",
        "0 15 10 ? * MON-FRI", "0 15 10 15 * ?", "0 15 10 L * ?", "0 15 10 L-2 * ?", "0 15 10 ? * 6L", "0 15 10 ? * 6#3",
        "0 0 12 1/5 * ?", "0 11 11 11 11 ?", "0 0 0 LW * ?", "0 0 0 15W * ?", "0 0 0 1W * ?", "0 0 0 ? * L",
        "0 0 22-2 * * ?", "0 0 9 ? * FRI-MON", "0 0 0 ? * 2#5", "0 0 0 29 2 ? 2028-2040/4", "*/20 */7 * ? * *",
        "0 0 12 ? JAN,JUL 1", "0 30 23 L * ? *", "15 3/20 8-17 ? * 2-6",
    };

    @Test
    void hand_picked_expressions_match_quartz() throws Exception {
        List<String> mismatches = new ArrayList<>();
        for (String zone : ZONES) {
            for (String e : SPECIAL) {
                assertTrue(compare(e, zone, Instant.parse("2026-01-01T00:00:00Z"), 40, mismatches), e);
                compare(e, zone, Instant.parse("2027-12-30T13:14:15Z"), 40, mismatches);
            }
        }
        assertEquals(List.of(), mismatches);
    }

    @Test
    void random_expressions_match_quartz() throws Exception {
        Random r = new Random(20261201);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < 3000; i++) {
            String e = String.join(" ", field(r, 0, 59, null), field(r, 0, 59, null), field(r, 0, 23, null), days(r),
                    field(r, 1, 12, MONTHS)) ;
            Instant from = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(r.nextInt(4 * 365 * 86_400));
            compared += compare(e, ZONES[i % ZONES.length], from, 12, mismatches) ? 1 : 0;
        }
        assertTrue(compared > 1500, "expressions Quartz accepts: " + compared);
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())), mismatches.size() + " mismatches");
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
        String dom = switch (r.nextInt(7)) {
            case 0 -> "L";
            case 1 -> "L-" + r.nextInt(10);
            case 2 -> "LW";
            case 3 -> (1 + r.nextInt(28)) + "W";
            default -> field(r, 1, 31, null);
        };
        // Month goes between day-of-month and day-of-week: rebuilt by the caller's order below.
        return r.nextBoolean() ? dom + " %M ?" : "? %M " + dow;
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

    /** Compares the next runs; false if Quartz itself rejects the expression (the generator is looser than Quartz). */
    static boolean compare(String expression, String zone, Instant from, int count, List<String> mismatches) throws Exception {
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
                mismatches.add("\"" + e + "\" in " + zone + " after " + t + ": Quartz " + expected + ", leasecron " + actual);
                return true;
            }
            t = expected;
        }
        return true;
    }
}
