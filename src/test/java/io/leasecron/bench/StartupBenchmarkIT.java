package io.leasecron.bench;

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
import org.junit.jupiter.api.Test;

/**
 * Startup to ready of the packaged service (JVM mode) with 100 jobs: from process start until
 * {@code /q/health/ready} answers 200. Runs after {@code package} in {@code ./mvnw -Pbench verify}.
 */
class StartupBenchmarkIT {
    static final int JOBS = 100;
    static final int RUNS = 5;

    @Test
    void startup_to_ready_with_100_jobs() throws Exception {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        Path jobs = Files.createTempDirectory("leasecron-startup");
        StringBuilder manifest = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: startup\n  labels:\n"
                + "    leasecron.io/jobs: \"true\"\ndata:\n");
        for (int i = 0; i < JOBS; i++) {
            manifest.append("  job-").append(i).append(": |\n    schedule: \"").append(i % 60).append(" 3 * * *\"\n")
                    .append("    http: {url: \"http://127.0.0.1:9/unused\"}\n");
        }
        Files.writeString(jobs.resolve("jobs.yaml"), manifest);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("LEASECRON_MODE", "local");
            pb.environment().put("LEASECRON_JOBS_DIR", jobs.toString());
            pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            pb.environment().put("POD_NAME", "startup-bench");
            long start = System.nanoTime();
            Process p = pb.start();
            try {
                URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
                while (true) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofMillis(500)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && r.body().contains("\"jobs\": " + JOBS)) {
                            break;
                        }
                    } catch (java.io.IOException notYet) {
                        // not listening yet
                    }
                    if (!p.isAlive() || System.nanoTime() - start > Duration.ofSeconds(60).toNanos()) {
                        throw new IllegalStateException("the service did not become ready; exit " + (p.isAlive() ? "none" : p.exitValue()));
                    }
                    Thread.sleep(5);
                }
                millis.add((System.nanoTime() - start) / 1_000_000);
            } finally {
                p.destroy();
                p.waitFor();
            }
        }
        millis.sort(null);
        Scenarios.report("startup.txt", List.of(String.format(Locale.ROOT,
                "leasecron JVM mode, %d jobs: process start to ready %s ms (%d runs, sorted; median %d ms)",
                JOBS, millis, RUNS, millis.get(RUNS / 2))));
    }
}
