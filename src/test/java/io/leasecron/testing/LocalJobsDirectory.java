package io.leasecron.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} its own jobs folder in local mode, seeded with a valid and an invalid job.
 * Tests reach the folder through {@link #directory()}.
 */
public final class LocalJobsDirectory implements QuarkusTestResourceLifecycleManager {
    private static volatile Path directory;

    public static Path directory() {
        return directory;
    }

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("leasecron-jobs");
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort(); // a port of its own: other builds on this machine may hold 8081
            }
            Files.writeString(directory.resolve("seed.yaml"), """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: seed
                      labels:
                        leasecron.io/jobs: "true"
                    data:
                      ping: |
                        schedule: "@every 1s"
                        http: {url: "http://127.0.0.1:%1$d/api/v1/leader", method: GET}
                      broken: |
                        schedule: "@every 1m"
                        timezone: UTC
                        http: {url: "http://127.0.0.1:%1$d/api/v1/leader", method: GET}
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: unlabelled
                    data:
                      ignored: |
                        schedule: "@every 1s"
                        http: {url: "http://127.0.0.1:%1$d/"}
                    """.formatted(port));
            return Map.of("leasecron.jobs-dir", directory.toString(), "leasecron.mode", "local", "quarkus.http.test-port",
                    Integer.toString(port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // The folder lives in the temp directory; leaving it helps when a test fails.
    }
}
