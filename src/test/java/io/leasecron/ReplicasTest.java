package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.RecordingTarget;
import io.leasecron.testing.TcpProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three whole replicas in one JVM, each with its own API client (through its own TCP proxy, so it can be cut off)
 * and its own clock (skewed by up to ±3 s), sharing one API server, with every leadership change the product has to
 * survive forced on it: kills without release, pauses longer than the lease, cut connections, rolling restarts.
 * Time is simulated: a global clock advances in steps and every live replica takes one turn per step. Every fire
 * is recorded with its {@code Idempotency-Key}; the assertions are on those records.
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
    final List<Fired> fired = new CopyOnWriteArrayList<>();
    final Map<String, Set<Instant>> uncertain = new ConcurrentHashMap<>();
    final Map<String, Long> leadershipStarts = new LinkedHashMap<>();
    Instant now = T0;
    int restarts;
    RecordingTarget holder;

    @AfterEach
    void close() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing", e);
            }
        }
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
        final Replica replica;
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
            var parts = new Replica.Parts(identity, clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(), (s, c, n) -> fire -> {
                fired.add(new Fired(fire.spec().id(), fire.slot(), fire.idempotencyKey(), fire.replica(), fire.term(), ReplicasTest.this.now));
                return CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
            }, Runnable::run, io.leasecron.job.JobSpecParser.Options.DEFAULT);
            this.replica = Replica.kubernetes(parts, client, new LeaseSettings("test", "leasecron", identity, TIMINGS.lease(),
                    TIMINGS.renewDeadline(), TIMINGS.retry(), Duration.ZERO));
            replica.engine().addListener(e -> {
                if (e instanceof ExecutionEvent.UncertainExecution u) {
                    uncertain.computeIfAbsent(u.job().toString(), k -> ConcurrentHashMap.newKeySet()).add(u.slot());
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
                    + "http: {url: \"http://127.0.0.1:9/tick-" + i + "\"}\n");
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
        Duration[] skews = {Duration.ofSeconds(-3), Duration.ZERO, Duration.ofSeconds(3)};
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(new Node("pod-" + i + "-0", skews[i]));
        }
        Random random = new Random(20261201);
        run(nodes, Duration.ofSeconds(10));
        List<String> chaos = new ArrayList<>();
        int changes = 0;
        for (int round = 0; round < 24; round++) {
            Node leader = leader(nodes);
            if (leader == null) {
                run(nodes, Duration.ofSeconds(2));
                continue;
            }
            switch (round % 4) {
                case 0 -> { // SIGKILL: nothing is released, the process is gone
                    chaos.add("kill " + leader.identity);
                    leader.alive = false;
                    leader.replica.close();
                    leader.proxy.cut();
                    run(nodes, Duration.ofSeconds(2 + random.nextInt(4)));
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                }
                case 1 -> { // a GC pause longer than the lease
                    chaos.add("pause " + leader.identity);
                    leader.pausedUntil = now.plus(TIMINGS.lease().plusSeconds(2 + random.nextInt(4)));
                }
                case 2 -> { // partition: the leader's connections are cut for 10 s
                    chaos.add("cut " + leader.identity);
                    leader.proxy.cut();
                    run(nodes, Duration.ofSeconds(10));
                    leader.proxy.restore();
                }
                default -> { // rolling restart: SIGTERM, release, start again
                    chaos.add("restart " + leader.identity);
                    leader.replica.shutdown(Duration.ofSeconds(1));
                    leader.alive = false;
                    nodes.remove(leader);
                    nodes.add(new Node(next(leader.identity), leader.skew));
                }
            }
            run(nodes, Duration.ofSeconds(8 + random.nextInt(6)));
            changes++;
        }
        Instant lastChaos = now;
        run(nodes, Duration.ofSeconds(20)); // quiet: catch-up completes
        Report r = report(T0, lastChaos, Set.of("chaos/tick-7", "chaos/tick-8", "chaos/tick-9"));
        LOG.infof("replicas: %s; %d leadership terms; %s", chaos, leadershipStarts.size(), r);
        assertTrue(changes >= 20 && leadershipStarts.size() >= 10, "leadership changed " + leadershipStarts.size() + " times");
        assertTrue(r.slots >= 1000, "slots " + r.slots);
        assertEquals(List.of(), r.doubledAtMostOnce, "AtMostOnce slots executed twice");
        assertEquals(List.of(), r.lostAtMostOnce, "AtMostOnce slots lost without being reported uncertain");
        assertEquals(List.of(), r.lostAtLeastOnce, "AtLeastOnce slots lost");
        assertTrue(r.uncertain <= 10, "uncertain slots are rare: " + r.uncertain);
        assertTrue(r.sameKeyOnRepeats, "a repeated slot carries the same Idempotency-Key");
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
                leader.alive = false;
                leader.replica.close();
                leader.proxy.cut();
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
     * the error is on the job and in exactly one Kubernetes Event, from the leader), delete.
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
            cms.resource(jobs("team", Map.of("report", "schedule: \"@every 1m\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).create();
            awaitOnAll(nodes, r -> r.catalogue().entry(id).flatMap(e -> e.active()).map(s -> s.scheduleText().equals("@every 1m")).orElse(false),
                    "the new job on every replica");
            nodes.forEach(n -> assertTrue(n.replica.engine().status(id).orElseThrow().next().isPresent()));

            cms.resource(jobs("team", Map.of("report", "schedule: \"@every 5m\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).update();
            awaitOnAll(nodes, r -> r.catalogue().entry(id).flatMap(e -> e.active()).map(s -> s.scheduleText().equals("@every 5m")).orElse(false),
                    "the edit on every replica");

            cms.resource(jobs("team", Map.of("report", "schedule: \"61 * * * *\"\nhttp: {url: \"http://127.0.0.1:9/a\"}\n"))).update();
            awaitOnAll(nodes, r -> r.catalogue().entry(id).map(e -> !e.valid()).orElse(false), "the broken edit on every replica");
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
            assertEquals("team/report: schedule \"61 * * * *\": minute 61 is out of range 0-59 (the last valid version keeps running)",
                    events.get(0).getMessage());
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

            cms.withName("team").delete();
            awaitOnAll(nodes.stream().filter(n -> n.alive).toList(), r -> r.catalogue().entry(id).isEmpty()
                    && r.engine().status(id).isEmpty(), "the job gone from every replica");
        }
    }

    static io.fabric8.kubernetes.api.model.ConfigMap jobs(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(data).build();
    }

    static void awaitOnAll(List<Node> nodes, java.util.function.Predicate<Replica> condition, String what) {
        Await.until(() -> nodes.stream().allMatch(n -> condition.test(n.replica)), what);
    }

    /** A one-time job fires once cluster-wide and never again, through a crash, a rolling restart and new replicas. */
    @Test
    void a_one_time_job_fires_once_across_kills_restarts_and_leadership_changes() throws Exception {
        try (KubernetesClient admin = api.client("test-admin")) {
            admin.configMaps().inNamespace("test").resource(jobs("once", Map.of("migrate",
                    "runAt: 2026-12-01T10:00:05Z\nhttp: {url: \"http://127.0.0.1:9/migrate\"}\n"))).create();
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
                leader.alive = false;
                leader.replica.close();
                leader.proxy.cut();
            } else {
                leader.replica.shutdown(Duration.ofSeconds(1));
            }
            run(nodes, Duration.ofSeconds(5));
            nodes.add(new Node(next(leader.identity), Duration.ZERO));
            run(nodes, Duration.ofSeconds(5));
        }
        assertEquals(1, fired.size(), "and never again: " + fired);
        assertEquals(Instant.parse("2026-12-01T10:00:05Z"), fired.get(0).slot());
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

    private String next(String identity) {
        restarts++;
        return identity.substring(0, identity.lastIndexOf('-')) + "-" + restarts;
    }

    record Report(int slots, int fires, int uncertain, List<String> doubledAtMostOnce, List<String> lostAtMostOnce,
            List<String> lostAtLeastOnce, boolean sameKeyOnRepeats, Map<String, Long> firesByReplica) {
    }

    /** Expected: every whole second of (from, through] for each of the ten jobs. */
    Report report(Instant from, Instant through, Set<String> atLeastOnce) {
        Map<String, List<Fired>> bySlot = fired.stream().collect(Collectors.groupingBy(f -> f.job() + "@" + f.slot()));
        List<String> doubled = new ArrayList<>();
        List<String> lostAtMost = new ArrayList<>();
        List<String> lostAtLeast = new ArrayList<>();
        boolean sameKey = true;
        int slots = 0;
        int uncertainCount = uncertain.values().stream().mapToInt(Set::size).sum();
        for (int j = 0; j < 10; j++) {
            String job = "chaos/tick-" + j;
            for (Instant s = from.plusSeconds(1); !s.isAfter(through); s = s.plusSeconds(1)) {
                slots++;
                List<Fired> f = bySlot.getOrDefault(job + "@" + s, List.of());
                sameKey &= f.stream().map(Fired::key).distinct().count() <= 1;
                boolean wasUncertain = uncertain.getOrDefault(job, Set.of()).contains(s);
                if (atLeastOnce.contains(job)) {
                    if (f.isEmpty()) {
                        lostAtLeast.add(job + "@" + s);
                    }
                } else {
                    if (f.size() > 1) {
                        doubled.add(job + "@" + s + " by " + f.stream().map(x -> x.replica() + "/term " + x.term()).toList());
                    }
                    if (f.isEmpty() && !wasUncertain) {
                        lostAtMost.add(job + "@" + s);
                    }
                }
            }
        }
        Map<String, Long> byReplica = fired.stream().collect(Collectors.groupingBy(Fired::replica, TreeMap::new, Collectors.counting()));
        return new Report(slots, fired.size(), uncertainCount, doubled, lostAtMost, lostAtLeast, sameKey, byReplica);
    }
}
