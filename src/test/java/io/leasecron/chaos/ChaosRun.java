package io.leasecron.chaos;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.leasecron.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Everything one scenario runs on, all on loopback: a namespace on the API server, the recording target, three
 * replica processes each behind its own TCP proxy to the API server, and monitors that probe every replica that
 * should be answering and scrape its API request count. Scenarios drive it; {@link Report} judges what it recorded.
 * Closing it stops every process it started.
 */
final class ChaosRun implements AutoCloseable {
    /** Lease timings of the replicas: short, so that a scenario sees many leadership changes in little time. */
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration RENEW_DEADLINE = Duration.ofSeconds(2);
    static final Duration RETRY = Duration.ofMillis(500);
    static final Duration GRACE = Duration.ofSeconds(5);
    static final Duration READY_LIMIT = Duration.ofSeconds(90);
    static final String JOBS = "chaos-jobs";

    /** Something the harness did, at the harness's time. */
    record Action(Instant at, String kind, String replica, String detail) {
    }

    /** A probe that did not answer 200 from a replica that should have been answering. */
    record ProbeFailure(Instant at, String replica, int incarnation, String probe, int status, String body) {
    }

    /** API requests one incarnation of a replica made, as its own metric counted them, over how long it ran. */
    static final class ApiUsage {
        final String replica;
        final int incarnation;
        final Instant started;
        volatile double requests;
        volatile Map<String, Double> byRequest = Map.of();
        volatile Instant lastScrape;

        void scraped(String prometheus) {
            requests = sum(prometheus, "leasecron_api_requests_total");
            byRequest = breakdown(prometheus, "leasecron_api_requests_total");
            lastScrape = Instant.now();
        }

        ApiUsage(String replica, int incarnation, Instant started) {
            this.replica = replica;
            this.incarnation = incarnation;
            this.started = started;
        }
    }

    final ChaosApi api;
    final String scenario;
    /** What the replicas run instead of the service (the peers benchmark); {@code null} for the service. */
    final PeerScheduler peer;
    final Path dir;
    final String namespace;
    final FireRecorder target;
    final List<ReplicaProcess> replicas = new ArrayList<>();
    final List<TcpProxy> proxies = new ArrayList<>();
    final List<Action> actions = new CopyOnWriteArrayList<>();
    final List<ProbeFailure> probeFailures = new CopyOnWriteArrayList<>();
    final Map<String, ApiUsage> usage = new ConcurrentHashMap<>();
    final Map<String, JobTrack> tracks = new LinkedHashMap<>();
    final Map<String, Object> facts = new LinkedHashMap<>();
    /**
     * Manual runs asked through the API, by job: the slot each one's record names and the record's name. Fires under
     * these slots are the runs' (the scenario that asked judges them); {@link Report} judges the rest as scheduled.
     */
    final Map<String, Map<Instant, String>> manualSlots = new ConcurrentHashMap<>();
    private final ExecutorService monitor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chaos-monitor");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean monitoring = true;
    Instant start;
    Instant end;
    final long seed = Long.getLong("chaos.seed", System.nanoTime());
    private final java.util.Random random = new java.util.Random(seed);

    ChaosRun(ChaosApi api, String scenario, Path jar, Path reports, List<Duration> skews) throws IOException {
        this(api, scenario, jar, null, reports, skews);
    }

    /** Three replicas of {@code peer} instead of the service, with even clocks. */
    ChaosRun(ChaosApi api, String scenario, PeerScheduler peer, Path reports) throws IOException {
        this(api, scenario, null, peer, reports, Scenarios.EVEN_CLOCKS);
    }

