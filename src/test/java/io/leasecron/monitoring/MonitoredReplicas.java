package io.leasecron.monitoring;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.chaos.ReplicaProcess;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.Ports;
import io.leasecron.testing.RecordingTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * Two Kubernetes-mode replicas of the packaged service against the Fabric8 mock API server, firing jobs that
 * succeed, fail, time out, are skipped and are invalid, scraped every second by a real Prometheus that also loads
 * the shipped alert rules. {@link #run} drives one short scenario: both replicas fire under one leader, the leader
 * is killed right after a claim (so its successor reports uncertain slots and catches up), then started again, so
 * that every series the dashboard and the rules read has data. Closing it stops every process it started.
 */
final class MonitoredReplicas implements AutoCloseable {
    static final String NAMESPACE = "monitoring";
    static final String JOBS = "monitoring-jobs";
    static final Duration SCRAPE = Duration.ofSeconds(1);
    private static final Duration READY_LIMIT = Duration.ofSeconds(90);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(30);

    final MockApiServer api = new MockApiServer();
    final KubernetesClient admin = api.client("monitoring-harness");
    final RecordingTarget target = new RecordingTarget().closingConnections();
    final List<ReplicaProcess> replicas = new ArrayList<>();
    final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private final Map<String, Integer> managementPorts = new ConcurrentHashMap<>();
    private final CountDownLatch releaseSlow = new CountDownLatch(1);
    private final Path dir;
    PrometheusServer prometheus;
    Instant start;
    Instant end;
    String killed;

    private MonitoredReplicas(Path dir) throws IOException {
        this.dir = dir;
        target.reply(r -> switch (r.path()) {
            case "/fail" -> RecordingTarget.Reply.of(500);
            case "/slow" -> new RecordingTarget.Reply(200, "", releaseSlow);
            default -> RecordingTarget.Reply.of(200);
        });
    }

    /** Runs the scenario with the service build at {@code jar}, logs and Prometheus' data under {@code dir}. */
    static MonitoredReplicas run(Path jar, Path dir) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no service build at " + jar + ": the monitoring test runs after ./mvnw package");
        }
        deleteRecursively(dir);
        Files.createDirectories(dir);
        MonitoredReplicas run = new MonitoredReplicas(dir);
        try {
            run.scenario(jar);
            return run;
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
    }

    private void scenario(Path jar) throws Exception {
        putJobs();
        for (int i = 0; i < 2; i++) {
            replicas.add(replica("replica-" + i, jar));
        }
        start = Instant.now();
        for (ReplicaProcess r : replicas) {
            r.start();
        }
        prometheus = PrometheusServer.start(dir.resolve("prometheus"), prometheusConfig(), Duration.ofSeconds(30));
        for (ReplicaProcess r : replicas) {
            r.awaitReady(READY_LIMIT);
        }
        // Steady state: one leader fires every job; wait for several slots of each to be answered.
        ReplicaProcess leader = awaitLeader(null);
        await(() -> count("/ok") >= 6 && count("/fail") >= 6 && count("/slow") >= 2, "the jobs fire under " + leader.name());
        // A crash right after a claim: the successor finds claimed slots that were never started (uncertain) and
        // slots nobody claimed during the takeover (caught up).
        await(this::claimedAhead, "the leader's claim reaches a slot beyond what it started");
        leader.kill();
        killed = leader.name();
        ReplicaProcess successor = awaitLeader(leader);
        int okBefore = count("/ok");
        await(() -> count("/ok") >= okBefore + 3, "the successor " + successor.name() + " fires");
        leader.start();
        leader.awaitReady(READY_LIMIT);
        // Enough scrapes of the restarted replica for every rate window of the queries: eight seconds of successful
        // scrapes, all after its restart (its scrapes failed while it was down).
        String up = "up{namespace=\"" + NAMESPACE + "\", pod=\"" + killed + "\"}";
        String scraped = "min_over_time(" + up + "[8s]) == 1 and count_over_time(" + up + "[8s]) >= 7";
        await(() -> !prometheus.query(scraped, Instant.now()).path("result").isEmpty(),
                "Prometheus scraped the restarted " + killed + " for eight seconds");
        end = Instant.now();
    }

    private ReplicaProcess replica(String name, Path jar) throws IOException {
        Path kubeconfig = dir.resolve(name + ".kubeconfig");
        Files.writeString(kubeconfig, "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: "
                + api.url() + "\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: leasecron\n    namespace: "
                + NAMESPACE + "\ncurrent-context: mock\nusers:\n- name: leasecron\n  user: {}\n");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LEASECRON_MODE", "kubernetes");
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("POD_NAME", name);
        env.put("POD_NAMESPACE", NAMESPACE);
        env.put("LEASECRON_WATCHES", "websocket"); // the mock server has no HTTP watches
        env.put("LEASECRON_LEASE_DURATION", "3s");
        env.put("LEASECRON_RENEW_DEADLINE", "2s");
        env.put("LEASECRON_RETRY_PERIOD", "500ms");
        // Claims reach a second ahead, so that a crash leaves a slot uncertain (the uncertain-slot panel and alert),
        // and the takeover, a lease duration after the last write, comes after slots nobody claimed (catch-up).
        env.put("LEASECRON_LEASE_CLAIM_AHEAD", "1s");
        // Two attempts at once: the slow job holds one, so the others sometimes wait (the queue panels).
        env.put("LEASECRON_ENGINE_MAX_CONCURRENT_RUNS", "2");
        env.put("LEASECRON_ENGINE_SHUTDOWN_GRACE", "2s");
        managementPorts.put(name, Ports.free());
        return new ReplicaProcess(name, jar, dir, env, Duration.ZERO, Ports.free(), managementPorts.get(name));
    }

    /**
     * Jobs every second: one succeeds (catching up every missed slot), one fails, one times out and is skipped while
     * it runs; one has an invalid schedule.
     */
    private void putJobs() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("ok", "schedule: \"@every 1s\"\ncatchUp: All\nstartingDeadlineSeconds: 60\nhttp:\n  url: "
                + target.url("/ok") + "\n");
        data.put("failing", "schedule: \"@every 1s\"\nhttp:\n  url: " + target.url("/fail") + "\n");
        data.put("slow", "schedule: \"@every 1s\"\nconcurrencyPolicy: Forbid\ntimeout: 2500ms\nhttp:\n  url: "
                + target.url("/slow") + "\n");
        data.put("broken", "schedule: \"61 * * * *\"\nhttp:\n  url: " + target.url("/ok") + "\n");
        admin.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName(JOBS)
                .withNamespace(NAMESPACE).addToLabels("leasecron.io/jobs", "true").endMetadata().withData(data).build())
                .create();
    }

    /**
     * Scrapes both replicas' management ports every second with the labels a ServiceMonitor gives, and evaluates the
     * shipped rules.
     */
    private String prometheusConfig() {
        StringBuilder targets = new StringBuilder();
        for (ReplicaProcess r : replicas) {
            targets.append("      - targets: ['127.0.0.1:").append(port(r)).append("']\n")
                    .append("        labels: {namespace: ").append(NAMESPACE).append(", pod: ").append(r.name()).append("}\n");
        }
        return "global:\n  scrape_interval: " + SCRAPE.toSeconds() + "s\n  scrape_timeout: " + SCRAPE.toSeconds() + "s\n"
                + "  evaluation_interval: " + SCRAPE.toSeconds() + "s\n"
                + "rule_files:\n  - " + MonitoringFiles.RULES.toAbsolutePath() + "\n"
                + "scrape_configs:\n  - job_name: leasecron\n    metrics_path: /q/metrics\n    static_configs:\n" + targets;
    }

    /** The port of the replica's management interface, which serves /q/metrics. */
    private int port(ReplicaProcess r) {
        return managementPorts.get(r.name());
    }

    /** The one running replica whose {@code GET /api/v1/leader} says it leads, other than {@code not}. */
    private ReplicaProcess awaitLeader(ReplicaProcess not) {
        ReplicaProcess[] found = new ReplicaProcess[1];
        await(() -> {
            for (ReplicaProcess r : replicas) {
                if (r != not && r.get("/api/v1/leader", Duration.ofSeconds(1)).body().contains("\"isLeader\":true")) {
                    found[0] = r;
                    return true;
                }
            }
            return false;
        }, "a replica leads" + (not == null ? "" : " after " + not.name()));
        return found[0];
    }

    /**
     * Whether the Lease's claim reaches at least a second beyond what its holder recorded as started, with most of
     * a second left before the next slot would be started: a crash now leaves the claimed slot uncertain.
     */
    private boolean claimedAhead() {
        Lease lease = admin.leases().inNamespace(NAMESPACE).withName("leasecron").get();
        Map<String, String> a = lease == null ? Map.of() : lease.getMetadata().getAnnotations();
        String claimed = a.get(LeaseRecord.CLAIMED_UNTIL);
        String dispatched = a.get(LeaseRecord.DISPATCHED_THROUGH);
        if (claimed == null || dispatched == null) {
            return false;
        }
        Instant through = Instant.parse(dispatched);
        return !Instant.parse(claimed).isBefore(through.plusSeconds(1)) && Instant.now().isBefore(through.plusMillis(700));
    }

    /** Requests the target received on {@code path} so far. */
    int count(String path) {
        for (RecordingTarget.Request r : target.drained()) {
            requests.merge(r.path(), 1, Integer::sum);
        }
        return requests.getOrDefault(path, 0);
    }

    /** Waits for the processes of the scenario (never for a scheduler in this JVM); fails after 30 s. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + STEP_LIMIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + STEP_LIMIT.toSeconds() + " s waiting until " + what);
            }
            PrometheusServer.pause(Duration.ofMillis(100));
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    @Override
    public void close() {
        releaseSlow.countDown();
        replicas.forEach(ReplicaProcess::close);
        if (prometheus != null) {
            prometheus.close();
        }
        target.close();
        admin.close();
        api.close();
    }
}
