package io.leasecron.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leasecron.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server for one test: started by hand (no systemd, through {@code test-tools/prometheus/serve.sh})
 * on a free loopback port with the given configuration, its storage in a directory of the test, and its log beside
 * it. Answers through the HTTP API, the
 * one Grafana uses. Closing it stops the process.
 */
final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Writes {@code config} to {@code dir/prometheus.yml} and starts Prometheus on it; returns once it is ready
     * ({@code /-/ready}), or fails with the end of its log.
     */
    static PrometheusServer start(Path dir, String config, Duration readyLimit) throws IOException {
        Files.createDirectories(dir);
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        Path log = dir.resolve("prometheus.log");
        int port = Ports.free();
        PrometheusTools.tools();
        // serve.sh stops prometheus when this JVM closes its standard input, or dies.
        ProcessBuilder pb = new ProcessBuilder("test-tools/prometheus/serve.sh",
                "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        PrometheusServer server = new PrometheusServer(pb.start(), port, log);
        long deadline = System.nanoTime() + readyLimit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + server.process.exitValue() + ": "
                        + server.logTail());
            }
            if (server.status("/-/ready") == 200) {
                return server;
            }
            pause(Duration.ofMillis(100));
        }
        server.close();
        throw new IllegalStateException("prometheus was not ready within " + readyLimit.toSeconds() + " s: "
                + server.logTail());
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** An instant query at {@code at}: the {@code data} of the answer; an error answer throws with Prometheus' message. */
    JsonNode query(String promql, Instant at) {
        return get("/api/v1/query?query=" + encode(promql) + "&time=" + seconds(at));
    }

    /** A range query, as a Grafana time series panel sends it. */
    JsonNode queryRange(String promql, Instant start, Instant end, Duration step) {
        return get("/api/v1/query_range?query=" + encode(promql) + "&start=" + seconds(start) + "&end=" + seconds(end)
                + "&step=" + step.toMillis() / 1000.0);
    }

    /** The values of {@code label} on the series {@code match} selects: what Grafana's {@code label_values} asks. */
    List<String> labelValues(String label, String match, Instant start, Instant end) {
        JsonNode data = get("/api/v1/label/" + label + "/values?match[]=" + encode(match) + "&start=" + seconds(start)
                + "&end=" + seconds(end));
        return JSON.convertValue(data, JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    /** The loaded rule groups with each rule's health and last error ({@code /api/v1/rules}). */
    JsonNode rules() {
        return get("/api/v1/rules");
    }

    /** The scrape targets with their health ({@code /api/v1/targets}). */
    JsonNode targets() {
        return get("/api/v1/targets");
    }

    private JsonNode get(String pathAndQuery) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new PromQlError(body.path("errorType").asText("HTTP " + r.statusCode()) + ": "
                        + body.path("error").asText(r.body()));
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException("prometheus at " + url() + " did not answer " + pathAndQuery, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Prometheus refused a request, with its own message (e.g. a PromQL parse error). */
    static final class PromQlError extends RuntimeException {
        PromQlError(String message) {
            super(message);
        }
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(1)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String seconds(Instant t) {
        return String.format(java.util.Locale.ROOT, "%.3f", t.toEpochMilli() / 1000.0);
    }

    /** Waiting for another process (Prometheus starting, a scrape), not for the scheduler. */
    static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // stopped below anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