    private ChaosRun(ChaosApi api, String scenario, Path jar, PeerScheduler peer, Path reports, List<Duration> skews)
            throws IOException {
        this.api = api;
        this.scenario = scenario;
        this.peer = peer;
        this.dir = reports.resolve(api.name()).resolve(scenario);
        deleteRecursively(dir);
        Files.createDirectories(dir);
        this.namespace = api.prepare(scenario);
        this.target = new FireRecorder();
        for (int i = 0; i < skews.size(); i++) {
            TcpProxy proxy = new TcpProxy("127.0.0.1", api.port());
            proxies.add(proxy);
            String name = "replica-" + i;
            Path kubeconfig = dir.resolve(name + ".kubeconfig");
            Files.writeString(kubeconfig, api.kubeconfig(namespace, proxy.port()));
            Map<String, String> env = new LinkedHashMap<>();
            env.put("LEASECRON_MODE", "kubernetes");
            env.put("KUBECONFIG", kubeconfig.toString());
            env.put("POD_NAME", name);
            env.put("POD_NAMESPACE", namespace);
            env.put("LEASECRON_LEASE_DURATION", LEASE.toSeconds() + "s");
            env.put("LEASECRON_RENEW_DEADLINE", RENEW_DEADLINE.toMillis() + "ms");
            env.put("LEASECRON_RETRY_PERIOD", RETRY.toMillis() + "ms");
            env.put("LEASECRON_ENGINE_SHUTDOWN_GRACE", GRACE.toSeconds() + "s");
            if (!api.streamsHttpWatches()) {
                env.put("LEASECRON_WATCHES", "websocket");
            }
            if (peer != null) {
                env.put("PEERS_TARGET", target.url());
                env.put("PEERS_JOBS", peer.jobsSpec());
                replicas.add(new ReplicaProcess(name, peer.command(), dir, env, io.leasecron.testing.Ports.free(),
                        io.leasecron.testing.Ports.free()));
            } else {
                replicas.add(new ReplicaProcess(name, jar, dir, env, skews.get(i), io.leasecron.testing.Ports.free(),
                        io.leasecron.testing.Ports.free()));
            }
        }
        monitor.submit(this::monitor);
        facts.put("seed", seed);
    }

    // ---------------------------------------------------------------- jobs

    /** Creates or replaces a labelled job ConfigMap. */
    void putJobs(String name, Map<String, String> data) {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(data).build();
        api.admin().configMaps().inNamespace(namespace).resource(cm).createOr(c -> c.update());
    }

    void deleteJobs(String name) {
        api.admin().configMaps().inNamespace(namespace).withName(name).delete();
    }

    /**
     * Puts the chaos jobs in {@link #JOBS} and tracks each from the start of the measurement. A peer scheduler gets its
     * jobs from its environment: they are only tracked.
     */
    void putStandardJobs() {
        if (peer != null) {
            peer.jobs().forEach(job -> tracks.put(JOBS + "/" + job.key(), new JobTrack(JOBS + "/" + job.key(), job)));
            return;
        }
        Map<String, String> data = new LinkedHashMap<>();
        for (ChaosJob job : ChaosJob.STANDARD) {
            data.put(job.key(), job.yaml(target.url()));
            tracks.put(JOBS + "/" + job.key(), new JobTrack(JOBS + "/" + job.key(), job));
        }
        putJobs(JOBS, data);
    }

    JobTrack track(String id, ChaosJob job) {
        return tracks.computeIfAbsent(id, k -> new JobTrack(id, job));
    }

    // ---------------------------------------------------------------- replicas

    void startAll() throws Exception {
        for (ReplicaProcess r : replicas) {
            r.start();
        }
        for (ReplicaProcess r : replicas) {
            r.awaitReady(READY_LIMIT);
            usage.put(r.name() + "#" + r.incarnation(), new ApiUsage(r.name(), r.incarnation(), r.startedAt()));
        }
        note("started", "all", replicas.size() + " replicas ready");
    }

    void restart(ReplicaProcess r) throws Exception {
        r.start();
        r.awaitReady(READY_LIMIT);
        usage.put(r.name() + "#" + r.incarnation(), new ApiUsage(r.name(), r.incarnation(), r.startedAt()));
        note("ready", r.name(), "incarnation " + r.incarnation());
    }

