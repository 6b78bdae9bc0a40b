package io.leasecron.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * cron-utils as a second opinion on the Unix dialect: for every expression here, our parser and cron-utils (its UNIX
 * definition for 5 fields, SPRING for 6 with leading seconds) both accept it and give the same next runs, or both
 * refuse it, except for the expressions in {@link #KNOWN}, where they are known to differ for the reason given;
 * over the Kubernetes vectors, every disagreement has a shape of {@link #rule} (docs/schedules.md, "Where cron-utils
 * disagrees", lists the same). A new disagreement fails the test, and so does a listed one that disappeared. Kubernetes CronJob (robfig/cron v3) is the reference we follow; cron-utils
 * is a second reader, not a judge.
 */
class CronUtilsSecondOpinionTest {
    static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");

    /** Accepted by both, with the same runs. */
    static final List<String> AGREED = List.of(
            "30 2 * * *", "* * * * *", "*/15 * * * *", "0 * * * *", "0 0 * * 0", "0 0 * * 7", "0 0 1 * *", "0 0 1 1 *",
            "0 9-17 * * MON-FRI", "0 9-17 * * mon-fri", "10-50/20 * * * *", "5/15 * * * *", "0 0 1,15 * *", "0 9,17 * * *",
            "0 */2 * * *", "30 2 * JAN-MAR *", "0 22-23,0-2 * * *", "0 0 13 * 5", "0 0 */10 * 1", "0 0 * * 1-5",
            "0 0 * * 5-7", "0 8-18/2 * * *", "0 0 1 */3 *", "59 23 31 12 *", "0 12 * * sun", "0 0 29 2 *", "*/7 * * * *",
            "0 0 1-7 * 1", "0 12 1,15 * 1", "15,45 * * * *", "0 0 * 1,6 *", "0 0 31 * *",
            "*/10 * * * * *", "30 0 2 * * *", "0 */5 * * * *", "15 30 9 * * MON-FRI",
            "* * * * 7"); // 7 is Sunday for us and cron-utils (Vixie cron); robfig refuses it

    /** Refused by both. */
    static final List<String> BOTH_REFUSE = List.of(
            "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * 0 *",
            "* * * * 8", "0 0 L * *", "0 12 * * 1#2", "0 0 15W * *", "5-1 * * * *", "*/0 * * * *", "a * * * *",
            "@fortnightly");

    /** Where the two differ, with the reason; docs/schedules.md lists the same cases. */
    static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("0 0 ? * *", "robfig (Kubernetes) accepts ? as *; cron-utils' UNIX definition refuses it");
        KNOWN.put("0 0 * * ?", "robfig (Kubernetes) accepts ? as *; cron-utils' UNIX definition refuses it");
        KNOWN.put("0 */24 * * *", "robfig accepts a step as large as the field (only the start matches, hour 0); cron-utils refuses it");
        KNOWN.put("*/60 * * * *", "robfig accepts a step as large as the field (only minute 0 matches); cron-utils refuses it");
        KNOWN.put("0 0 * * SUN-3", "robfig reads SUN as 0 (Sunday to Wednesday); cron-utils reads it as 7 and refuses the range as backwards");
        KNOWN.put("1,,2 * * * *", "robfig ignores an empty list item; cron-utils refuses it");
        KNOWN.put("0 0 15 * */1,THU", "robfig: a * in a list leaves day of week unrestricted, so only the 15th runs; cron-utils runs every day");
        KNOWN.put("0 0 * * 5-6/7", "robfig: a step as large as the field takes the first value (Friday); cron-utils refuses it");
        KNOWN.put("0 0 * * 2/1", "robfig: a/n in day of week runs to Saturday; cron-utils on to 7, Sunday again");
        KNOWN.put("0 0 0 13 * FRI", "robfig: two restricted day fields mean either day; cron-utils' SPRING definition needs both");
        KNOWN.put("0 0 30 2 *", "never fires (February has no 30th): we refuse it, as Kubernetes does not; cron-utils accepts it");
        KNOWN.put("0 0 31 2,4 *", "never fires: we refuse it; cron-utils accepts it");
        KNOWN.put("@daily", "descriptors are expanded by our parser; cron-utils' UNIX definition refuses them");
        KNOWN.put("@hourly", "descriptors are expanded by our parser; cron-utils' UNIX definition refuses them");
    }

    @Test
    void cron_utils_gives_the_same_runs_for_what_both_accept() {
        List<String> differ = new ArrayList<>();
        for (String e : AGREED) {
            String verdict = compare(e);
            if (!verdict.equals("same")) {
                differ.add(e + ": " + verdict);
            }
        }
        assertEquals(List.of(), differ);
    }

    @Test
    void cron_utils_refuses_what_we_refuse() {
        List<String> differ = new ArrayList<>();
        for (String e : BOTH_REFUSE) {
            String verdict = compare(e);
            if (!verdict.equals("both refuse")) {
                differ.add(e + ": " + verdict);
            }
        }
        assertEquals(List.of(), differ);
    }

    /** Kubernetes' own refusals (the robfig vectors) are refused by cron-utils too, except the listed ones. */
    @Test
    void cron_utils_refuses_what_kubernetes_cronjob_refuses() {
        List<String> differ = new ArrayList<>();
        int checked = 0;
        for (JsonNode r : RobfigParityTest.VECTORS.get("rejected")) {
            String e = r.get("schedule").asText();
            if (e.startsWith("@every") || KNOWN.containsKey(e) || e.equals("* * * * 7")) {
                continue;
            }
            checked++;
            if (cronUtils(e).isPresent()) {
                differ.add(e);
            }
        }
        assertTrue(checked >= 20, "checked " + checked);
        assertEquals(List.of(), differ, "cron-utils accepts what Kubernetes CronJob refuses");
    }

    @Test
    void every_known_disagreement_is_still_a_disagreement() {
        List<String> agreeNow = new ArrayList<>();
        for (String e : KNOWN.keySet()) {
            String verdict = compare(e);
            if (verdict.equals("same") || verdict.equals("both refuse")) {
                agreeNow.add(e + ": " + verdict);
            }
        }
        assertEquals(List.of(), agreeNow, "remove these from KNOWN and from docs/schedules.md");
    }

    /**
     * Every distinct expression of the Kubernetes vectors (598, most of them random, RobfigParityTest): cron-utils
     * gives the same runs, or it differs and the expression has a shape of {@link #rule}. The shapes are where the
     * two may differ, not where they must: many expressions of those shapes still agree.
     */
    @Test
    void every_kubernetes_vector_agrees_or_has_a_listed_shape() {
        Map<String, Integer> census = new TreeMap<>();
        List<String> unexplained = new ArrayList<>();
        Set<String> expressions = new TreeSet<>();
        RobfigParityTest.VECTORS.get("vectors").forEach(v -> expressions.add(v.get(0).asText()));
        for (String e : expressions) {
            String verdict = compare(e);
            if (verdict.equals("same")) {
                census.merge("same", 1, Integer::sum);
                continue;
            }
            String rule = rule(e);
            if (rule == null) {
                unexplained.add(e + ": " + verdict);
            } else {
                census.merge(rule, 1, Integer::sum);
            }
        }
        assertEquals(List.of(), unexplained);
        assertEquals(CENSUS, census);
    }

    /** The census of the 598 expressions, as measured with cron-utils 9.2.1 (docs/schedules.md). */
    static final Map<String, Integer> CENSUS = Map.of("same", 324, "?", 168, "step", 40, "6 fields, both days", 35,
            "SUN", 11, "* in a day list", 10, "descriptor", 7, "a/n weekday", 2, "empty item", 1);

    /**
     * The first shape of {@code expression} where cron-utils may read it otherwise than robfig, or null:
     * <ul>
     * <li>{@code ?}: robfig reads it as {@code *}; cron-utils' UNIX definition refuses it;</li>
     * <li>{@code empty item}: robfig ignores an empty list item ({@code 1,,2}); cron-utils refuses it;</li>
     * <li>{@code step}: a step at least the field's size ({@code *}{@code /60}, {@code 5-6/7} in day of week): robfig
     * takes the first value; cron-utils refuses it or reads it otherwise;</li>
     * <li>{@code SUN}: a range from SUN: robfig reads SUN as 0, cron-utils as 7 (a backwards range);</li>
     * <li>{@code * in a day list}: a {@code *} item in a day-field list leaves that field unrestricted for robfig
     * (both day fields must match); cron-utils runs on either;</li>
     * <li>{@code a/n weekday}: {@code a/n} in day of week runs to Saturday for robfig, on to 7 (Sunday) for cron-utils;</li>
     * <li>{@code 6 fields, both days}: with seconds and both day fields restricted, robfig runs on either day;
     * cron-utils' SPRING definition on days matching both;</li>
     * <li>{@code descriptor}: {@code @daily} and the like, which the UNIX definition does not read.</li>
     * </ul>
     */
    static String rule(String expression) {
        String e = expression.trim().toLowerCase(java.util.Locale.ROOT);
        if (e.startsWith("@")) {
            return "descriptor";
        }
        if (e.contains("?")) {
            return "?";
        }
        String[] f = e.split("\\s+");
        if (e.contains(",,") || Arrays.stream(f).anyMatch(x -> x.startsWith(",") || x.endsWith(","))) {
            return "empty item";
        }
        int[] size = f.length == 6 ? new int[] {60, 60, 24, 31, 12, 7} : new int[] {60, 24, 31, 12, 7};
        for (int i = 0; i < f.length; i++) {
            for (String item : f[i].split(",")) {
                if (item.contains("/") && Integer.parseInt(item.substring(item.indexOf('/') + 1)) >= size[i]) {
                    return "step";
                }
            }
        }
        String dom = f[f.length - 3];
        String dow = f[f.length - 1];
        if (Arrays.stream(dow.split(",")).anyMatch(x -> x.startsWith("sun-"))) {
            return "SUN";
        }
        boolean domStarItem = Arrays.stream(dom.split(",")).anyMatch(x -> x.matches("\\*(/1)?"));
        boolean dowStarItem = Arrays.stream(dow.split(",")).anyMatch(x -> x.matches("\\*(/1)?"));
        if (domStarItem && !dom.equals("*") || dowStarItem && !dow.equals("*")) {
            return "* in a day list";
        }
        if (f.length == 6 && !dom.equals("*") && !dow.equals("*")) {
            return "6 fields, both days";
        }
        if (Arrays.stream(dow.split(",")).anyMatch(x -> x.matches("\\w+/\\d+"))) {
            return "a/n weekday";
        }
        return null;
    }

    /** "same", "both refuse", or how they differ. */
    static String compare(String expression) {
        Optional<Schedule> ours = ours(expression);
        Optional<Cron> theirs = cronUtils(expression);
        if (ours.isEmpty() || theirs.isEmpty()) {
            return ours.isEmpty() && theirs.isEmpty() ? "both refuse"
                    : ours.isEmpty() ? "we refuse, cron-utils accepts" : "we accept, cron-utils refuses";
        }
        ExecutionTime execution = ExecutionTime.forCron(theirs.get());
        ZonedDateTime t = FROM.atZone(ZoneOffset.UTC);
        Instant u = FROM;
        for (int i = 0; i < 12; i++) {
            Instant next;
            try {
                next = execution.nextExecution(t).map(ZonedDateTime::toInstant).orElse(null);
            } catch (RuntimeException e) {
                return "cron-utils fails computing the next run: " + e;
            }
            Instant ourNext = ours.get().next(u).map(Occurrence::time).orElse(null);
            if (next == null || !next.equals(ourNext)) {
                return "after " + u + " cron-utils runs at " + next + ", we at " + ourNext;
            }
            t = next.atZone(ZoneOffset.UTC);
            u = ourNext;
        }
        return "same";
    }

    static Optional<Schedule> ours(String expression) {
        try {
            return Optional.of(Schedules.parse(expression, CronType.UNIX, ZoneOffset.UTC, DstPolicy.CRON_JOB, null));
        } catch (InvalidScheduleException e) {
            return Optional.empty();
        }
    }

    static Optional<Cron> cronUtils(String expression) {
        var type = expression.trim().split("\\s+").length == 6 ? com.cronutils.model.CronType.SPRING
                : com.cronutils.model.CronType.UNIX;
        try {
            Cron cron = new com.cronutils.parser.CronParser(CronDefinitionBuilder.instanceDefinitionFor(type)).parse(expression);
            return Optional.of(cron.validate());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
