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
                        http: {url: "http://127.0.0.1:8081/q/health/live", method: GET}
                      broken: |
                        schedule: "@every 1m"
                        timezone: UTC
                        http: {url: "http://127.0.0.1:8081/q/health/live", method: GET}
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: unlabelled
                    data:
                      ignored: |
                        schedule: "@every 1s"
                        http: {url: "http://127.0.0.1:8081/"}
                    """);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("leasecron.jobs-dir", directory.toString(), "leasecron.mode", "local");
    }

    @Override
    public void stop() {
        // The folder lives in the temp directory; leaving it helps when a test fails.
    }
}