    ReplicaProcess replica(String name) {
        return replicas.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica " + name));
    }

    /** The Lease as the API server has it now. */
    Optional<Lease> lease() {
        return Optional.ofNullable(api.admin().leases().inNamespace(namespace).withName("leasecron").get());
    }

    /**
     * Waits until the Lease names a holder that is one of the running replicas and that replica has fired something in
     * the last two seconds; returns it. Leadership only counts once it fires. A peer scheduler without the Lease (one
     * lock per run, no leader) has the running replica that fired last taken for its leader: it won the last lock.
     */
    ReplicaProcess awaitLeaderFiring(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<String> holder = lease().map(l -> l.getSpec().getHolderIdentity()).filter(h -> h != null && !h.isEmpty());
            if (holder.isPresent()) {
                Optional<ReplicaProcess> r = replicas.stream().filter(p -> p.name().equals(holder.get())
                        && p.state() == ReplicaProcess.State.RUNNING).findFirst();
                Instant recent = Instant.now().minusSeconds(2);
                if (r.isPresent() && target.fires().stream().anyMatch(f -> f.replica().equals(holder.get())
                        && f.received().isAfter(recent))) {
                    return r.get();
                }
            } else if (peer != null) {
                Instant recent = Instant.now().minusSeconds(2);
                Optional<ReplicaProcess> last = target.fires().stream().filter(f -> f.received().isAfter(recent))
                        .max(java.util.Comparator.comparing(FireRecorder.Fire::received))
                        .flatMap(f -> replicas.stream().filter(p -> p.name().equals(f.replica())
                                && p.state() == ReplicaProcess.State.RUNNING).findFirst());
                if (last.isPresent()) {
                    return last.get();
                }
            }
            sleep(Duration.ofMillis(50));
        }
        throw new IllegalStateException("no replica held the lease and fired within " + limit.toSeconds() + " s (lease: "
                + lease().map(l -> l.getSpec().toString()).orElse("none") + ")");
    }

    /** Waits (bounded) until {@code condition} holds; false if it did not. */
    boolean awaitCondition(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(Duration.ofMillis(20));
        }
        return true;
    }

    // ---------------------------------------------------------------- the measurement window

    /**
     * Starts the window once every tracked job has fired at least once: its first slot is two seconds on (plus the
     * largest clock skew ahead), so that what came before (startup, first acquisition) is not judged.
     */
    void beginMeasurement() {
        boolean allFired = awaitCondition(() -> tracks.keySet().stream().allMatch(id -> target.fires().stream()
                .anyMatch(f -> f.job().equals(id))), Duration.ofSeconds(30));
        if (!allFired) {
            throw new IllegalStateException("not every job fired within 30 s of the replicas being ready: fired "
                    + target.fires().stream().map(FireRecorder.Fire::job).distinct().toList() + " of " + tracks.keySet());
        }
        // A replica whose clock is ahead has already reached later slots: judge from where every clock has been.
        long ahead = replicas.stream().mapToLong(r -> Math.max(0, (r.skew().toMillis() + 999) / 1000)).max().orElse(0);
        start = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2 + ahead);
        tracks.values().forEach(t -> t.begin(start));
        note("measure", "all", "slots from " + start);
    }

    /**
     * Ends the window: slots up to now are judged. Then waits (bounded by lease + retry + 10 s) until every slot a
     * {@code catchUp: All} job owes has arrived, so that late catch-up fires are counted as late, not as missed.
     */
    void endMeasurement() {
        end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        note("measure-end", "all", "slots through " + end);
        Duration drain = LEASE.plus(RETRY).plusSeconds(10);
        awaitCondition(() -> {
            List<FireRecorder.Fire> fires = target.fires();
            return tracks.values().stream().filter(t -> t.job.mustFireAll())
                    .allMatch(t -> t.expected(end).stream().allMatch(s -> fires.stream()
                            .anyMatch(f -> f.job().equals(t.id) && f.slot().equals(s))));
        }, drain);
    }

    /**
     * Waits a random part of a second, so that disruptions fall anywhere between slots rather than always just
     * after one (where a kill lands in the claim-to-dispatch window every time). The seed is in the report
     * ({@code chaos.seed} repeats a run's timings).
     */
    void offBeat() {
        sleep(Duration.ofMillis(random.nextInt(1000)));
    }

    /** Records an action on the timeline. */
    Instant note(String kind, String replica, String detail) {
        Instant at = Instant.now();
        actions.add(new Action(at, kind, replica, detail));
        return at;
    }

    /** The Events on the API server in this namespace with {@code reason}. */
    List<Event> events(String reason) {
        return api.admin().v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    // ---------------------------------------------------------------- monitors

    /**
     * Every half second: liveness and readiness of every replica that should be answering (running, not frozen,
     * not stopping); every two seconds its {@code leasecron_api_requests_total}.
     */
    private void monitor() {
        long round = 0;
        while (monitoring) {
            for (ReplicaProcess r : replicas) {
                if (r.state() != ReplicaProcess.State.RUNNING) {
                    continue;
                }
                int incarnation = r.incarnation();
                for (String probe : List.of("live", "ready")) {
                    ReplicaProcess.Response resp = r.management("/q/health/" + probe, Duration.ofSeconds(1));
                    // A probe cut short because monitoring stopped (it interrupts this thread) is not the replica's failure.
                    if (resp.status() != 200 && monitoring && r.state() == ReplicaProcess.State.RUNNING
                            && r.incarnation() == incarnation) {
                        probeFailures.add(new ProbeFailure(Instant.now(), r.name(), incarnation, probe, resp.status(),
                                resp.body().length() > 300 ? resp.body().substring(0, 300) : resp.body()));
                    }
                }
                if (round % 4 == 0) {
                    ApiUsage u = usage.get(r.name() + "#" + incarnation);
                    ReplicaProcess.Response m = r.management("/q/metrics", Duration.ofSeconds(1));
                    if (u != null && m.status() == 200) {
                        u.scraped(m.body());
                    }
                }
            }
            round++;
            sleep(Duration.ofMillis(500));
        }
    }

    /** Scrapes every running replica once more (so the last minute of a scenario is counted). */
    void scrapeNow() {
        for (ReplicaProcess r : replicas) {
            ApiUsage u = usage.get(r.name() + "#" + r.incarnation());
            if (r.state() == ReplicaProcess.State.RUNNING && u != null) {
                ReplicaProcess.Response m = r.management("/q/metrics", Duration.ofSeconds(1));
                if (m.status() == 200) {
                    u.scraped(m.body());
                }
            }
        }
    }

    static double sum(String prometheus, String metric) {
        double total = 0;
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(metric + "{") || line.startsWith(metric + " ")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** {@code metric}'s series by their labels ({@code method="PUT",resource="leases"} -> value). */
    static Map<String, Double> breakdown(String prometheus, String metric) {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(metric + "{")) {
                out.merge(line.substring(metric.length() + 1, line.lastIndexOf('}')),
                        Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- plumbing

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Runs {@code tasks} side by side (replica starts, which each take seconds) and waits for all of them. */
    static void parallel(List<java.util.concurrent.Callable<Void>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<Void>> futures = pool.invokeAll(tasks);
            for (Future<Void> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }


    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Stops probing and scraping (before replicas are stopped at the end, so that is not counted as failures). */
    void stopMonitoring() {
        monitoring = false;
        monitor.shutdownNow();
        try {
            monitor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopMonitoring();
        for (ReplicaProcess r : replicas) {
            r.close();
        }
        for (TcpProxy p : proxies) {
            p.close();
        }
        target.close();
    }
}
