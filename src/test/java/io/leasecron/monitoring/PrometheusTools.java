package io.leasecron.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus and promtool as {@code test-tools/prometheus/prometheus.sh} finds them, or fetches them once from
 * Debian into the tool cache; asked once per test JVM. A machine where neither works fails the tests that need them
 * with the script's reason: they are never skipped.
 */
final class PrometheusTools {
    private static final Path SCRIPT = Path.of("test-tools/prometheus/prometheus.sh");
    private static Tools tools;

    /** Paths of both binaries and the version they report (e.g. {@code 2.42.0+ds}). */
    record Tools(Path prometheus, Path promtool, String version) {
    }

    /** What a promtool run printed (standard output and error together) and how it exited. */
    record Result(int exit, String output) {
    }

    private PrometheusTools() {
    }

    static synchronized Tools tools() {
        if (tools == null) {
            Result r = run(Duration.ofMinutes(3), List.of(SCRIPT.toString()), false);
            Map<String, String> vars = new HashMap<>();
            for (String line : r.output().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    vars.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            if (r.exit() != 0 || !vars.containsKey("PROMTOOL_BIN") || !vars.containsKey("PROMETHEUS_BIN")) {
                throw new IllegalStateException(SCRIPT + " could not provide Prometheus and promtool (exit " + r.exit()
                        + "; its reason is on the test's standard error): install Debian's prometheus package"
                        + " (apt-get install -y --no-install-recommends prometheus) or let the script fetch it");
            }
            tools = new Tools(Path.of(vars.get("PROMETHEUS_BIN")), Path.of(vars.get("PROMTOOL_BIN")),
                    vars.get("PROMETHEUS_VERSION"));
            System.out.println("Prometheus " + tools.version() + " and promtool at " + tools.promtool().getParent());
        }
        return tools;
    }

    /** Runs {@code promtool args...} in the working directory; fails if it does not end within {@code limit}. */
    static Result promtool(Duration limit, String... args) {
        List<String> command = new ArrayList<>();
        command.add(tools().promtool().toString());
        command.addAll(List.of(args));
        return run(limit, command, true);
    }

    private static Result run(Duration limit, List<String> command, boolean mergeStderr) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            Path out = Files.createTempFile("promtool", ".out");
            try {
                pb.redirectOutput(out.toFile());
                if (mergeStderr) {
                    pb.redirectErrorStream(true);
                } else {
                    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
                }
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(command + " did not end within " + limit.toSeconds() + " s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
