package io.leasecron.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leasecron.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The JVM image without a container engine: Dockerfile.jvm's COPY instructions carried out on what {@code package}
 * produced (target/image-jvm/root stands for the image's /), then {@code java} started as run-java.sh starts it (its
 * JAVA_APP_JAR, its JAVA_OPTS_APPEND, working directory /deployments), under the image's user, in a mount namespace
 * where every file system is read-only and /tmp is an empty tmpfs: a pod with {@code readOnlyRootFilesystem: true}
 * and an emptyDir on /tmp. It then has to load its jobs, answer the API, fire, and stop cleanly on SIGTERM without
 * one refused write. Needs {@code unshare}, {@code mount} and {@code setpriv} (util-linux); as root it runs as the
 * image's user, otherwise as root of a user namespace.
 */
class JvmImageIT {
    /**
     * The copied image. The sandbox mounts an empty /tmp, which would hide a checkout under /tmp (as a CI runner's
     * may be): then it goes to /var/tmp, which the image's user can reach (a home directory may not be).
     */
    static final Path WORK = Path.of("target/image-jvm").toAbsolutePath().startsWith("/tmp/")
            ? Path.of("/var/tmp", "leasecron-image-jvm-check")
            : Path.of("target/image-jvm");
    static final Duration STARTUP_LIMIT = Duration.ofSeconds(120);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Makes every mount read-only except /proc, /sys and /dev, mounts an empty /tmp, proves that writes elsewhere are
     * refused and that the image's user can write /tmp, then runs the command as that user (when there is one).
     */
    static final String SANDBOX = """
            set -eu
            for m in $(awk '{print $2}' /proc/self/mounts | sort -u); do
              case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
              mount -o remount,bind,ro "$m" 2>/dev/null || echo "sandbox: could not make $m read-only" >&2
            done
            mount -t tmpfs -o mode=1777,size=64m tmpfs /tmp
            as_user() { if [ -n "$IMAGE_UID" ]; then setpriv --reuid="$IMAGE_UID" --regid=0 --clear-groups -- "$@"; else "$@"; fi; }
            for d in $READ_ONLY_PROBES; do
              if (: > "$d/.sandbox-probe") 2>/dev/null; then echo "sandbox: $d is writable" >&2; exit 97; fi
            done
            as_user sh -c ': > /tmp/.sandbox-probe && rm /tmp/.sandbox-probe'
            echo "sandbox: read-only except /tmp; $(as_user id)"
            cd "$APP_DIR"
            if [ -n "$IMAGE_UID" ]; then exec setpriv --reuid="$IMAGE_UID" --regid=0 --clear-groups -- "$@"; fi
            exec "$@"
            """;

    @Test
    void the_jvm_image_layout_serves_and_fires_with_only_tmp_writable_and_stops_on_sigterm() throws Exception {
        Dockerfile dockerfile = Dockerfile.read(DockerfilesTest.JVM);
        deleteTree(WORK);
        Path image = WORK.resolve("root").toAbsolutePath();
        BuildContext.of(Path.of("")).copyInto(dockerfile, image);
        Path jar = image.resolve(dockerfile.env().get("JAVA_APP_JAR").substring(1));
        assertTrue(Files.isRegularFile(jar), "JAVA_APP_JAR " + jar + " is not among the copied files");

        int port = Ports.free();
        int managementPort = Ports.free(); // no fixed 9000: other builds share this machine
        Path jobs = Files.createDirectories(WORK.resolve("jobs")).toAbsolutePath(); // read-only in the sandbox, as a ConfigMap volume
        Files.writeString(jobs.resolve("image.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: image
                  labels:
                    leasecron.io/jobs: "true"
                data:
                  ping: |
                    schedule: "@every 1s"
                    http: {url: "http://127.0.0.1:%d/api/v1/leader", method: GET}
                """.formatted(port));

        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        java.addAll(Dockerfile.words(dockerfile.env().get("JAVA_OPTS_APPEND")));
        java.addAll(List.of("-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + managementPort, "-jar", jar.toString()));

        boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        List<String> command = new ArrayList<>(root ? List.of("unshare", "--mount") : List.of("unshare", "--user", "--map-root-user", "--mount"));
        command.addAll(List.of("sh", "-c", SANDBOX, "sandbox"));
        command.addAll(java);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("LEASECRON_") || k.startsWith("QUARKUS_") || k.startsWith("KUBERNETES_")
                || k.equals("KUBECONFIG") || k.startsWith("POD_") || k.startsWith("JAVA_"));
        pb.environment().putAll(Map.of("LEASECRON_MODE", "local", "LEASECRON_JOBS_DIR", jobs.toString(), "POD_NAME", "image-check",
                "IMAGE_UID", root ? dockerfile.user() : "", "APP_DIR", jar.getParent().toString(),
                "READ_ONLY_PROBES", String.join(" ", jar.getParent().toString(), jobs.toString(), System.getProperty("java.home"))));
        Path log = WORK.resolve("service.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = pb.start();
        int exit;
        try {
            JsonNode list = await(process, log, port, "/api/v1/jobs", body -> body.path("jobs").size() == 1);
            assertEquals("image/ping", list.path("jobs").get(0).path("id").asText());
            assertEquals(true, list.path("jobs").get(0).path("valid").asBoolean());

            HttpResponse<String> preview = HTTP.send(HttpRequest.newBuilder(uri(port, "/api/v1/preview"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"schedule\": \"@every 90s\", \"from\": \"2026-01-01T00:00:00Z\", \"count\": 2}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, preview.statusCode(), preview.body());
            assertEquals(List.of("2026-01-01T00:00:00.000Z", "2026-01-01T00:01:30.000Z"),
                    JSON.readTree(preview.body()).path("nextRuns").findValuesAsText("time"));

            // The fire's HTTP call goes out from inside the sandbox too: its client needs nothing written either.
            await(process, log, port, "/api/v1/jobs/image/ping/runs", body -> body.findValuesAsText("outcome").contains("succeeded"));
        } finally {
            process.destroy(); // SIGTERM, as the kubelet sends it
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("no exit within 60 s of SIGTERM; see " + log);
            }
            exit = process.exitValue();
        }
        String output = Files.readString(log);
        assertTrue(output.contains("sandbox: read-only except /tmp; uid=" + (root ? dockerfile.user() : "0")), output);
        assertTrue(!output.contains("Read-only file system") && !output.contains("ERROR"), "a refused write or an error: " + output);
        assertTrue(output.contains("leasecron stopped in"), "a graceful shutdown: " + output);
        assertEquals(143, exit, "the exit status of a JVM that ended on SIGTERM: " + output);
    }

    /**
     * Polls {@code path} until it answers 200 with a body that satisfies {@code condition}: the service starting (up to
     * {@link #STARTUP_LIMIT} on a loaded machine) or doing what it was asked; fails as soon as the process is gone.
     */
    private static JsonNode await(Process process, Path log, int port, String path, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + STARTUP_LIMIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the service exited with " + process.exitValue() + ": " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && condition.test(JSON.readTree(r.body()))) {
                    return JSON.readTree(r.body());
                }
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("GET " + path + " did not answer as expected within " + STARTUP_LIMIT.toSeconds() + " s; last: "
                + last + "\n" + Files.readString(log));
    }

    static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
