package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.execution.ActionRunners;
import io.leasecron.execution.Fire;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.leader.LeaderElector;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.RecordingTarget;
import io.leasecron.testing.TcpProxy;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three whole replicas in one JVM, each with its own API client (through its own TCP proxy, so it can be cut off)
 * and its own clock (skewed by up to ±3 s), sharing one API server, with every leadership change the product has to
 * survive forced on it: kills without release (also right after a claim, and right after a start, before the
 * progress write), pauses longer than the lease, cut connections, rolling restarts. Time is simulated: a global
 * clock advances in steps and every live replica takes one turn per step. Jobs fire through the real HTTP runner at
 * a real recording endpoint; the assertions count what arrived there, by {@code Idempotency-Key}.
 */
class ReplicasTest {
    private static final Logger LOG = Logger.getLogger(ReplicasTest.class);
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Duration STEP = Duration.ofMillis(100);
    static final LeaseTimings TIMINGS = new LeaseTimings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500));

    record LeaseTimings(Duration lease, Duration renewDeadline, Duration retry) {
    }

    /** One fire as the action saw it. */
    record Fired(JobId job, Instant slot, String key, String replica, long term, Instant at) {
    }

    final MockApiServer api = new MockApiServer();
    final List<AutoCloseable> toClose = new ArrayList<>();
    /** Every attempt an engine started, as the engine reported it. */
    final List<Fired> fired = new CopyOnWriteArrayList<>();
    /** Every request that reached the recording target, once {@link #delivered()} has collected them. */
    final List<RecordingTarget.Request> delivered = new CopyOnWriteArrayList<>();
    /** Distinct slots reported uncertain, by job, and how many such reports each job had (a slot may be reported twice). */
    final Map<String, Set<Instant>> uncertain = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> uncertainReports = new ConcurrentHashMap<>();
    final Map<String, Long> leadershipStarts = new LinkedHashMap<>();
    /** Every replica that ever ran, dead ones too: their metrics and run history stay readable. */
    final List<Node> everyNode = new CopyOnWriteArrayList<>();
    final ExecutorService http = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "replicas-http");
        t.setDaemon(true);
        return t;
    });
    RecordingTarget target;
    /** False: fires are recorded in-process instead of sent (for runs of tens of thousands of fires). */
    boolean viaHttp = true;
    Instant now = T0;
    int restarts;
    RecordingTarget holder;

    @BeforeEach
    void startTarget() throws Exception {
        target = new RecordingTarget().closingConnections();
    }

    @AfterEach
    void close() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing", e);
            }
        }
        target.close();
        http.shutdownNow();
        api.close();
    }

    /** A replica process: its identity, clock skew, proxy, client and the assembled service. */
    final class Node {
        final String identity;
        final Duration skew;
        final FakeClock clock;
        final TcpProxy proxy;
        final KubernetesClient client;
        final AtomicInteger requests = new AtomicInteger();
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final Replica replica;
        /** This replica reported an uncertain slot during its turn: its Kubernetes Event is sent before the next. */
        volatile boolean reportedUncertain;
        /** While set, this replica's ConfigMap lists wait at a holding endpoint until the test releases them. */
        volatile CountDownLatch listsHeld;
        boolean alive = true;
        Instant pausedUntil;

        Node(String identity, Duration skew) throws Exception {
            this(identity, skew, null);
        }

        Node(String identity, Duration skew, CountDownLatch holdLists) throws Exception {
            this.identity = identity;
            this.skew = skew;
            this.clock = new FakeClock(now.plus(skew));
            this.listsHeld = holdLists;
            URI server = URI.create(api.url());
            this.proxy = new TcpProxy(server.getHost(), server.getPort());
            this.client = MockApiServer.client(proxy.url(), "leasecron/" + identity, new Interceptor() {
                @Override
                public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                    requests.incrementAndGet();
                    CountDownLatch held = listsHeld;
                    String query = request.uri().getRawQuery();
                    if (held != null && request.uri().getPath().endsWith("/configmaps") && (query == null || !query.contains("watch=true"))) {
                        builder.uri(URI.create(listHolder(held).url(request.uri().getRawPath())));
                    }
                }
            });
            toClose.add(proxy);
            toClose.add(client);
            Replica.Runners runners = viaHttp
                    ? (s, c, n) -> new ActionRunners(new HttpActionRunner(http, "leasecron/" + identity, s), null, null)
                    : (s, c, n) -> fire -> CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
            var parts = new Replica.Parts(identity, clock, EngineSettings.DEFAULTS, 10_000, registry, runners, Runnable::run,
                    io.leasecron.job.JobSpecParser.Options.DEFAULT);
            this.replica = Replica.kubernetes(parts, client, new LeaseSettings("test", "leasecron", identity, TIMINGS.lease(),
                    TIMINGS.renewDeadline(), TIMINGS.retry(), Duration.ZERO));
            replica.engine().addListener(e -> {
                if (e instanceof ExecutionEvent.FiredExecution f) {
                    fired.add(new Fired(f.job(), f.slot(), Fire.idempotencyKey(f.job().toString(), f.slot()), f.replica(), f.term(),
                            ReplicasTest.this.now));
                } else if (e instanceof ExecutionEvent.UncertainExecution u) {
                    uncertain.computeIfAbsent(u.job().toString(), k -> ConcurrentHashMap.newKeySet()).add(u.slot());
                    uncertainReports.computeIfAbsent(u.job().toString(), k -> new AtomicInteger()).incrementAndGet();
                    reportedUncertain = true;
                }
            });
            replica.elector().orElseThrow().addListener(new io.leasecron.leader.LeaderElector.Listener() {
                @Override
                public void acquired(long term, io.leasecron.engine.Engine.Takeover p) {
                    leadershipStarts.put(identity + "#" + term, term);
                }
            });
            replica.start(false);
            if (holdLists == null) {
                awaitLoaded(replica);
            }
            toClose.add(replica);
            everyNode.add(this);
        }

        /** Lets the held ConfigMap list through and waits until it has reached the catalogue. */
        void releaseLists() {
            CountDownLatch held = listsHeld;
            listsHeld = null;
            held.countDown();
            awaitLoaded(replica);
        }

        void turn() {
            if (!alive || pausedUntil != null && now.isBefore(pausedUntil)) {
                return;
            }
            pausedUntil = null;
            clock.set(now.plus(skew));
            replica.step();
            flushUncertainEvents();
        }

        /** A new leader reports uncertain slots as Events from a background thread: let them out before a kill. */
        void flushUncertainEvents() {
            if (reportedUncertain) {
                reportedUncertain = false;
                replica.events().orElseThrow().flush(5000);
            }
        }

        void kill() {
            alive = false;
            replica.close();
            proxy.cut();
        }

        /**
         * Lets the requests of the slots already started reach the target (real time, not the simulated clock) and
         * records that as progress, so that a kill after it is an ordinary kill, not one inside the window between a
         * start and its progress write (which the tests that mean it make on purpose).
         */
        void settleProgress() {
            LeaderElector elector = replica.elector().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline) {
                if (replica.engine().startingCount() == 0) {
                    elector.step();
                    var status = elector.status();
                    if (!elector.isLeader() || java.util.Objects.equals(status.claimedUntil(), status.dispatchedThrough())) {
                        return;
                    }
                }
                try {
                    Thread.sleep(5); // the target's answers arrive in real time; the clock stands still
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            // A write backing off (the clock stands still) or a request not yet answered: the kill lands in the
            // window after all, and the slots it leaves are reported uncertain like any other.
            LOG.infof("%s: progress not settled before the kill (%s)", identity, elector.status());
        }

        LeaderElector elector() {
            return replica.elector().orElseThrow();
        }

        boolean leader() {
            return alive && (pausedUntil == null || !now.isBefore(pausedUntil)) && replica.elector().orElseThrow().isLeader();
        }
    }

    /**
     * A real HTTP endpoint that answers a ConfigMap list only once {@code release} opens, with the API server's
     * list as of then: the list a replica's informer starts with arrives as late as the test wants.
     */
    RecordingTarget listHolder(CountDownLatch release) {
        synchronized (this) {
            if (holder == null) {
                try {
                    holder = new RecordingTarget();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                toClose.add(holder);
            }
        }
        holder.reply(r -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (KubernetesClient admin = api.client("test-admin")) {
                return new RecordingTarget.Reply(200, Serialization.asJson(admin.configMaps().inNamespace("test")
                        .withLabel("leasecron.io/jobs", "true").list()), null);
            }
        });
        return holder;
    }

    static void awaitLoaded(Replica r) {
        Await.until(r::jobsLoaded, "the informer's first list reached the catalogue");
    }

    void createJobs(int atMostOnce, int atLeastOnce) {
        createJobs(atMostOnce, atLeastOnce, "@every 1s");
    }

    void createJobs(int atMostOnce, int atLeastOnce, String schedule) {
        Map<String, String> data = new TreeMap<>();
        for (int i = 0; i < atMostOnce + atLeastOnce; i++) {
            data.put("tick-" + i, "schedule: \"" + schedule + "\"\ncatchUp: All\nstartingDeadlineSeconds: 3600\n"
                    + "delivery: " + (i < atMostOnce ? "AtMostOnce" : "AtLeastOnce") + "\n"
                    + "http: {url: \"" + target.url("/tick-" + i) + "\"}\n");
        }
        try (KubernetesClient admin = api.client("test-admin")) {
            admin.configMaps().inNamespace("test").resource(new ConfigMapBuilder().withNewMetadata().withName("chaos")
                    .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(data).build()).create();
        }
    }

    void run(List<Node> nodes, Duration d) {
        Instant until = now.plus(d);
        while (now.isBefore(until)) {
            now = now.plus(STEP);
            for (Node n : List.copyOf(nodes)) {
                n.turn();
            }
        }
    }

    Node leader(List<Node> nodes) {
        return nodes.stream().filter(Node::leader).findFirst().orElse(null);
    }

    @Test
    void no_slot_runs_twice_and_none_is_lost_through_kills_pauses_cuts_and_restarts_with_skewed_clocks() throws Exception {
        createJobs(7, 3);
        Set<String> atLeastOnce = Set.of("chaos/tick-7", "chaos/tick-8", "chaos/tick-9");
        Duration[] skews = {Duration.ofSeconds(-3), Duration.ZERO, Duration.ofSeconds(3)};
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i + "-0", skews[i]));
        }
        Random random = new Random(20261201);
        run(nodes, Duration.ofSeconds(10));
        List<String> chaos = new ArrayList<>();
        /** The slots a kill left between a claim and its progress write, and the term that claimed them. */
        Map<String, Long> leftUncertain = new TreeMap<>();
        Set<String> startedBeforeKill = new java.util.HashSet<>();
        int changes = 0;
        for (int round = 0; round < 30; round++) {
            Node leader = leader(nodes);
            if (leader == null) {
                run(nodes, Duration.ofSeconds(2));
                continue;
            }
            switch (round % 6) {
                case 0 -> { // SIGKILL: nothing is released, the process is gone
                    chaos.add("kill " + leader.identity);
                    leader.settleProgress();
                    leader.kill();
                    run(nodes, Duration.ofSeconds(2 + random.nextInt(4)));
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                }
                case 1 -> { // a GC pause longer than the lease
                    chaos.add("pause " + leader.identity);
                    leader.settleProgress();
                    leader.pausedUntil = now.plus(TIMINGS.lease().plusSeconds(2 + random.nextInt(4)));
                }
                case 2 -> { // partition: the leader's connections are cut for 10 s
                    chaos.add("cut " + leader.identity);
                    leader.settleProgress();
                    leader.proxy.cut();
                    run(nodes, Duration.ofSeconds(10));
                    leader.proxy.restore();
                }
                case 3 -> { // rolling restart: SIGTERM, release, start again
                    chaos.add("restart " + leader.identity);
                    leader.replica.shutdown(Duration.ofSeconds(1));
                    leader.alive = false;
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                }
                default -> { // SIGKILL right after a claim, before its slots start (4) or right after they start (5)
                    boolean started = round % 6 == 5;
                    chaos.add("kill " + leader.identity + (started ? " after a start" : " after a claim"));
                    Map<String, Long> claimed = killRightAfterClaim(nodes, leader, started);
                    leftUncertain.putAll(claimed);
                    if (started) {
                        startedBeforeKill.addAll(claimed.keySet());
                    }
                    run(nodes, Duration.ofSeconds(2 + random.nextInt(4)));
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                }
            }
            run(nodes, Duration.ofSeconds(8 + random.nextInt(6)));
            changes++;
        }
        Instant lastChaos = now;
        run(nodes, Duration.ofSeconds(20)); // quiet: catch-up completes
        Report r = report(T0, lastChaos, atLeastOnce);
        LOG.infof("replicas: %s; %d leadership terms; %s", chaos, leadershipStarts.size(), r);
        assertTrue(changes >= 24 && leadershipStarts.size() >= 10, "leadership changed " + leadershipStarts.size() + " times");
        assertTrue(r.slots >= 1000, "slots " + r.slots);
        assertEquals(fired.size(), r.fires, "every fire an engine started reached the target, and nothing else did");
        assertEquals(List.of(), r.doubledAtMostOnce, "AtMostOnce slots executed twice");
        assertEquals(List.of(), r.lostAtMostOnce, "AtMostOnce slots lost without being reported uncertain");
        assertEquals(List.of(), r.lostAtLeastOnce, "AtLeastOnce slots lost");
        assertTrue(r.sameKeyOnRepeats, "a repeated slot carries the same Idempotency-Key");

        // Every slot a kill left between claim and progress write is reported uncertain. A few more may be: a slot
        // counts as started only once its request has left the process (real time, while the test's clock moves in
        // simulated steps), so a leadership change forced by a pause or a cut can also fall between a start and its
        // progress write. Each of those is reported too, fired by the term that claimed it, and never again under
        // AtMostOnce (the doubles and losses above cover them).
        assertEquals(100, leftUncertain.size(), "ten kills right after a claim, ten jobs each: " + leftUncertain.keySet());
        Set<String> reported = uncertainSlots();
        assertTrue(reported.containsAll(leftUncertain.keySet()), "every slot a kill left after its claim is reported uncertain: "
                + reported);
        assertUncertainReported(reported);
        LOG.infof("uncertain slots: %d after the kills right after a claim, %d more around other leadership changes",
                leftUncertain.size(), reported.size() - leftUncertain.size());
        for (var u : leftUncertain.entrySet()) {
            String job = u.getKey().substring(0, u.getKey().indexOf('@'));
            List<RecordingTarget.Request> hits = deliveredFor(u.getKey());
            List<Long> terms = hits.stream().map(h -> Long.parseLong(h.header("Leasecron-Term"))).toList();
            long byClaimingTerm = terms.stream().filter(t -> t == u.getValue()).count();
            assertEquals(startedBeforeKill.contains(u.getKey()) ? 1 : 0, byClaimingTerm, u.getKey() + " started before the kill");
            if (atLeastOnce.contains(job)) {
                assertEquals(1, terms.stream().filter(t -> t > u.getValue()).count(), u.getKey() + ": AtLeastOnce fires it again, once");
            } else {
                assertEquals(List.of(), terms.stream().filter(t -> t != u.getValue()).toList(), u.getKey() + ": AtMostOnce does not fire it again");
            }
        }
    }

    /**
     * Takes the leader's turn at the next whole second by hand: the timer asks for a claim, the claim is written, and
     * the process dies there ({@code started} false) or right after starting the batch, before its progress write.
     * Returns the claimed slots ("job@slot" in the leader's time) and the term that claimed them, or nothing if the
     * leader could not claim (then it was an ordinary kill).
     */
    Map<String, Long> killRightAfterClaim(List<Node> nodes, Node leader, boolean started) {
        while (now.plus(STEP).getNano() != 0) {
            run(nodes, STEP);
        }
        leader.settleProgress(); // the slots before this one are recorded: only this batch is left in the window
        now = now.plus(STEP);
        for (Node n : List.copyOf(nodes)) {
            if (n != leader) {
                n.turn();
            }
        }
        leader.clock.set(now.plus(leader.skew));
        Instant slot = now.plus(leader.skew);
        LeaderElector elector = leader.elector();
        Engine engine = leader.replica.engine();
        elector.step();
        engine.tick();
        elector.step();
        boolean claimed = elector.isLeader() && slot.equals(elector.status().claimedUntil());
        long term = elector.status().term();
        if (claimed && started) {
            engine.tick();
        }
        leader.kill();
        Map<String, Long> out = new TreeMap<>();
        if (claimed) {
            for (int j = 0; j < 10; j++) {
                out.put("chaos/tick-" + j + "@" + slot, term);
            }
        }
        return out;
    }

    Set<String> uncertainSlots() {
        Set<String> out = new java.util.TreeSet<>();
        uncertain.forEach((job, slots) -> slots.forEach(s -> out.add(job + "@" + s)));
        return out;
    }

    /**
     * Each slot ("job@slot") was reported the three ways an operator sees it: {@code leasecron_uncertain_slots_total}
     * (summed over every replica that ever ran, equal to the reports made), an {@code UncertainSlot} Event on the
     * job's ConfigMap (exactly one per slot, whichever leaders reported it), and an {@code uncertain} entry in the run
     * history of a replica.
     */
    void assertUncertainReported(Set<String> slots) {
        Map<String, Double> metric = new TreeMap<>();
        Pattern line = Pattern.compile("^leasecron_uncertain_slots_total\\{job_id=\"([^\"]+)\",?\\} ([0-9.Ee+-]+)$", Pattern.MULTILINE);
        for (Node n : everyNode) {
            Matcher m = line.matcher(n.registry.scrape());
            while (m.find()) {
                metric.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
            }
        }
        metric.values().removeIf(v -> v == 0); // every job's series exists, at 0 until a report
        Map<String, Double> reports = new TreeMap<>();
        uncertainReports.forEach((job, count) -> reports.put(job, (double) count.get()));
        assertEquals(reports, metric, "leasecron_uncertain_slots_total, all replicas");

        everyNode.stream().filter(n -> n.alive).forEach(n -> n.replica.events().orElseThrow().flush(5000));
        Set<String> evented = new java.util.TreeSet<>();
        try (KubernetesClient admin = api.client("test-admin")) {
            for (var ev : admin.v1().events().inNamespace("test").list().getItems()) {
                if (ev.getReason().equals("UncertainSlot")) {
                    assertEquals("ConfigMap", ev.getInvolvedObject().getKind());
                    String job = ev.getInvolvedObject().getName() + "/" + ev.getInvolvedObject().getFieldPath().substring("data.".length());
                    String slot = ev.getMessage().substring("slot ".length(), ev.getMessage().indexOf("Z: ") + 1);
                    assertTrue(evented.add(job + "@" + slot), "one Event per slot: " + job + "@" + slot);
                }
            }
        }
        assertEquals(slots, evented, "UncertainSlot Events");

        for (String s : slots) {
            JobId job = JobId.parse(s.substring(0, s.indexOf('@')));
            Instant slot = Instant.parse(s.substring(s.indexOf('@') + 1));
            assertTrue(everyNode.stream().anyMatch(n -> n.replica.history().recent(job).stream()
                    .anyMatch(h -> h.slot().equals(slot) && h.outcome().equals("uncertain"))), s + " in the run history");
        }
    }

    /**
     * Manual runs asked of a random replica, leader or not, each followed at once (or a step or two later: between
     * the request, its assignment, its claim and its start) by a kill, a pause longer than the lease, a cut or a
     * rolling restart of the leader. Every run executes once: never twice, never under a slot other than the one its
     * record names, and never lost (an AtMostOnce run may end uncertain, reported as such, and then ran at most once).
     */
    @Test
    void manual_runs_asked_of_any_replica_run_once_through_kills_pauses_cuts_and_restarts() throws Exception {
        Map<String, String> data = new TreeMap<>();
        String[] delivery = {"AtMostOnce", "AtMostOnce", "AtLeastOnce"};
        for (int i = 0; i < delivery.length; i++) {
            data.put("m-" + i, "schedule: \"0 0 1 1 *\"\ndelivery: " + delivery[i] + "\nhttp: {url: \"" + target.url("/manual-" + i) + "\"}\n");
        }
        try (KubernetesClient admin = api.client("test-admin")) {
            admin.configMaps().inNamespace("test").resource(new ConfigMapBuilder().withNewMetadata().withName("manual")
                    .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(data).build()).create();
        }
        Duration[] skews = {Duration.ofSeconds(-2), Duration.ZERO, Duration.ofSeconds(2)};
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i + "-0", skews[i]));
        }
        Random random = new Random(20261208);
        run(nodes, Duration.ofSeconds(6));
        List<String> requested = new ArrayList<>();
        List<String> chaos = new ArrayList<>();
        for (int round = 0; round < 24; round++) {
            Node leader = leader(nodes);
            if (leader == null) {
                run(nodes, Duration.ofSeconds(2));
                continue;
            }
            Node asked = nodes.get(random.nextInt(nodes.size()));
            JobId job = new JobId("manual", "m-" + random.nextInt(delivery.length));
            requested.add(asked.replica.manualRuns().request(job, Optional.empty(), "test").name());
            int steps = random.nextInt(3);
            run(nodes, STEP.multipliedBy(steps));
            chaos.add(job + " asked of " + asked.identity + ", then " + steps + " steps, then " + switch (round % 4) {
                case 0 -> {
                    leader.kill();
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                    yield "kill " + leader.identity;
                }
                case 1 -> {
                    leader.pausedUntil = now.plus(TIMINGS.lease().plusSeconds(2 + random.nextInt(3)));
                    yield "pause " + leader.identity;
                }
                case 2 -> {
                    leader.proxy.cut();
                    run(nodes, Duration.ofSeconds(8));
                    leader.proxy.restore();
                    yield "cut " + leader.identity;
                }
                default -> {
                    leader.replica.shutdown(Duration.ofSeconds(1));
                    leader.alive = false;
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                    yield "restart " + leader.identity;
                }
            });
            run(nodes, Duration.ofSeconds(8 + random.nextInt(5)));
        }
        run(nodes, Duration.ofSeconds(20));
        Node any = nodes.stream().filter(n -> n.alive).findFirst().orElseThrow();
        // The replicas keep taking turns meanwhile: a request that reached the leader's informer late (real time) is
        // taken in within simulated time, as it would be.
        Await.until(() -> {
            run(nodes, STEP);
            return requested.stream().allMatch(n -> any.replica.manualRuns().read(n).map(r -> r.startedAt() != null || r.finished())
                    .orElse(false));
        }, "every manual run started or ended");
        List<RecordingTarget.Request> requests = delivered().stream().filter(r -> r.header("Leasecron-Job").startsWith("manual/")).toList();
        Map<String, Long> byKey = requests.stream().collect(Collectors.groupingBy(r -> r.header("Idempotency-Key"), Collectors.counting()));
        List<String> doubled = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        List<String> uncertainRuns = new ArrayList<>();
        Set<String> keys = new java.util.HashSet<>();
        for (String name : requested) {
            io.leasecron.control.RunRecord r = any.replica.manualRuns().read(name).orElseThrow();
            String key = Fire.idempotencyKey(r.job().toString(), r.slot());
            keys.add(key);
            long hits = byKey.getOrDefault(key, 0L);
            boolean atLeastOnce = r.job().name().equals("m-2");
            boolean wasUncertain = "skipped".equals(r.outcome()) && r.detail().startsWith("uncertain");
            if (wasUncertain) {
                uncertainRuns.add(name);
            }
            if (!atLeastOnce && hits > 1) {
                doubled.add(name + " " + r + " x" + hits);
            }
            if (hits == 0 && !(wasUncertain && !atLeastOnce)) {
                lost.add(name + " " + r);
            }
        }
        LOG.infof("manual runs: %d asked, %d fires, %d uncertain; %s", requested.size(), requests.size(), uncertainRuns.size(), chaos);
        assertEquals(24, requested.size());
        assertEquals(List.of(), doubled, "manual runs executed twice");
        assertEquals(List.of(), lost, "manual runs lost");
        assertEquals(List.of(), requests.stream().filter(r -> !keys.contains(r.header("Idempotency-Key")))
                .map(r -> r.header("Leasecron-Job") + "@" + r.header("Leasecron-Scheduled-Time")).toList(),
                "fires under a slot no run record names");
    }

    /**
     * Kills right after a claim in a small run of their own, so that their uncertain slots are checked on their own:
     * with nothing started (the claimed batch never left the process) and with the batch started but no progress
     * written.
     */
    @Test
    void a_kill_between_claim_and_progress_leaves_uncertain_slots_reported_and_handled_by_delivery() throws Exception {
        createJobs(7, 3);
        Set<String> atLeastOnce = Set.of("chaos/tick-7", "chaos/tick-8", "chaos/tick-9");
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            nodes.add(new Node("pod-" + i + "-0", Duration.ZERO));
        }
        run(nodes, Duration.ofSeconds(3));
        Map<String, Long> notStarted = killRightAfterClaim(nodes, leader(nodes), false);
        run(nodes, Duration.ofSeconds(6));
        nodes.removeIf(n -> !n.alive);
        Map<String, Long> started = killRightAfterClaim(nodes, leader(nodes), true);
        nodes.add(new Node("pod-2-0", Duration.ZERO));
        run(nodes, Duration.ofSeconds(8));
        Report r = report(T0, now.minusSeconds(2), atLeastOnce);
        LOG.infof("kills right after a claim: %s", r);
        assertEquals(10, notStarted.size());
        assertEquals(10, started.size());
        Set<String> expected = new java.util.TreeSet<>(notStarted.keySet());
        expected.addAll(started.keySet());
        Set<String> reported = uncertainSlots();
        assertTrue(reported.containsAll(expected), "every slot of both kills is reported uncertain: " + reported);
        assertUncertainReported(reported);
        for (String s : expected) {
            boolean least = atLeastOnce.contains(s.substring(0, s.indexOf('@')));
            int expectedHits = (started.containsKey(s) ? 1 : 0) + (least ? 1 : 0);
            List<RecordingTarget.Request> hits = deliveredFor(s);
            assertEquals(expectedHits, hits.size(), s + ": " + hits);
            String key = Fire.idempotencyKey(s.substring(0, s.indexOf('@')), Instant.parse(s.substring(s.indexOf('@') + 1)));
            assertEquals(List.of(), hits.stream().map(h -> h.header("Idempotency-Key")).filter(k -> !k.equals(key)).toList(),
                    s + ": every fire of the slot carries its Idempotency-Key");
        }
        assertEquals(List.of(), r.doubledAtMostOnce);
        assertEquals(List.of(), r.lostAtMostOnce);
        assertEquals(List.of(), r.lostAtLeastOnce);
        assertTrue(r.sameKeyOnRepeats);
    }

    /**
     * The longest a due slot waited for its fire around a leadership change (clocks unskewed, so simulated time is
     * every replica's time): a rolling restart hands over within a step or two, a crash within lease + retry.
     */
    @Test
    void a_graceful_handover_is_near_instant_and_a_crash_takes_at_most_lease_duration_plus_retry_period() throws Exception {
        createJobs(10, 0);
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i + "-0", Duration.ZERO));
        }
        run(nodes, Duration.ofSeconds(10));
        Duration graceful = Duration.ZERO;
        Duration crash = Duration.ZERO;
        for (int i = 0; i < 6; i++) {
            Node leader = leader(nodes);
            Instant change = now;
            nodes.remove(leader);
            if (i < 3) {
                leader.replica.shutdown(Duration.ofSeconds(1));
            } else {
                leader.settleProgress();
                leader.kill();
            }
            run(nodes, Duration.ofSeconds(10));
            nodes.add(new Node(next(leader.identity), Duration.ZERO));
            Duration worst = fired.stream().filter(f -> !f.slot().isBefore(change.minusSeconds(1)) && f.slot().isBefore(change.plusSeconds(10)))
                    .map(f -> Duration.between(f.slot(), f.at())).max(Duration::compareTo).orElseThrow();
            if (i < 3) {
                graceful = worst.compareTo(graceful) > 0 ? worst : graceful;
            } else {
                crash = worst.compareTo(crash) > 0 ? worst : crash;
            }
        }
        Report r = report(T0, now.minusSeconds(5), Set.of());
        LOG.infof("handover: longest wait of a due slot after a rolling restart %d ms, after a crash %d ms (lease %s, retry %s); %s",
                graceful.toMillis(), crash.toMillis(), TIMINGS.lease(), TIMINGS.retry(), r);
        assertTrue(graceful.compareTo(Duration.ofSeconds(1)) <= 0, "rolling restart handover " + graceful);
        assertTrue(crash.compareTo(TIMINGS.lease().plus(TIMINGS.retry())) <= 0, "crash failover " + crash);
        assertEquals(List.of(), r.doubledAtMostOnce);
        assertEquals(List.of(), r.lostAtMostOnce);
    }

    /**
     * What a replica costs the API server does not depend on how many jobs it runs: jobs due at the same instant
     * share one claim. Leader and follower, one simulated minute, 10 jobs and then 1,000 jobs, each firing every
     * second.
     */
    @Test
    void api_requests_per_replica_per_minute_do_not_grow_with_the_number_of_jobs() throws Exception {
        viaHttp = false; // 60,000 fires a minute: what is measured here is the Lease traffic, not the actions
        int[] small = requestsPerMinute(10);
        int[] large = requestsPerMinute(1000);
        LOG.infof("API requests per replica per simulated minute: 10 jobs: leader %d, follower %d; 1000 jobs: leader %d, follower %d",
                small[0], small[1], large[0], large[1]);
        assertTrue(Math.abs(large[0] - small[0]) <= 3, "leader: " + small[0] + " vs " + large[0]);
        assertTrue(Math.abs(large[1] - small[1]) <= 3, "follower: " + small[1] + " vs " + large[1]);
    }

    private int[] requestsPerMinute(int jobs) throws Exception {
        try (KubernetesClient admin = api.client("test-admin")) {
            admin.configMaps().inNamespace("test").withName("chaos").delete();
            admin.leases().inNamespace("test").withName("leasecron").delete();
        }
        fired.clear();
        createJobs(jobs, 0, "@every 1s");
        List<Node> nodes = List.of(new Node("pod-a-" + jobs, Duration.ZERO), new Node("pod-b-" + jobs, Duration.ZERO));
        run(nodes, Duration.ofSeconds(10));
        Node leader = leader(nodes);
        Node follower = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
        int l0 = leader.requests.get();
        int f0 = follower.requests.get();
        run(nodes, Duration.ofMinutes(1));
        assertTrue(fired.size() >= 60 * jobs, "fired " + fired.size());
        int[] counts = {leader.requests.get() - l0, follower.requests.get() - f0};
        for (Node n : nodes) {
            n.alive = false;
            n.replica.close();
        }
        return counts;
    }

    /**
     * Jobs follow their ConfigMap on every replica: add, edit, a broken edit (the last valid version keeps running,
     * the error is on the job and in exactly one Kubernetes Event, from the leader), delete. Each change reaches every
     * replica within a second, measured from just before the API call to the moment the last replica shows it.
     */
    @Test
    void config_map_edits_reach_every_replica_and_a_broken_edit_makes_exactly_one_event() throws Exception {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i, Duration.ZERO));
        }
        run(nodes, Duration.ofSeconds(2));
        JobId id = new JobId("team", "report");
        try (KubernetesClient admin = api.client("test-admin")) {
            var cms = admin.configMaps().inNamespace("test");
            Map<String, Duration> took = new LinkedHashMap<>();
            took.put("add", propagation(nodes, () -> cms.resource(jobs("team", Map.of("report",
                    "schedule: \"@every 1m\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).create(),
                    r -> r.catalogue().entry(id).flatMap(e -> e.active()).map(s -> s.scheduleText().equals("@every 1m")).orElse(false)
                            && r.engine().status(id).flatMap(st -> st.next()).isPresent(),
                    "the new job on every replica"));

            took.put("edit", propagation(nodes, () -> cms.resource(jobs("team", Map.of("report",
                    "schedule: \"@every 5m\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).update(),
                    r -> r.catalogue().entry(id).flatMap(e -> e.active()).map(s -> s.scheduleText().equals("@every 5m")).orElse(false),
                    "the edit on every replica"));

            took.put("broken edit", propagation(nodes, () -> cms.resource(jobs("team", Map.of("report",
                    "schedule: \"61 * * * *\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).update(),
                    r -> r.catalogue().entry(id).map(e -> !e.valid()).orElse(false), "the broken edit on every replica"));
            for (Node n : nodes) {
                var e = n.replica.catalogue().entry(id).orElseThrow();
                assertEquals("@every 5m", e.active().orElseThrow().scheduleText(), "the last valid version keeps running");
                assertEquals(java.util.Optional.of("team/report: schedule \"61 * * * *\": minute 61 is out of range 0-59"), e.error());
                n.replica.events().orElseThrow().flush(5000);
            }
            run(nodes, Duration.ofSeconds(2));
            nodes.forEach(n -> n.replica.events().orElseThrow().flush(5000));
            var events = admin.v1().events().inNamespace("test").list().getItems().stream()
                    .filter(ev -> ev.getReason().equals("InvalidJobSpec")).toList();
            assertEquals(1, events.size(), "one Event for one broken edit, from the leader only");
            assertEquals("team", events.get(0).getInvolvedObject().getName());
            assertEquals("ConfigMap", events.get(0).getInvolvedObject().getKind());
            assertEquals("team/report: schedule \"61 * * * *\": minute 61 is out of range 0-59 (the last valid version keeps running:"
                    + " every 5 minutes, aligned to the Unix epoch)", events.get(0).getMessage());
            String leader = leader(nodes).identity;
            assertEquals(leader, events.get(0).getReportingInstance());

            // A new leader reports what is broken again; the API server refuses the duplicate.
            Node old = leader(nodes);
            old.replica.shutdown(Duration.ofSeconds(1));
            old.alive = false;
            run(nodes, Duration.ofSeconds(3));
            nodes.forEach(n -> n.replica.events().orElseThrow().flush(5000));
            assertEquals(1, admin.v1().events().inNamespace("test").list().getItems().stream()
                    .filter(ev -> ev.getReason().equals("InvalidJobSpec")).count());

            took.put("delete", propagation(nodes.stream().filter(n -> n.alive).toList(), () -> cms.withName("team").delete(),
                    r -> r.catalogue().entry(id).isEmpty() && r.engine().status(id).isEmpty(), "the job gone from every replica"));
            LOG.infof("ConfigMap changes on every replica after: %s", took.entrySet().stream()
                    .map(t -> t.getKey() + " " + t.getValue().toMillis() + " ms").collect(Collectors.joining(", ")));
            took.forEach((change, d) -> assertTrue(d.compareTo(Duration.ofSeconds(1)) <= 0, change + " took " + d.toMillis() + " ms"));
        }
    }

    /**
     * Makes a change through the API and measures how long it takes until every replica shows it: from just before
     * the call to the moment the last one does (observed every few milliseconds). The wait may be longer than what
     * is measured; the test asserts on the measurement.
     */
    static Duration propagation(List<Node> nodes, Runnable change, Predicate<Replica> applied, String what) {
        Map<Node, Long> seenAt = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        change.run();
        Await.until(() -> {
            for (Node n : nodes) {
                if (!seenAt.containsKey(n) && applied.test(n.replica)) {
                    seenAt.put(n, System.nanoTime());
                }
            }
            return seenAt.size() == nodes.size();
        }, what);
        return Duration.ofNanos(seenAt.values().stream().mapToLong(t -> t - start).max().orElseThrow());
    }

    static void awaitOnAll(List<Node> nodes, Predicate<Replica> condition, String what) {
        Await.until(() -> nodes.stream().allMatch(n -> condition.test(n.replica)), what);
    }

    static io.fabric8.kubernetes.api.model.ConfigMap jobs(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(data).build();
    }

    /** A one-time job fires once cluster-wide and never again, through a crash, a rolling restart and new replicas. */
    @Test
    void a_one_time_job_fires_once_across_kills_restarts_and_leadership_changes() throws Exception {
        try (KubernetesClient admin = api.client("test-admin")) {
            admin.configMaps().inNamespace("test").resource(jobs("once", Map.of("migrate",
                    "runAt: 2026-12-01T10:00:05Z\nhttp: {url: \"" + target.url("/migrate") + "\"}\n"))).create();
        }
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i + "-0", Duration.ZERO));
        }
        run(nodes, Duration.ofSeconds(8));
        assertEquals(1, fired.size(), "fired at its time");
        for (int round = 0; round < 4; round++) {
            Node leader = leader(nodes);
            nodes.remove(leader);
            if (round % 2 == 0) {
                leader.kill();
            } else {
                leader.replica.shutdown(Duration.ofSeconds(1));
            }
            run(nodes, Duration.ofSeconds(5));
            nodes.add(new Node(next(leader.identity), Duration.ZERO));
            run(nodes, Duration.ofSeconds(5));
        }
        assertEquals(1, fired.size(), "and never again: " + fired);
        assertEquals(Instant.parse("2026-12-01T10:00:05Z"), fired.get(0).slot());
        List<RecordingTarget.Request> arrived = delivered();
        assertEquals(1, arrived.size(), "one request at the target: " + arrived);
        assertEquals(Fire.idempotencyKey("once/migrate", Instant.parse("2026-12-01T10:00:05Z")), arrived.get(0).header("Idempotency-Key"));
    }

    /**
     * After a full outage, the first replica back must apply catch-up to the jobs of the ConfigMaps, so it must not
     * take the Lease before its informer's first list has reached the engine (the list is held here until the
     * replica has had every chance to campaign).
     */
    @Test
    void the_first_replica_after_a_full_outage_leads_only_once_its_jobs_are_loaded_and_catches_up_the_outage() throws Exception {
        createJobs(10, 0);
        Node first = new Node("pod-a", Duration.ZERO);
        run(List.of(first), Duration.ofSeconds(5));
        first.replica.shutdown(Duration.ofSeconds(1));
        first.alive = false;
        Instant outage = now;
        now = now.plusSeconds(15); // nobody runs
        Node late = new Node("pod-b", Duration.ZERO, new CountDownLatch(1));
        run(List.of(late), Duration.ofSeconds(1));
        boolean ledBeforeLoaded = late.replica.elector().orElseThrow().isLeader();
        late.releaseLists();
        run(List.of(late), Duration.ofSeconds(3));
        Report r = report(T0, now.minusSeconds(1), Set.of());
        LOG.infof("after an outage from %s to %s: %s", outage, outage.plusSeconds(15), r);
        assertEquals(List.of(), r.lostAtMostOnce, "slots of the outage lost");
        assertEquals(false, ledBeforeLoaded, "took the Lease before its jobs were loaded");
        assertEquals(List.of(), r.doubledAtMostOnce);
    }

    /**
     * A one-time job whose {@code runAt} had passed when it appeared, under {@code catchUp: Latest}: it fires at once,
     * and never again — not when its spec is pushed again, nor when its ConfigMap is deleted and created again on the
     * same leader (the engine's record of what it fired), nor after a handover or a crash (the Lease's
     * dispatched-through record, which the next leader starts after).
     */
    @Test
    void a_one_time_job_already_past_fires_once_through_re_registration_handovers_and_crashes() throws Exception {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            nodes.add(new Node("pod-" + i + "-0", Duration.ZERO));
        }
        run(nodes, Duration.ofSeconds(4));
        JobId id = JobId.parse("once/migrate");
        String spec = "runAt: 2026-12-01T09:00:00Z\ncatchUp: Latest\nhttp: {url: \"http://127.0.0.1:9/migrate\"}\n";
        try (KubernetesClient admin = api.client("test-admin")) {
            var cms = admin.configMaps().inNamespace("test");
            cms.resource(jobs("once", Map.of("migrate", spec))).create();
            awaitOnAll(nodes, r -> r.engine().status(id).isPresent(), "the job on every replica");
            run(nodes, Duration.ofSeconds(2));
            assertEquals(List.of(Instant.parse("2026-12-01T09:00:00Z")), fired.stream().map(Fired::slot).toList(),
                    "an hour late when it appeared: catchUp Latest fires it");

            String respelled = "runAt: 2026-12-01T10:00:00+01:00\ntimeZone: Europe/Berlin\ncatchUp: Latest\n"
                    + "http: {url: \"http://127.0.0.1:9/migrate\"}\n";
            cms.withName("once").edit(cm -> new ConfigMapBuilder(cm).addToData("migrate", respelled).build());
            awaitOnAll(nodes, r -> r.catalogue().entry(id).map(e -> e.text().equals(respelled)).orElse(false), "the edit");
            run(nodes, Duration.ofSeconds(2));
            cms.withName("once").delete();
            awaitOnAll(nodes, r -> r.engine().status(id).isEmpty(), "the job deleted everywhere");
            cms.resource(jobs("once", Map.of("migrate", spec))).create();
            awaitOnAll(nodes, r -> r.engine().status(id).isPresent(), "the job created again everywhere");
            run(nodes, Duration.ofSeconds(2));
            assertEquals(1, fired.size(), "pushed again and re-created on the same leader: " + fired);
        }
        for (int round = 0; round < 2; round++) {
            Node leader = leader(nodes);
            nodes.remove(leader);
            if (round == 0) {
                leader.replica.shutdown(Duration.ofSeconds(1));
            } else {
                leader.alive = false;
                leader.replica.close();
                leader.proxy.cut();
            }
            run(nodes, Duration.ofSeconds(5));
            nodes.add(new Node(next(leader.identity), Duration.ZERO));
            run(nodes, Duration.ofSeconds(5));
        }
        assertEquals(1, fired.size(), "and not after a handover or a crash: " + fired);
        assertEquals(List.of("pod-0-0#1", "pod-1-0#2", "pod-0-1#3"), List.copyOf(leadershipStarts.keySet()));
    }

    private String next(String identity) {
        restarts++;
        return identity.substring(0, identity.lastIndexOf('-')) + "-" + restarts;
    }

    record Report(int slots, int fires, int uncertain, int repeatedAtLeastOnce, List<String> doubledAtMostOnce,
            List<String> lostAtMostOnce, List<String> lostAtLeastOnce, boolean sameKeyOnRepeats, Map<String, Long> firesByReplica) {
    }

    /** Every request the engines' fires sent, once all of them have arrived at the target. */
    List<RecordingTarget.Request> delivered() {
        Await.until(() -> {
            delivered.addAll(target.drained());
            return delivered.size() >= fired.size();
        }, "every fire an engine started arrived at the recording target (" + fired.size() + ")");
        delivered.addAll(target.drained());
        return delivered;
    }

    /** The requests that arrived for one slot ("job@slot"), by the job and scheduled time they name. */
    List<RecordingTarget.Request> deliveredFor(String jobAtSlot) {
        String job = jobAtSlot.substring(0, jobAtSlot.indexOf('@'));
        String slot = HttpActionRunner.SCHEDULED_TIME.format(Instant.parse(jobAtSlot.substring(jobAtSlot.indexOf('@') + 1)));
        return delivered().stream().filter(r -> job.equals(r.header("Leasecron-Job")) && slot.equals(r.header("Leasecron-Scheduled-Time")))
                .toList();
    }

    /**
     * Expected: every whole second of (from, through] for each of the ten jobs, counted at the recording target by
     * {@code Idempotency-Key}.
     */
    Report report(Instant from, Instant through, Set<String> atLeastOnce) {
        List<RecordingTarget.Request> requests = delivered();
        Map<String, List<RecordingTarget.Request>> byKey = requests.stream().collect(Collectors.groupingBy(r -> r.header("Idempotency-Key")));
        // The same slot never arrives under two keys.
        boolean sameKey = requests.stream().collect(Collectors.groupingBy(r -> r.header("Leasecron-Job") + "@" + r.header("Leasecron-Scheduled-Time"),
                Collectors.mapping(r -> r.header("Idempotency-Key"), Collectors.toSet()))).values().stream().allMatch(keys -> keys.size() == 1);
        List<String> doubled = new ArrayList<>();
        List<String> lostAtMost = new ArrayList<>();
        List<String> lostAtLeast = new ArrayList<>();
        int repeated = 0;
        int slots = 0;
        for (int j = 0; j < 10; j++) {
            String job = "chaos/tick-" + j;
            for (Instant s = from.plusSeconds(1); !s.isAfter(through); s = s.plusSeconds(1)) {
                slots++;
                List<RecordingTarget.Request> f = byKey.getOrDefault(Fire.idempotencyKey(job, s), List.of());
                boolean wasUncertain = uncertain.getOrDefault(job, Set.of()).contains(s);
                if (atLeastOnce.contains(job)) {
                    repeated += Math.max(0, f.size() - 1);
                    if (f.isEmpty()) {
                        lostAtLeast.add(job + "@" + s);
                    }
                } else {
                    if (f.size() > 1) {
                        doubled.add(job + "@" + s + " by " + f.stream().map(x -> x.header("Leasecron-Replica") + "/term "
                                + x.header("Leasecron-Term")).toList());
                    }
                    if (f.isEmpty() && !wasUncertain) {
                        lostAtMost.add(job + "@" + s);
                    }
                }
            }
        }
        Map<String, Long> byReplica = requests.stream().collect(Collectors.groupingBy(r -> r.header("Leasecron-Replica"), TreeMap::new,
                Collectors.counting()));
        int uncertainCount = uncertain.values().stream().mapToInt(Set::size).sum();
        return new Report(slots, requests.size(), uncertainCount, repeated, doubled, lostAtMost, lostAtLeast, sameKey, byReplica);
    }
}
