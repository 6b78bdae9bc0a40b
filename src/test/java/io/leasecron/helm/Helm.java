package io.leasecron.helm;

import io.leasecron.testing.Commands;
import io.leasecron.testing.RealControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The pinned helm CLI (test-tools/control-plane/build.sh builds it once from the Go module proxy and caches it), run
 * on the chart of this repository with its state in a folder of its own, so that the user's Helm repositories and
 * plugins never change what a test sees.
 *
 * <p>Like the real API server, it is not optional in CI: when it cannot be built every chart test fails, saying so;
 * {@code LEASECRON_SKIP_REAL_API=1} is the one opt-out, for a developer machine without Go.
 */
public final class Helm {
    private static Helm pinned;
    private static String failure;

    private final Path binary;
    private final String version;
    private final Path home;

    private Helm(Path binary, String version) {
        this.binary = binary;
        this.version = version;
        try {
            this.home = Files.createTempDirectory("leasecron-helm-home-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var paths = Files.walk(home)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a temporary folder
            }
        }, "helm-home-cleanup"));
    }

    /**
     * The helm of test-tools/control-plane/modules/helm, built on first use (about 4 minutes on a fresh machine, then a
     * version check of well under a second). Aborts the calling test when {@code LEASECRON_SKIP_REAL_API=1}.
     */
    public static synchronized Helm pinned() {
        Assumptions.assumeFalse("1".equals(System.getenv(RealControlPlane.SKIP_ENV)),
                RealControlPlane.SKIP_ENV + "=1: the tests that need the helm built from Go modules are skipped (docs/testing.md)");
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        if (pinned == null) {
            long t0 = System.nanoTime();
            Commands.Result r = exec(List.of(root().resolve("test-tools/control-plane/build.sh").toString()), Map.of(), 30);
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : r.out().split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    out.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            String bin = out.getOrDefault("HELM_BIN", "");
            if (r.exit() != 0 || bin.isEmpty()) {
                String[] err = r.err().strip().split("\n");
                failure = "The chart tests need the helm that test-tools/control-plane/build.sh builds with Go from the module "
                        + "proxy (docs/testing.md); build.sh exited with " + r.exit() + " and no helm:\n"
                        + String.join("\n", List.of(err).subList(Math.max(0, err.length - 30), err.length))
                        + "\nA remembered failed build is retried with LEASECRON_RETRY_HELM=1; " + RealControlPlane.SKIP_ENV
                        + "=1 skips these tests on a machine without Go; CI must not skip them.";
                throw new IllegalStateException(failure);
            }
            System.err.print(r.err());
            pinned = new Helm(Path.of(bin), out.get("HELM_VERSION"));
            System.out.printf(Locale.ROOT, "[helm] build.sh: helm %s in %d ms%n", pinned.version,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        return pinned;
    }

    /** The repository (where test-tools/ and helm/ are). */
    public static Path root() {
        Path p = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("helm/leasecron/Chart.yaml"))) {
                return d;
            }
        }
        throw new IllegalStateException("helm/leasecron/Chart.yaml not found above " + p);
    }

    /** helm/leasecron of this repository. */
    public static Path chart() {
        return root().resolve("helm/leasecron");
    }

    public Path binary() {
        return binary;
    }

    /** E.g. {@code v3.18.6}. */
    public String version() {
        return version;
    }

    /** Runs {@code helm args...} in the repository's folder. */
    public Commands.Result run(String... args) {
        return run(null, args);
    }

    /** Runs {@code helm args...} in the repository's folder, against the cluster of {@code kubeconfig} (may be null). */
    public Commands.Result run(Path kubeconfig, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(List.of(args));
        return exec(cmd, env(kubeconfig), 2);
    }

    /**
     * The environment helm runs with: its state under a temporary home, and {@code KUBECONFIG} when given. Also the
     * environment for a script that runs helm itself ({@code HELM} names this binary).
     */
    public Map<String, String> env(Path kubeconfig) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HELM", binary.toString());
        env.put("HELM_CACHE_HOME", home.resolve("cache").toString());
        env.put("HELM_CONFIG_HOME", home.resolve("config").toString());
        env.put("HELM_DATA_HOME", home.resolve("data").toString());
        if (kubeconfig != null) {
            env.put("KUBECONFIG", kubeconfig.toString());
        }
        return env;
    }

    /** Runs {@code command} in the repository's folder with {@code env} added; waits at most {@code minutes}. */
    public static Commands.Result exec(List<String> command, Map<String, String> env, int minutes) {
        return Commands.run(command, root(), env, null, Duration.ofMinutes(minutes));
    }
}
