package io.leasecron.chaos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.testing.RealControlPlane;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The chaos suite: every scenario of {@link Scenarios} against every selected API server, with three replica
 * processes of the packaged service. Runs after {@code package} (it starts {@code target/quarkus-app/quarkus-run.jar}).
 *
 * <p>System properties: {@code chaos.suite} ({@code short}, the default, or {@code full}), {@code chaos.api}
 * ({@code mock,real}), {@code chaos.scenarios} (names, default all), {@code chaos.jar} (another build of the
 * service, e.g. a deliberately broken one), {@code chaos.reports} (default {@code target/chaos}), {@code chaos.seed}
 * (the random sub-second offsets of the disruptions; each report records its seed).
 */
class ChaosIT {
    private static final Map<String, ChaosApi> APIS = new ConcurrentHashMap<>();
    private static final List<String> SUMMARIES = new ArrayList<>();
    private static final StringBuilder TABLE = new StringBuilder(Report.TABLE_HEADER);

    @TestFactory
    Stream<DynamicTest> scenarios() {
        boolean full = "full".equals(System.getProperty("chaos.suite", "short"));
        Path jar = Path.of(System.getProperty("chaos.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        Path reports = Path.of(System.getProperty("chaos.reports", "target/chaos")).toAbsolutePath();
        List<String> apis = list(System.getProperty("chaos.api", "mock,real"));
        List<String> names = list(System.getProperty("chaos.scenarios", String.join(",",
                Scenarios.ALL.stream().map(Scenarios.Scenario::name).toList())));
        List<DynamicTest> tests = new ArrayList<>();
        for (String api : apis) {
            for (String name : names) {
                Scenarios.Scenario scenario = Scenarios.ALL.stream().filter(s -> s.name().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("chaos.scenarios: no scenario " + name + "; there are "
                                + Scenarios.ALL.stream().map(Scenarios.Scenario::name).toList()));
                tests.add(DynamicTest.dynamicTest(api + "/" + name, () -> run(api, scenario, full, jar, reports)));
            }
        }
        return tests.stream();
    }

    private static void run(String apiName, Scenarios.Scenario scenario, boolean full, Path jar, Path reports) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no service build at " + jar + ": the chaos suite runs after ./mvnw package");
        }
        if (apiName.equals("real")) {
            Assumptions.assumeFalse("1".equals(System.getenv(RealControlPlane.SKIP_ENV)),
                    RealControlPlane.SKIP_ENV + "=1: the real API server is skipped");
        }
        ChaosApi api = APIS.computeIfAbsent(apiName, ChaosApi::start);
        Report report;
        try (ChaosRun run = new ChaosRun(api, scenario.name(), jar, reports, scenario.skews())) {
            Thread hook = new Thread(run::close, "chaos-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                scenario.run(run, full);
                run.scrapeNow();
                run.stopMonitoring();
                report = new Report(run).judge();
                scenario.check(run, report);
                report.json.put("violations", report.violations);
                report.json.put("passed", report.violations.isEmpty());
                report.json.put("suite", full ? "full" : "short");
                report.write();
            } finally {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        }
        String summary = report.summary();
        System.out.println(summary);
        synchronized (SUMMARIES) {
            SUMMARIES.add(summary);
            Files.createDirectories(reports);
            Files.writeString(reports.resolve("summary.txt"), summary + System.lineSeparator(), StandardOpenOption.CREATE,
                    SUMMARIES.size() == 1 ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND);
            TABLE.append(report.tableRow());
            Files.writeString(reports.resolve("table.md"), TABLE);
        }
        assertTrue(report.violations.isEmpty(), apiName + "/" + scenario.name() + ": " + report.violations.size()
                + " violation(s), first: " + report.violations.stream().limit(5).toList() + "; report in "
                + reports.resolve(apiName).resolve(scenario.name()));
    }

    @AfterAll
    static void stopApiServers() {
        APIS.values().forEach(ChaosApi::close);
        APIS.clear();
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
