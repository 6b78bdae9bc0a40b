package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.control.KubernetesControlStore;
import io.leasecron.control.RunRecord;
import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.RealControlPlane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Manual runs and pauses against the real kube-apiserver, each replica with a service-account token and the
 * documented Role (k8s/rbac.yaml): a run asked of a follower runs once on the leader, also when leadership moves
 * right after the request or right after the leader claimed the run's slot; a pause holds through a rolling restart.
 * Replicas step on their own fake clocks; only the API server's watches and writes take real time.
 */
class ManualRunsRealApiTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Duration STEP = Duration.ofMillis(100);

    RealControlPlane cp;
    String ns;
    final Closer toClose = new Closer();
    /** Every fire of every replica: "job@slot by replica/term". */
    final List<String> fired = new CopyOnWriteArrayList<>();

    @BeforeEach
    void controlPlane() {
        cp = RealControlPlane.shared();
        ns = cp.createNamespace("manual-runs");
        cp.applyRbac(ns);
        cp.admin().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("team")
                .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(Map.of(
                        "yearly", "schedule: \"0 0 1 1 *\"\nhttp: {url: \"http://127.0.0.1:9/yearly\"}\n",
                        "yearly-again", "schedule: \"0 0 1 1 *\"\ndelivery: AtLeastOnce\nhttp: {url: \"http://127.0.0.1:9/again\"}\n",
                        "tick", "schedule: \"@every 1s\"\nhttp: {url: \"http://127.0.0.1:9/tick\"}\n")).build()).create();
    }

    @AfterEach
    void close() {
        toClose.close();
    }

    /** A whole replica with its own clock and service-account client; fires are recorded, not sent. */
    final class Node {
        final String identity;
        final FakeClock clock;
        final Replica replica;

        Node(String identity, Instant start) throws Exception {
            this.identity = identity;
            clock = new FakeClock(start);
            KubernetesClient client = toClose.add(cp.serviceAccountClient(ns, "leasecron", "leasecron/" + identity));
            var parts = new Replica.Parts(identity, clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(), (s, c, n) -> fire -> {
                fired.add(fire.spec().id() + "@" + fire.slot() + " by " + fire.replica() + "/" + fire.term());
                return CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
            }, Runnable::run, io.leasecron.job.JobSpecParser.Options.DEFAULT);
            replica = toClose.add(Replica.kubernetes(parts, client, new LeaseSettings(ns, "leasecron", identity, Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ZERO)));
            replica.start(false);
            await(replica::jobsLoaded, identity + " loaded its jobs and the control ConfigMaps");
        }

        void run(Duration d) {
            Instant until = clock.now().plus(d);
            while (clock.now().isBefore(until)) {
                clock.advance(STEP);
                replica.step();
            }
        }

        boolean leads() {
            return replica.elector().orElseThrow().isLeader();
        }

        /** This replica's copy of the run has caught up with what the API server has. */
        void sees(RunRecord r) {
            await(() -> replica.control().runs().stream().anyMatch(x -> x.name().equals(r.name())), identity + " sees " + r.name());
        }
    }

    static void await(BooleanSupplier condition, String what) {
        Await.until(condition, what, Duration.ofSeconds(20));
    }

    /** Both replicas take turns on one timeline, for {@code d}. */
    static void run(Duration d, Node... nodes) {
        for (Duration t = Duration.ZERO; t.compareTo(d) < 0; t = t.plus(STEP)) {
            for (Node n : nodes) {
                n.run(STEP);
            }
        }
    }

    /** pod-a, leading for two seconds. */
    Node leader() throws Exception {
        Node a = new Node("pod-a", T0);
        a.run(Duration.ofSeconds(2));
        assertTrue(a.leads());
        return a;
    }

    /** pod-b, started beside {@code leader}; both take turns for a second. */
    Node follower(Node leader) throws Exception {
        Node b = new Node("pod-b", leader.clock.now());
        run(Duration.ofSeconds(1), leader, b);
        return b;
    }

    RunRecord stored(String name) {
        return new KubernetesControlStore(cp.admin(), ns, "leasecron").readRun(name).orElseThrow();
    }

    List<String> firesOf(String job) {
        return fired.stream().filter(f -> f.startsWith(job + "@")).toList();
    }

    @Test
    void a_run_asked_of_a_follower_runs_once_on_the_leader() throws Exception {
        Node a = leader();
        Node b = follower(a);
        assertTrue(a.leads());

        RunRecord asked = b.replica.manualRuns().request(new JobId("team", "yearly"), Optional.empty(), "jane");
        assertEquals("pending", stored(asked.name()).state(), "stored before the answer");
        assertEquals("pending", a.replica.manualRuns().read(asked.name()).orElseThrow().state(), "reads back at once on the other replica");
        a.sees(asked);
        run(Duration.ofSeconds(1), a, b);
        await(() -> stored(asked.name()).finished(), "the run ended");

        RunRecord done = stored(asked.name());
        assertEquals("succeeded", done.outcome());
        assertEquals("jane", done.requestedBy());
        assertEquals("pod-a", done.replica());
        assertEquals(List.of("team/yearly@" + done.slot() + " by pod-a/1"), firesOf("team/yearly"));
    }

    @Test
    void a_run_asked_just_before_its_leader_hands_over_runs_once_on_the_next() throws Exception {
        Node a = leader();
        Node b = follower(a);

        RunRecord asked = b.replica.manualRuns().request(new JobId("team", "yearly"), Optional.empty(), "jane");
        a.replica.shutdown(Duration.ofSeconds(1)); // a rolling restart, before the leader took the run in
        b.sees(asked);
        b.run(Duration.ofSeconds(2));
        assertTrue(b.leads());
        await(() -> stored(asked.name()).finished(), "the run ended");

        RunRecord done = stored(asked.name());
        assertEquals("succeeded", done.outcome());
        assertEquals(List.of("team/yearly@" + done.slot() + " by pod-b/2"), firesOf("team/yearly"));
    }

    /**
     * The leader takes the run in and claims its slot on the Lease, and dies before starting it: the slot is claimed,
     * so the next leader finds the run uncertain; AtMostOnce does not fire it, AtLeastOnce fires it, once, under the
     * same slot (the same Idempotency-Key).
     */
    @Test
    void a_leader_killed_between_claiming_a_runs_slot_and_starting_it_leaves_it_to_the_delivery_policy() throws Exception {
        Node a = leader();
        Node b = follower(a);

        RunRecord once = a.replica.manualRuns().request(new JobId("team", "yearly"), Optional.empty(), "jane");
        RunRecord again = a.replica.manualRuns().request(new JobId("team", "yearly-again"), Optional.empty(), "jane");
        a.sees(once);
        a.sees(again);
        a.clock.advance(STEP);
        a.replica.manualRuns().reconcile(); // assigned: slot and term written on each run
        a.replica.engine().tick(); // the slots wait for their claim
        a.replica.elector().orElseThrow().step(); // the claim is on the Lease
        Instant claimed = a.replica.elector().orElseThrow().status().claimedUntil();
        a.replica.close(); // SIGKILL: nothing started, nothing released
        assertEquals(stored(again.name()).slot(), claimed, "the claim covers the runs' slots");
        assertEquals(List.of(), firesOf("team/yearly"));
        assertEquals(List.of(), firesOf("team/yearly-again"));

        b.run(Duration.ofSeconds(5));
        assertTrue(b.leads());
        await(() -> stored(once.name()).finished() && stored(again.name()).finished(), "both runs ended");
        RunRecord skipped = stored(once.name());
        assertEquals("skipped", skipped.outcome());
        assertTrue(skipped.detail().startsWith("uncertain: claimed by the previous leader"), skipped.detail());
        assertEquals(List.of(), firesOf("team/yearly"));
        RunRecord refired = stored(again.name());
        assertEquals("succeeded", refired.outcome());
        assertEquals(List.of("team/yearly-again@" + refired.slot() + " by pod-b/2"), firesOf("team/yearly-again"));
    }

    @Test
    void a_pause_holds_through_a_rolling_restart_and_shows_in_kubectl() throws Exception {
        Node a = leader();
        Node b = follower(a);
        JobId tick = new JobId("team", "tick");
        assertTrue(b.replica.pauses().pause(tick, "jane").isPresent());
        assertEquals("jane", a.replica.pauses().read(tick).orElseThrow().by(), "reads back at once on the other replica");
        await(() -> a.replica.pauses().apply(tick) != null, "the leader's copy has the pause");
        run(Duration.ofSeconds(1), a, b);
        int before = firesOf("team/tick").size();

        a.replica.shutdown(Duration.ofSeconds(1));
        Node c = new Node("pod-c", b.clock.now());
        run(Duration.ofSeconds(5), b, c);
        assertTrue(b.leads() || c.leads());
        assertEquals(before, firesOf("team/tick").size(), "no slot of the paused job fired: " + firesOf("team/tick"));
        ConfigMap pauses = cp.admin().configMaps().inNamespace(ns).withName("leasecron-pauses").get();
        assertEquals("pauses", pauses.getMetadata().getLabels().get("leasecron.io/control"));
        assertEquals(1, pauses.getData().size());
        String pause = pauses.getData().get(KubernetesControlStore.pauseKey(tick));
        assertTrue(pause.contains("\"job\":\"team/tick\"") && pause.contains("\"by\":\"jane\""), pause);

        assertTrue(c.replica.pauses().resume(tick));
        Node leader = b.leads() ? b : c;
        await(() -> leader.replica.pauses().apply(tick) == null, "the leader's copy has the resume");
        run(Duration.ofSeconds(3), b, c);
        assertTrue(firesOf("team/tick").size() > before, "fires again after the resume");
    }
}
