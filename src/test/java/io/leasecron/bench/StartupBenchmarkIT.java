package io.leasecron.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Startup to ready of the packaged service (JVM mode) with 100 jobs: from process start until
 * {@code /q/health/ready} answers 200 with the jobs loaded. Runs after {@code package} in
 * {@code ./mvnw -Pbench verify}; {@code -Dbench.scenarios=startup} runs only this.
 *
 * <p>The service is started from {@code target/quarkus-app} as {@code java <options> -jar quarkus-run.jar}, the
 * options from {@code -Dbench.startup.jvm-options} (default: the bench profile's in pom.xml). When they name a
 * class-data archive ({@code -XX:SharedArchiveFile}) that does not exist yet, one start with {@code examples/} and
 * {@code -XX:ArchiveClassesAtExit}, stopped once ready, records it first; that start is not measured.
 * {@code -Dbench.startup.runs} sets the number of runs. The machine's load average before and after is printed
 * beside the figures: on a shared machine it explains most of their spread.
 */
class StartupBenchmarkIT {
    static final int JOBS = 100;
    static final int RUNS = Integer.getInteger("bench.startup.runs", 5);
    static final String OPTIONS = System.getProperty("bench.startup.jvm-options", "").strip();
    static final Path APP = Path.of("target", "quarkus-app");
    static final Path EXAMPLES = Path.of("examples").toAbsolutePath();
    static final Pattern ARCHIVE = Pattern.compile("-XX:SharedArchiveFile=(\\S+)");

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();

    @Test
    void startup_to_ready_with_100_jobs() throws Exception {
        if (!Scenarios.selected("startup")) {
            return;
        }
        Path jobs = Files.createTempDirectory("leasecron-startup");
        StringBuilder manifest = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: startup\n  labels:\n"
                + "    leasecron.io/jobs: \"true\"\ndata:\n");
        for (int i = 0; i < JOBS; i++) {
            manifest.append("  job-").append(i).append(": |\n    schedule: \"").append(i % 60).append(" 3 * * *\"\n")
                    .append("    http: {url: \"http://127.0.0.1:9/unused\"}\n");
        }
        Files.writeString(jobs.resolve("jobs.yaml"), manifest);
        List<String> lines = new ArrayList<>();
        Matcher archive = ARCHIVE.matcher(OPTIONS);
        if (archive.find() && !Files.exists(APP.resolve(archive.group(1)))) {
            long started = System.nanoTime();
            // Recorded at exit: the JVM writes the archive while it shuts down after SIGTERM.
            startUntilReady(archive.replaceFirst("-XX:ArchiveClassesAtExit=$1"), EXAMPLES, -1);
            lines.add(String.format(Locale.ROOT, "  %s recorded first, from one start with examples/ stopped once ready (%.1f s)",
                    archive.group(1), (System.nanoTime() - started) / 1e9));
        }
        String loadBefore = loadAverage();
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            millis.add(startUntilReady(OPTIONS, jobs, JOBS));
        }
        String loadAfter = loadAverage();
        millis.sort(null);
        lines.add(0, String.format(Locale.ROOT,
                "leasecron JVM mode, %d jobs: process start to ready %s ms (%d runs, sorted; median %d ms)",
                JOBS, millis, RUNS, millis.get(RUNS / 2)));
        lines.add(1, "  command (in target/quarkus-app): java " + (OPTIONS.isEmpty() ? "" : OPTIONS + " ") + "-jar quarkus-run.jar");
        lines.add(2, "  load average (1, 5, 15 min) before: " + loadBefore + ", after: " + loadAfter);
        Scenarios.report("startup.txt", lines);
    }

    /**
     * Starts the service with {@code options} on the jobs in {@code jobsDir}, waits until it is ready (with
     * {@code jobs} jobs, unless negative), stops it with SIGTERM and returns the milliseconds to ready.
     */
    long startUntilReady(String options, Path jobsDir, int jobs) throws IOException, InterruptedException {
        int port;
        int managementPort;
        try (ServerSocket s = new ServerSocket(0); ServerSocket m = new ServerSocket(0)) {
            port = s.getLocalPort();
            managementPort = m.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split("\\s+")));
        }
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(APP.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LEASECRON_MODE", "local");
        pb.environment().put("LEASECRON_JOBS_DIR", jobsDir.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        pb.environment().put("POD_NAME", "startup-bench");
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            URI ready = URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready");
            while (true) {
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofMillis(500)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && (jobs < 0 || r.body().contains("\"jobs\": " + jobs))) {
                        return (System.nanoTime() - start) / 1_000_000;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                if (!p.isAlive() || System.nanoTime() - start > Duration.ofSeconds(60).toNanos()) {
                    throw new IllegalStateException("the service did not become ready; exit " + (p.isAlive() ? "none" : p.exitValue()));
                }
                Thread.sleep(5);
            }
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** The 1-, 5- and 15-minute load averages, where the system tells them. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
