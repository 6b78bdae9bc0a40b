package io.leasecron.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the service as a real process: {@code java -jar target/quarkus-app/quarkus-run.jar} in Kubernetes
 * mode, reaching the API server through its own {@link io.leasecron.testing.TcpProxy}. It can be killed, stopped
 * and continued with signals, and started again under the same identity (a pod's restart); every start is one
 * incarnation. Public for the monitoring tests, which scrape such replicas with a real Prometheus.
 */
public final class ReplicaProcess implements AutoCloseable {
    private static String libfaketime;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    /** What the harness considers this process to be doing, so that monitors probe only what should answer. */
    enum State { STARTING, RUNNING, PAUSED, STOPPING, DEAD }

    private final String name;
    private final Path jar;
    /** Another program to run instead of the service ({@code null}: the service's jar), e.g. a peer scheduler. */
    private final List<String> command;
    private final Path dir;
    private final Map<String, String> env;
    private final Duration skew;
    private final int port;
    private final int managementPort;
    private volatile Process process;
    private volatile State state = State.DEAD;
    private volatile int incarnation;
    private volatile Instant startedAt;

    /** {@code port} serves the API, {@code managementPort} the probes and metrics (a port of their own, as in a pod). */
    public ReplicaProcess(String name, Path jar, Path dir, Map<String, String> env, Duration skew, int port, int managementPort) {
        this(name, jar, null, dir, env, skew, port, managementPort);
    }

    /**
     * A replica that runs {@code command} instead of the service: it gets the same environment, and must answer
     * {@code /q/health/ready} on {@code QUARKUS_MANAGEMENT_PORT} once started (the peers benchmark's gocron program).
     */
    ReplicaProcess(String name, List<String> command, Path dir, Map<String, String> env, int port, int managementPort) {
        this(name, null, List.copyOf(command), dir, env, Duration.ZERO, port, managementPort);
    }

    private ReplicaProcess(String name, Path jar, List<String> command, Path dir, Map<String, String> env, Duration skew,
            int port, int managementPort) {
        this.name = name;
        this.jar = jar;
        this.command = command;
        this.dir = dir;
        this.env = new LinkedHashMap<>(env);
        this.skew = skew;
        this.port = port;
        this.managementPort = managementPort;
    }

    /**
     * libfaketime, which skews a replica's wall clock and leaves its monotonic clock alone: the system's, or one
     * {@code test-tools/chaos/libfaketime.sh} fetches and caches outside the repository.
     */
    static synchronized String libfaketime() {
        if (libfaketime == null) {
            try {
                Process p = new ProcessBuilder("test-tools/chaos/libfaketime.sh").redirectError(ProcessBuilder.Redirect.INHERIT).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0 || out.isEmpty()) {
                    throw new IllegalStateException("clock skew needs libfaketime: test-tools/chaos/libfaketime.sh failed (see"
                            + " its message above); install the libfaketime package");
                }
                libfaketime = out;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return libfaketime;
    }

    public String name() {
        return name;
    }

    int incarnation() {
        return incarnation;
    }

    State state() {
        return state;
    }

    Duration skew() {
        return skew;
    }

    Instant startedAt() {
        return startedAt;
    }

    long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        Path javaBin = Path.of(ProcessHandle.current().info().command().orElse("java"));
        List<String> command = this.command != null ? this.command : new ArrayList<>(List.of(javaBin.toString(), "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("LEASECRON_") || k.startsWith("QUARKUS_")
                || k.startsWith("KUBERNETES_") || k.equals("KUBECONFIG") || k.startsWith("POD_") || k.startsWith("FAKETIME")
                || k.equals("LD_PRELOAD"));
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        if (!skew.isZero()) {
            pb.environment().put("LD_PRELOAD", libfaketime());
            pb.environment().put("FAKETIME", (skew.isNegative() ? "-" : "+") + skew.abs().toMillis() / 1000.0 + "s");
            // The monotonic clock moves by the same constant, which changes no interval the replica measures.
            // (Leaving it unfaked with FAKETIME_DONT_FAKE_MONOTONIC makes every clock call about 200 times slower.)
        }
        Files.createDirectories(dir);
        Path log = dir.resolve(name + ".log");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Files.writeString(log, "==== incarnation " + (incarnation + 1) + " at " + Instant.now() + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        state = State.STARTING;
        startedAt = Instant.now();
        process = pb.start();
        incarnation++;
    }

    /** Waits until {@code /q/health/ready} answers 200; fails if the process exits first or {@code limit} passes. */
    public void awaitReady(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                state = State.DEAD;
                throw new IllegalStateException(name + " exited with " + (p == null ? "?" : p.exitValue())
                        + " before it was ready; see " + dir.resolve(name + ".log"));
            }
            if (management("/q/health/ready", Duration.ofMillis(500)).status() == 200) {
                state = State.RUNNING;
                return;
            }
            ChaosRun.sleep(Duration.ofMillis(50));
        }
        throw new IllegalStateException(name + " was not ready within " + limit.toSeconds() + " s; see "
                + dir.resolve(name + ".log"));
    }

    /** SIGKILL: a crash, nothing released. */
    public void kill() throws InterruptedException {
        Process p = process;
        state = State.DEAD;
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM, as the kubelet sends it, then waits up to {@code limit} for the exit; returns how long it took. */
    Duration terminate(Duration limit) throws InterruptedException {
        Process p = process;
        state = State.STOPPING;
        long t0 = System.nanoTime();
        p.destroy();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            state = State.DEAD;
            throw new IllegalStateException(name + " did not exit within " + limit.toSeconds() + " s of SIGTERM; see "
                    + dir.resolve(name + ".log"));
        }
        state = State.DEAD;
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** SIGSTOP: the whole process freezes, as in a long GC pause or a frozen VM. */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
        state = State.PAUSED;
    }

    /** SIGCONT. */
    void thaw() throws IOException, InterruptedException {
        signal("CONT");
        state = State.RUNNING;
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** One GET on this replica's API port; status -1 when it does not answer in time. */
    public Response get(String path, Duration timeout) {
        return get(port, path, timeout);
    }

    /**
     * One POST on this replica's API port with {@code Authorization: Bearer <token>} and, if {@code json} is not null,
     * that JSON body; status -1 when it does not answer in time.
     */
    Response post(String path, String token, String json, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout)
                .header("Authorization", "Bearer " + token);
        b = json == null ? b.POST(HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted");
        }
    }

    /** One GET on this replica's management port (probes, metrics); status -1 when it does not answer in time. */
    Response management(String path, Duration timeout) {
        return get(managementPort, path, timeout);
    }

    private static Response get(int port, String path, Duration timeout) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Response(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Response(-1, "interrupted");
        }
    }

    public record Response(int status, String body) {
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            try {
                if (state == State.PAUSED) {
                    signal("CONT");
                }
            } catch (IOException | InterruptedException e) {
                // killed below anyway
            }
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        state = State.DEAD;
    }
}
