package io.leasecron.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Judges one scenario from what the recording target received and what the product reported, and writes it down:
 * {@code <scenario>.json} (machine-readable) and a readable summary. The guarantees checked for every scenario:
 * no slot of an {@code AtMostOnce} job executed twice (by {@code Idempotency-Key} and by scheduled time); no slot of
 * a {@code catchUp: All} job lost unless the product reported it uncertain; none lost at all for
 * {@code AtLeastOnce}, whose repeats carry the slot's one key; nothing fired that the job did not define. Fires under
 * the slots of manual runs ({@link ChaosRun#manualSlots}) are left to the scenario that asked for them, and slots due
 * while the harness had a job paused are not expected ({@link JobTrack#pause}). Scenario checks add their own
 * {@link #violation}s.
 */
final class Report {
    private static final java.util.regex.Pattern SLOT = java.util.regex.Pattern.compile("^slot (\\S+): ");
    private static final Set<String> DISRUPTIONS = Set.of("kill", "terminate", "freeze", "cut", "cut-all", "edit");

    /** A leadership term as the fires show it. */
    record Term(String replica, long term, Instant firstFire, Instant lastFire, int fires) {
    }

    final ChaosRun run;
    final List<FireRecorder.Fire> fires;
    final Map<String, Set<Instant>> uncertain = new TreeMap<>();
    final List<String> violations = new ArrayList<>();
    final Map<String, Object> json = new LinkedHashMap<>();
    final StringBuilder text = new StringBuilder();
    private final Instant reportedAt = Instant.now();

    Report(ChaosRun run) {
        this.run = run;
        this.fires = run.target.fires().stream().sorted(Comparator.comparing(FireRecorder.Fire::received)).toList();
        for (Event e : run.events("UncertainSlot")) {
            String job = e.getInvolvedObject().getName() + "/" + e.getInvolvedObject().getFieldPath().replaceFirst("^data\\.", "");
            java.util.regex.Matcher m = SLOT.matcher(e.getMessage());
            if (!m.find()) {
                throw new IllegalStateException("an UncertainSlot Event without its slot: " + e.getMessage());
            }
            uncertain.computeIfAbsent(job, k -> new HashSet<>()).add(Instant.parse(m.group(1)));
        }
    }

    void violation(String what) {
        violations.add(what);
    }

    // ---------------------------------------------------------------- queries the scenario checks use

    /** The fires of {@code job}'s scheduled slots: all of its fires but those under a manual run's slot. */
    List<FireRecorder.Fire> firesOf(String job) {
        Map<Instant, String> manual = run.manualSlots.getOrDefault(job, Map.of());
        return fires.stream().filter(f -> f.job().equals(job) && !manual.containsKey(f.slot())).toList();
    }

    /**
     * The longest any slot of a {@code catchUp: All} job due in [from, to) waited for its first fire (until now if it
     * never arrived); slots the product reported uncertain and did not fire again are left out.
     */
    Duration longestWait(Instant from, Instant to) {
        Duration longest = Duration.ZERO;
        for (JobTrack t : run.tracks.values()) {
            if (!t.job.mustFireAll()) {
                continue;
            }
            Map<Instant, Instant> first = firstFires(t.id);
            Set<Instant> reported = uncertain.getOrDefault(t.id, Set.of());
            for (Instant slot : t.expected(run.end)) {
                if (slot.isBefore(from) || !slot.isBefore(to) || !first.containsKey(slot) && reported.contains(slot)) {
                    continue; // outside, or reported uncertain and (AtMostOnce) deliberately not fired again
                }
                Instant at = first.getOrDefault(slot, reportedAt);
                Duration wait = Duration.between(slot, at);
                if (wait.compareTo(longest) > 0) {
                    longest = wait;
                }
            }
        }
        return longest;
    }

    private Map<Instant, Instant> firstFires(String job) {
        Map<Instant, Instant> first = new TreeMap<>();
        for (FireRecorder.Fire f : firesOf(job)) {
            first.merge(f.slot(), f.received(), (a, b) -> a.isBefore(b) ? a : b);
        }
        return first;
    }

    /** Leadership terms in the order their first fire arrived. */
    List<Term> terms() {
        Map<String, Term> terms = new LinkedHashMap<>();
        for (FireRecorder.Fire f : fires) {
            terms.merge(f.replica() + "#" + f.term(), new Term(f.replica(), f.term(), f.received(), f.received(), 1),
                    (a, b) -> new Term(a.replica(), a.term(), a.firstFire(), b.lastFire(), a.fires() + 1));
        }
        return new ArrayList<>(terms.values());
    }

    // ---------------------------------------------------------------- the judgement

    Report judge() {
        json.put("scenario", run.scenario);
        json.put("apiServer", run.api.describe());
        json.put("namespace", run.namespace);
        json.put("window", Map.of("from", run.start.toString(), "through", run.end.toString(),
                "seconds", Duration.between(run.start, run.end).toSeconds() + 1));
        json.put("leaseTimings", Map.of("leaseDuration", ChaosRun.LEASE.toString(), "renewDeadline",
                ChaosRun.RENEW_DEADLINE.toString(), "retryPeriod", ChaosRun.RETRY.toString()));
        json.put("replicas", run.replicas.stream().map(r -> Map.of("name", r.name(), "clockSkewMs", r.skew().toMillis(),
                "incarnations", r.incarnation())).toList());

        List<Map<String, Object>> jobs = new ArrayList<>();
        long expectedTotal = 0;
        long firedTotal = 0;
        long uncertainTotal = 0;
        long duplicateTotal = 0;
        long missedTotal = 0;
        List<Long> allLateness = new ArrayList<>();
        for (JobTrack t : run.tracks.values()) {
            Map<String, Object> j = judge(t, allLateness);
            jobs.add(j);
            expectedTotal += (int) j.get("expectedSlots");
            firedTotal += (int) j.get("slotsFired");
            uncertainTotal += (int) j.get("uncertainSlots");
            duplicateTotal += (int) j.get("duplicateSlotsByKey") + (int) j.get("duplicateSlotsByTime");
            missedTotal += (int) j.get("missedSlots");
        }
        for (FireRecorder.Fire f : fires) {
            if (!run.tracks.containsKey(f.job())) {
                violation("a fire of " + f.job() + " slot " + f.slot() + " by " + f.replica()
                        + ": no such job was defined");
            }
        }
        run.target.malformed().forEach(m -> violation("a request without the contract headers: " + m));
        long manualFires = fires.stream().filter(f -> run.manualSlots.getOrDefault(f.job(), Map.of()).containsKey(f.slot())).count();
        json.put("totals", Map.of("expectedSlots", expectedTotal, "slotsFired", firedTotal, "missedSlots", missedTotal,
                "uncertainSlots", uncertainTotal, "duplicates", duplicateTotal, "fires", fires.size(), "firesOfManualRuns",
                manualFires));
        json.put("lateness", percentiles(allLateness));
        json.put("longestWaitOfADueSlotMs", longestWait(run.start, run.end.plusSeconds(1)).toMillis());
        json.put("jobs", jobs);

        List<Map<String, Object>> terms = new ArrayList<>();
        Term previous = null;
        for (Term t : terms()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("replica", t.replica());
            m.put("term", t.term());
            m.put("fires", t.fires());
            m.put("firstFire", t.firstFire().toString());
            m.put("lastFire", t.lastFire().toString());
            if (previous != null) {
                m.put("sincePreviousTermsLastFireMs", Duration.between(previous.lastFire(), t.firstFire()).toMillis());
            }
            terms.add(m);
            previous = t;
        }
        json.put("terms", terms);
        json.put("firesByReplica", fires.stream().collect(Collectors.groupingBy(FireRecorder.Fire::replica, TreeMap::new,
                Collectors.counting())));

        List<Map<String, Object>> timeline = new ArrayList<>();
        List<ChaosRun.Action> actions = run.actions;
        for (int i = 0; i < actions.size(); i++) {
            ChaosRun.Action a = actions.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", a.at().toString());
            m.put("secondsIntoWindow", run.start == null ? null : Duration.between(run.start, a.at()).toMillis() / 1000.0);
            m.put("kind", a.kind());
            m.put("replica", a.replica());
            m.put("detail", a.detail());
            if (DISRUPTIONS.contains(a.kind())) {
                Instant until = run.end.plusSeconds(1);
                for (int k = i + 1; k < actions.size(); k++) {
                    if (DISRUPTIONS.contains(actions.get(k).kind())) {
                        until = actions.get(k).at();
                        break;
                    }
                }
                m.put("longestWaitOfASlotDueUntilTheNextDisruptionMs", longestWait(a.at().minusSeconds(1), until).toMillis());
            }
            timeline.add(m);
        }
        json.put("actions", timeline);
        json.put("apiRequests", apiUsage());

        Map<String, Object> probes = new LinkedHashMap<>();
        for (ReplicaProcess r : run.replicas) {
            List<ChaosRun.ProbeFailure> mine = run.probeFailures.stream().filter(p -> p.replica().equals(r.name())).toList();
            probes.put(r.name(), Map.of("liveFailures", mine.stream().filter(p -> p.probe().equals("live")).count(),
                    "readyFailures", mine.stream().filter(p -> p.probe().equals("ready")).count(),
                    "stayedLive", mine.stream().noneMatch(p -> p.probe().equals("live")),
                    "failures", mine.stream().limit(20).map(p -> p.at() + " #" + p.incarnation() + " " + p.probe() + " "
                            + p.status() + " " + p.body()).toList()));
        }
        json.put("probes", probes);
        json.put("facts", run.facts);
        json.put("violations", violations);
        json.put("passed", violations.isEmpty());
        return this;
    }

    private Map<String, Object> judge(JobTrack t, List<Long> allLateness) {
        List<FireRecorder.Fire> mine = firesOf(t.id);
        List<Instant> expected = t.expected(run.end);
        Map<Instant, List<FireRecorder.Fire>> bySlot = mine.stream().collect(Collectors.groupingBy(FireRecorder.Fire::slot,
                TreeMap::new, Collectors.toList()));
        Map<String, List<FireRecorder.Fire>> byKey = mine.stream().collect(Collectors.groupingBy(FireRecorder.Fire::key,
                TreeMap::new, Collectors.toList()));
        Set<Instant> reported = uncertain.getOrDefault(t.id, Set.of());

        List<String> twiceByTime = new ArrayList<>();
        bySlot.forEach((slot, fs) -> {
            if (fs.size() > 1) {
                twiceByTime.add(slot + " by " + fs.stream().map(f -> f.replica() + "/term " + f.term() + "/attempt " + f.attempt())
                        .toList());
            }
        });
        List<String> twiceByKey = new ArrayList<>();
        byKey.forEach((key, fs) -> {
            if (fs.size() > 1) {
                twiceByKey.add(key + " (" + fs.get(0).slot() + ") x" + fs.size());
            }
        });
        List<String> keyMismatch = new ArrayList<>();
        bySlot.forEach((slot, fs) -> {
            if (fs.stream().map(FireRecorder.Fire::key).distinct().count() > 1) {
                keyMismatch.add(slot + " with keys " + fs.stream().map(FireRecorder.Fire::key).distinct().toList());
            }
        });
        byKey.forEach((key, fs) -> {
            if (fs.stream().map(FireRecorder.Fire::slot).distinct().count() > 1) {
                keyMismatch.add("key " + key + " used for slots " + fs.stream().map(FireRecorder.Fire::slot).distinct().toList());
            }
        });
        List<Instant> missed = expected.stream().filter(s -> !bySlot.containsKey(s)).toList();
        List<Instant> missedUnreported = missed.stream().filter(s -> !reported.contains(s)).toList();
        List<String> unexpected = mine.stream().filter(f -> t.unexpected(f.slot(), run.end))
                .map(f -> f.slot() + " by " + f.replica() + "/term " + f.term() + (f.slot().getNano() != 0
                        ? " (off the grid, as a manual run's slot is, but no run record names it)" : "")).toList();
        List<Long> lateness = new ArrayList<>();
        for (Instant s : expected) {
            List<FireRecorder.Fire> fs = bySlot.get(s);
            if (fs != null) {
                lateness.add(Duration.between(s, fs.get(0).received()).toNanos() / 1000);
            }
        }
        allLateness.addAll(lateness);

        String delivery = t.job.atLeastOnce() ? "AtLeastOnce" : "AtMostOnce";
        if (!t.job.atLeastOnce()) {
            twiceByTime.forEach(d -> violation(t.id + ": slot executed twice: " + d));
            twiceByKey.forEach(d -> violation(t.id + ": Idempotency-Key received twice: " + d));
        }
        keyMismatch.forEach(d -> violation(t.id + ": a slot and its Idempotency-Key do not match one to one: " + d));
        unexpected.forEach(d -> violation(t.id + ": fired a slot the job did not define: " + d));
        if (t.job.mustFireAll()) {
            List<Instant> lost = t.job.atLeastOnce() ? missed : missedUnreported;
            if (!lost.isEmpty()) {
                violation(t.id + " (catchUp All, " + delivery + "): " + lost.size() + " slot(s) lost" + (t.job.atLeastOnce() ? ""
                        : " and not reported uncertain") + ": " + lost.stream().limit(10).toList());
            }
        }

        Map<String, Object> j = new LinkedHashMap<>();
        j.put("job", t.id);
        j.put("schedule", t.job.schedule());
        j.put("catchUp", t.job.catchUpAll() ? "All" : "None");
        j.put("delivery", delivery);
        j.put("phases", t.phases.stream().map(p -> Map.of("changedAt", p.changedAt().toString(), "period", p.period()))
                .toList());
        j.put("expectedSlots", expected.size());
        j.put("firesReceived", mine.size());
        j.put("slotsFired", (int) expected.stream().filter(bySlot::containsKey).count());
        j.put("duplicateSlotsByKey", t.job.atLeastOnce() ? 0 : twiceByKey.size());
        j.put("duplicateSlotsByTime", t.job.atLeastOnce() ? 0 : twiceByTime.size());
        j.put("repeatedSlots", twiceByTime.size());
        j.put("missedSlots", missed.size());
        j.put("uncertainSlots", reported.size());
        j.put("missedNotReportedUncertain", missedUnreported.size());
        j.put("unexpectedFires", unexpected.size());
        j.put("lateness", percentiles(lateness));
        List<Instant> excused = t.excusedByPause(run.end);
        if (!t.pauses.isEmpty()) {
            j.put("pauses", t.pauses.stream().map(p -> Map.of("from", p.from().toString(), "to", p.to().toString())).toList());
            j.put("pausedSlots", excused.size());
            j.put("pausedSlotsFired", (int) excused.stream().filter(bySlot::containsKey).count());
            j.put("pausedSlotsSkipped", (int) excused.stream().filter(s -> !bySlot.containsKey(s)).count());
        }
        j.put("missed", missed.stream().limit(50).map(Instant::toString).toList());
        j.put("repeats", twiceByTime.stream().limit(50).toList());
        j.put("uncertain", reported.stream().sorted().map(Instant::toString).toList());
        j.put("firesByReplica", mine.stream().collect(Collectors.groupingBy(FireRecorder.Fire::replica, TreeMap::new,
                Collectors.counting())));
        return j;
    }

    private List<Map<String, Object>> apiUsage() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ChaosRun.ApiUsage u : run.usage.values().stream().sorted(Comparator.comparing((ChaosRun.ApiUsage a) -> a.replica)
                .thenComparingInt(a -> a.incarnation)).toList()) {
            if (u.lastScrape == null) {
                continue;
            }
            double minutes = Duration.between(u.started, u.lastScrape).toMillis() / 60_000.0;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("replica", u.replica);
            m.put("incarnation", u.incarnation);
            m.put("requests", (long) u.requests);
            m.put("seconds", Math.round(minutes * 60));
            m.put("perMinute", minutes > 0 ? Math.round(u.requests / minutes) : null);
            m.put("byRequest", u.byRequest);
            out.add(m);
        }
        return out;
    }

    static Map<String, Object> percentiles(List<Long> micros) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (micros.isEmpty()) {
            return m;
        }
        List<Long> sorted = micros.stream().sorted().toList();
        m.put("count", sorted.size());
        m.put("p50Ms", ms(sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1)));
        m.put("p99Ms", ms(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)));
        m.put("maxMs", ms(sorted.get(sorted.size() - 1)));
        m.put("minMs", ms(sorted.get(0)));
        return m;
    }

    private static double ms(long micros) {
        return Math.round(micros / 100.0) / 10.0;
    }

    // ---------------------------------------------------------------- output

    @SuppressWarnings("unchecked")
    String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "== chaos %s/%s: %s (%s; window %s s; lease %s, renew deadline %s, retry %s)%n",
                run.api.name(), run.scenario, violations.isEmpty() ? "PASS" : "FAIL", run.api.describe(),
                ((Map<String, Object>) json.get("window")).get("seconds"), ChaosRun.LEASE.toSeconds() + "s",
                ChaosRun.RENEW_DEADLINE.toSeconds() + "s", ChaosRun.RETRY.toMillis() + "ms"));
        s.append(String.format(Locale.ROOT, "%-34s %-11s %-5s %8s %6s %7s %8s %6s %9s %7s %9s %9s %9s%n", "job", "delivery",
                "catch", "expected", "fired", "dup", "missed", "uncert", "unexpect", "repeat", "p50 ms", "p99 ms", "max ms"));
        for (Map<String, Object> j : (List<Map<String, Object>>) json.get("jobs")) {
            Map<String, Object> l = (Map<String, Object>) j.get("lateness");
            s.append(String.format(Locale.ROOT, "%-34s %-11s %-5s %8d %6d %7d %8d %6d %9d %7d %9s %9s %9s%n", j.get("job"),
                    j.get("delivery"), j.get("catchUp"), j.get("expectedSlots"), j.get("slotsFired"),
                    (int) j.get("duplicateSlotsByKey") + (int) j.get("duplicateSlotsByTime"), j.get("missedSlots"),
                    j.get("uncertainSlots"), j.get("unexpectedFires"), j.get("repeatedSlots"), l.getOrDefault("p50Ms", "-"),
                    l.getOrDefault("p99Ms", "-"), l.getOrDefault("maxMs", "-")));
        }
        for (Map<String, Object> j : (List<Map<String, Object>>) json.get("jobs")) {
            if (j.containsKey("pauses")) {
                s.append(String.format(Locale.ROOT, "%s: %d pause(s); %d slot(s) due while paused, not judged as lost: %d skipped,"
                        + " %d fired%n", j.get("job"), ((List<?>) j.get("pauses")).size(), j.get("pausedSlots"),
                        j.get("pausedSlotsSkipped"), j.get("pausedSlotsFired")));
            }
        }
        Map<String, Object> l = (Map<String, Object>) json.get("lateness");
        s.append(String.format(Locale.ROOT, "lateness of all judged slots: p50 %s ms, p99 %s ms, max %s ms, min %s ms; "
                + "longest wait of a due slot: %d ms%n", l.get("p50Ms"), l.get("p99Ms"), l.get("maxMs"), l.get("minMs"),
                json.get("longestWaitOfADueSlotMs")));
        s.append("terms (replica/term: fires, gap since the previous term's last fire):");
        for (Map<String, Object> t : (List<Map<String, Object>>) json.get("terms")) {
            s.append(' ').append(t.get("replica")).append('/').append(t.get("term")).append(": ").append(t.get("fires"));
            if (t.containsKey("sincePreviousTermsLastFireMs")) {
                s.append(" (+").append(t.get("sincePreviousTermsLastFireMs")).append(" ms)");
            }
            s.append(';');
        }
        s.append(System.lineSeparator());
        for (Map<String, Object> a : (List<Map<String, Object>>) json.get("actions")) {
            s.append(String.format(Locale.ROOT, "  %+8.1f s  %-12s %-10s %s%s%n", a.get("secondsIntoWindow"), a.get("kind"),
                    a.get("replica"), a.get("detail"), a.containsKey("longestWaitOfASlotDueUntilTheNextDisruptionMs")
                            ? "  -> longest wait of a due slot " + a.get("longestWaitOfASlotDueUntilTheNextDisruptionMs") + " ms"
                            : ""));
        }
        s.append("API requests per minute:");
        for (Map<String, Object> u : (List<Map<String, Object>>) json.get("apiRequests")) {
            s.append(' ').append(u.get("replica")).append('#').append(u.get("incarnation")).append(' ').append(u.get("perMinute"))
                    .append(" (").append(u.get("requests")).append(" in ").append(u.get("seconds")).append(" s);");
        }
        s.append(System.lineSeparator()).append("probes:");
        ((Map<String, Object>) json.get("probes")).forEach((r, p) -> {
            Map<String, Object> m = (Map<String, Object>) p;
            s.append(' ').append(r).append(" live failures ").append(m.get("liveFailures")).append(", ready failures ")
                    .append(m.get("readyFailures")).append(';');
        });
        s.append(System.lineSeparator());
        if (!run.facts.isEmpty()) {
            s.append("facts: ").append(run.facts).append(System.lineSeparator());
        }
        s.append("violations: ").append(violations.isEmpty() ? "none" : violations.size()).append(System.lineSeparator());
        violations.stream().limit(30).forEach(v -> s.append("  ! ").append(v).append(System.lineSeparator()));
        return s.toString();
    }

    static final String TABLE_HEADER = "| API server | scenario | result | window | expected slots | fired | executed twice | lost"
            + " | uncertain | lateness p50 / p99 / max | longest wait of a due slot | API requests / replica / min | probe failures"
            + " (live / ready) |\n| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n";

    /** One row of the table in docs/reliability.md. */
    @SuppressWarnings("unchecked")
    String tableRow() {
        Map<String, Object> totals = (Map<String, Object>) json.get("totals");
        Map<String, Object> l = (Map<String, Object>) json.get("lateness");
        long lost = ((List<Map<String, Object>>) json.get("jobs")).stream().filter(j -> "All".equals(j.get("catchUp")))
                .mapToLong(j -> "AtLeastOnce".equals(j.get("delivery")) ? (int) j.get("missedSlots")
                        : (int) j.get("missedNotReportedUncertain")).sum();
        List<Long> perMinute = ((List<Map<String, Object>>) json.get("apiRequests")).stream()
                .filter(u -> u.get("perMinute") != null && (long) u.get("seconds") >= 10).map(u -> (Long) u.get("perMinute"))
                .sorted().toList();
        long live = run.probeFailures.stream().filter(p -> p.probe().equals("live")).count();
        long ready = run.probeFailures.size() - live;
        return String.format(Locale.ROOT, "| %s | %s | %s | %s s | %s | %s | %s | %d | %s | %s / %s / %s ms | %s ms | %s | %d / %d |%n",
                run.api.name(), run.scenario, violations.isEmpty() ? "pass" : "**FAIL**",
                ((Map<String, Object>) json.get("window")).get("seconds"), totals.get("expectedSlots"), totals.get("slotsFired"),
                totals.get("duplicates"), lost, totals.get("uncertainSlots"), l.get("p50Ms"), l.get("p99Ms"), l.get("maxMs"),
                json.get("longestWaitOfADueSlotMs"), perMinute.isEmpty() ? "-" : perMinute.get(0) + "–" + perMinute.get(perMinute.size() - 1),
                live, ready);
    }

    void write() throws IOException {
        Path dir = run.dir;
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("report.json").toFile(), json);
        Files.writeString(dir.resolve("summary.txt"), summary());
        StringBuilder csv = new StringBuilder("job,slot,key,replica,term,attempt,received\n");
        for (FireRecorder.Fire f : fires) {
            csv.append(f.job()).append(',').append(f.slot()).append(',').append(f.key()).append(',').append(f.replica()).append(',')
                    .append(f.term()).append(',').append(f.attempt()).append(',').append(f.received()).append('\n');
        }
        Files.writeString(dir.resolve("fires.csv"), csv);
    }
}
