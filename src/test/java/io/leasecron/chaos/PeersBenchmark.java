package io.leasecron.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The peers under the same chaos (docs/benchmarks.md): leasecron and gocron v2 replicated the two ways gocron offers
 * (an elector on client-go's leader election, a locker over Leases; {@code test-tools/peers}), each as three replica
 * processes through the chaos suite's steady, crash, zombie and partition scenarios against the same API server,
 * firing the same jobs at the same recording target. Prints one table and writes it to
 * {@code target/peers/table.md}, with each run's chaos report beside it; asserts nothing.
 *
 * <p>Run by {@code ./mvnw -Ppeers verify}. System properties: {@code peers.schedulers} (default
 * {@code leasecron,gocron-elector,gocron-locker}), {@code peers.scenarios} (default
 * {@code steady,crash,zombie,partition}), {@code peers.api} ({@code real}, the default, or {@code mock}),
 * {@code chaos.suite} ({@code full}, the profile's default, or {@code short}), {@code chaos.seed}.
 *
 * <p>Every scheduler is judged on the same three jobs ({@link PeerScheduler#JOBS}; leasecron runs the whole standard
 * set, and its other two jobs are left out of the figures), by the same rules: a slot is a job and a scheduled
 * time; <i>executed twice</i> counts slots the target received more than once, <i>lost</i> the slots due in the
 * window it never received, lateness is the first arrival minus the scheduled time, and the failover gap is the
 * longest time the target went without a fire of {@code every-second} from a fault until the next one (or the end).
 */
class PeersBenchmark {
    private static final List<String> JUDGED = PeerScheduler.JOBS.stream().map(j -> ChaosRun.JOBS + "/" + j.key()).toList();
    private static final String GAP_JOB = ChaosRun.JOBS + "/every-second";
    private static final Set<String> FAULTS = Set.of("kill", "freeze", "cut");

    /** The figures of one scheduler in one scenario. */
    record Row(String scheduler, String scenario, long windowSeconds, int faults, long due, long twice, long lost,
            long uncertain, Map<String, Object> lateness, List<Long> gapsMs) {

        String markdown() {
            return String.format(Locale.ROOT, "| %s | %s | %d s, %d fault(s) | %d | %s | %s | %s / %s / %s ms | %s |%n", scheduler,
                    scenario, windowSeconds, faults, due, twice == 0 ? "0" : "**" + twice + "**",
                    (lost == 0 ? "0" : "**" + lost + "**") + (uncertain > 0 ? " (" + uncertain + " reported uncertain)" : ""),
                    lateness.getOrDefault("p50Ms", "-"), lateness.getOrDefault("p99Ms", "-"), lateness.getOrDefault("maxMs", "-"),
                    gapsMs.isEmpty() ? "-" : gapsMs.stream().map(g -> String.format(Locale.ROOT, "%,d", g))
                            .collect(Collectors.joining(", ")) + " ms");
        }
    }

    static final String HEADER = "| scheduler | scenario | window | slots due | executed twice | lost | lateness p50 / p99 / max"
            + " | failover gap per fault |\n| --- | --- | --- | ---: | ---: | ---: | --- | --- |\n";

    @Test
    void peers_under_the_same_chaos() throws Exception {
        boolean full = "full".equals(System.getProperty("chaos.suite", "full"));
        List<String> schedulers = list(System.getProperty("peers.schedulers", "leasecron,gocron-elector,gocron-locker"));
        List<String> scenarios = list(System.getProperty("peers.scenarios", "steady,crash,zombie,partition"));
        Path jar = Path.of(System.getProperty("chaos.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        Path reports = Path.of(System.getProperty("peers.reports", "target/peers")).toAbsolutePath();
        Files.createDirectories(reports);
        List<Row> rows = new ArrayList<>();
        try (ChaosApi api = ChaosApi.start(System.getProperty("peers.api", "real"))) {
            String binary = schedulers.stream().anyMatch(s -> s.startsWith("gocron-")) ? buildPeers() : null;
            for (String scheduler : schedulers) {
                PeerScheduler peer = switch (scheduler) {
                    case "leasecron" -> null;
                    case "gocron-elector", "gocron-locker" -> new PeerScheduler(scheduler,
                            List.of(binary, "-mode", scheduler.substring("gocron-".length())), PeerScheduler.JOBS);
                    default -> throw new IllegalArgumentException("peers.schedulers: unknown scheduler " + scheduler
                            + "; use leasecron, gocron-elector, gocron-locker");
                };
                for (String name : scenarios) {
                    Scenarios.Scenario scenario = Scenarios.ALL.stream().filter(s -> s.name().equals(name)).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("peers.scenarios: no scenario " + name));
                    Row row = run(api, scheduler, peer, scenario, full, jar, reports.resolve(scheduler));
                    rows.add(row);
                    System.out.print(HEADER + row.markdown());
                    Files.writeString(reports.resolve("table.md"), HEADER + rows.stream().map(Row::markdown)
                            .collect(Collectors.joining()));
                }
            }
            String table = String.format(Locale.ROOT, "%s API server (%s), %s suite, %s%n%n", api.name(), api.describe(),
                    full ? "full" : "short", Instant.now()) + HEADER + rows.stream().map(Row::markdown).collect(Collectors.joining());
            Files.writeString(reports.resolve("table.md"), table);
            System.out.println("\n== peers under the same chaos (" + reports.resolve("table.md") + ")\n" + table);
        }
    }

    private static Row run(ChaosApi api, String scheduler, PeerScheduler peer, Scenarios.Scenario scenario, boolean full,
            Path jar, Path reports) throws Exception {
        try (ChaosRun run = peer == null ? new ChaosRun(api, scenario.name(), jar, reports, Scenarios.EVEN_CLOCKS)
                : new ChaosRun(api, scenario.name(), peer, reports)) {
            Thread hook = new Thread(run::close, "peers-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                scenario.run(run, full);
                ChaosRun.sleep(Duration.ofSeconds(1)); // the fires of the window's last slot are on their way
                run.scrapeNow();
                run.stopMonitoring();
                Report report = new Report(run).judge();
                report.write();
                System.out.println(report.summary());
                return figures(scheduler, run, report);
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
    }

    /** The figures of {@link Row} from what the target received (see the class comment for the rules). */
    static Row figures(String scheduler, ChaosRun run, Report report) {
        long due = 0;
        long twice = 0;
        long lost = 0;
        long uncertain = 0;
        List<Long> lateness = new ArrayList<>();
        for (String id : JUDGED) {
            JobTrack track = run.tracks.get(id);
            Map<Instant, List<FireRecorder.Fire>> bySlot = report.firesOf(id).stream().collect(Collectors.groupingBy(
                    FireRecorder.Fire::slot, TreeMap::new, Collectors.toList()));
            Set<Instant> reported = report.uncertain.getOrDefault(id, Set.of());
            for (Instant slot : track.expected(run.end)) {
                due++;
                List<FireRecorder.Fire> fs = bySlot.get(slot);
                if (fs == null) {
                    lost++;
                    uncertain += reported.contains(slot) ? 1 : 0;
                    continue;
                }
                twice += fs.size() > 1 ? 1 : 0;
                Instant first = fs.stream().map(FireRecorder.Fire::received).min(Comparator.naturalOrder()).orElseThrow();
                lateness.add(Duration.between(slot, first).toNanos() / 1000);
            }
        }
        List<ChaosRun.Action> faults = run.actions.stream().filter(a -> FAULTS.contains(a.kind())).toList();
        List<Instant> arrivals = report.fires.stream().filter(f -> f.job().equals(GAP_JOB)).map(FireRecorder.Fire::received)
                .sorted().toList();
        List<Long> gaps = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            Instant from = faults.get(i).at();
            Instant to = i + 1 < faults.size() ? faults.get(i + 1).at() : run.end.plusSeconds(1);
            gaps.add(longestGap(arrivals, from, to).toMillis());
        }
        return new Row(scheduler, run.scenario, Duration.between(run.start, run.end).toSeconds() + 1, faults.size(), due, twice,
                lost, uncertain, Report.percentiles(lateness), gaps);
    }

    /**
     * The longest time without an arrival in [{@code from}, {@code to}], counted from the last arrival before
     * {@code from}; an interval still open at {@code to} counts up to {@code to}.
     */
    static Duration longestGap(List<Instant> arrivals, Instant from, Instant to) {
        Instant previous = arrivals.stream().filter(a -> a.isBefore(from)).reduce((a, b) -> b).orElse(from);
        Duration longest = Duration.ZERO;
        for (Instant a : arrivals) {
            if (a.isBefore(from)) {
                continue;
            }
            Instant at = a.isAfter(to) ? to : a;
            if (Duration.between(previous, at).compareTo(longest) > 0) {
                longest = Duration.between(previous, at);
            }
            if (a.isAfter(to)) {
                return longest;
            }
            previous = a;
        }
        return Duration.between(previous, to).compareTo(longest) > 0 ? Duration.between(previous, to) : longest;
    }

    /** The peers program, built (or found in the cache) by {@code test-tools/peers/build.sh}. */
    private static String buildPeers() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("test-tools/peers/build.sh").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("test-tools/peers/build.sh could not build the gocron peers (see its message above);"
                    + " it needs Go and the Go module proxy once");
        }
        return out;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
