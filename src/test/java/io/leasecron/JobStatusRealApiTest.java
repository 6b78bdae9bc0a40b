package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.observe.ClusterStatus;
import io.leasecron.observe.ConfigMapShardStore;
import io.leasecron.observe.JobStatuses.Status;
import io.leasecron.observe.RunHistory.Record;
import io.leasecron.observe.StatusShards;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.RealControlPlane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Job status against a real kube-apiserver, with the documented Role: a run on the leader reads the same on a
 * follower, the status outlives both replicas, and K fires in one flush interval cost one ConfigMap write.
 * Replicas are driven by hand with fake clocks; the only waits are for the informers.
 */
class JobStatusRealApiTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final JobId TICK = JobId.parse("team/tick");

    RealControlPlane cp;
    final Closer toClose = new Closer();

    @BeforeEach
    void controlPlane() {
        cp = RealControlPlane.shared();
    }

    @AfterEach
    void close() {
        toClose.close();
    }

    /** A replica with its own fake clock, a service-account client that counts its ConfigMap writes, fires succeed. */
    final class Node {
        final FakeClock clock;
        final AtomicInteger configMapWrites = new AtomicInteger();
        final Replica replica;

        Node(String ns, String identity, Instant start) throws Exception {
            clock = new FakeClock(start);
            KubernetesClient client = toClose.add(cp.client(cp.apiUrl(), cp.token(ns, "leasecron"), ns, "leasecron/" + identity,
                    new Interceptor() {
                        @Override
                        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            boolean write = request.method().equals("POST") || request.method().equals("PUT");
                            if (write && request.uri().getPath().contains("/configmaps")) {
                                configMapWrites.incrementAndGet();
                            }
                        }
                    }));
            var parts = new Replica.Parts(identity, clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(),
                    (s, c, n) -> fire -> CompletableFuture.completedFuture(new RunResult.Succeeded("HTTP 200")), Runnable::run,
                    io.leasecron.job.JobSpecParser.Options.DEFAULT);
            replica = toClose.add(Replica.kubernetes(parts, client, new LeaseSettings(ns, "leasecron", identity, Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ZERO)));
            replica.start(false);
            Await.until(replica::jobsLoaded, identity + " loaded its jobs", Duration.ofSeconds(20));
            Await.until(() -> status().synced(), identity + " listed the status ConfigMaps", Duration.ofSeconds(20));
        }

        ClusterStatus status() {
            return replica.clusterStatus().orElseThrow();
        }

        void run(Duration d) {
            Instant until = clock.now().plus(d);
            while (clock.now().isBefore(until)) {
                clock.advance(Duration.ofMillis(100));
                replica.step();
            }
        }
    }

    static Record ok(int second, String replica, long term) {
        return new Record(T0.plusSeconds(second), "succeeded", replica, term, 1, Duration.ZERO, "HTTP 200", false);
    }

    @Test
    void a_run_on_the_leader_reads_the_same_on_a_follower_and_outlives_both_replicas() throws Exception {
        String ns = cp.createNamespace("job-status");
        cp.applyRbac(ns);
        cp.admin().configMaps().inNamespace(ns).resource(RealApiServerTest.jobs("team", Map.of(
                "tick", RealApiServerTest.every("@every 1s", "http://127.0.0.1:9/tick")))).create();

        Node a = new Node(ns, "pod-a", T0);
        Node b = new Node(ns, "pod-b", T0);
        a.run(Duration.ofMillis(5500));
        assertTrue(a.replica.elector().orElseThrow().isLeader(), "pod-a leads");
        List<Record> five = List.of(ok(5, "pod-a", 1), ok(4, "pod-a", 1), ok(3, "pod-a", 1), ok(2, "pod-a", 1), ok(1, "pod-a", 1));
        assertEquals(five, a.replica.statuses().status(TICK).runs(), "the leader shows its runs before any write");
        assertEquals(0, a.configMapWrites.get(), "and fired them without writing");

        // Five fires in one flush interval: one write, of the job's one shard.
        assertEquals(1, a.status().flush());
        assertEquals(1, a.configMapWrites.get());
        String shard = "leasecron-status-" + new StatusShards(16, 20, StatusShards.DEFAULT_BUDGET).shardOf(TICK);
        ConfigMap stored = cp.admin().configMaps().inNamespace(ns).withName(shard).get();
        assertEquals("true", stored.getMetadata().getLabels().get(ConfigMapShardStore.LABEL));
        assertEquals(List.of(StatusShards.key(TICK)), List.copyOf(stored.getData().keySet()));

        Status expected = new Status(T0.plusSeconds(5), T0.plusSeconds(5), five);
        assertEquals(expected, a.replica.statuses().status(TICK));
        Await.until(() -> b.replica.statuses().status(TICK).equals(expected), "the follower saw the write through its watch",
                Duration.ofSeconds(20));
        assertEquals("succeeded", b.replica.statuses().status(TICK).lastOutcome());
        assertEquals(0, b.status().flush(), "the follower has nothing to write");
        assertEquals(0, b.configMapWrites.get());

        // A rollout: both replicas replaced. The new ones read the stored status before either leads.
        a.replica.shutdown(Duration.ofSeconds(1));
        b.replica.shutdown(Duration.ofSeconds(1));
        Node c = new Node(ns, "pod-c", a.clock.now());
        Node d = new Node(ns, "pod-d", a.clock.now());
        assertEquals(expected, c.replica.statuses().status(TICK), "listed at startup: the status survived the rollout");
        assertEquals(expected, d.replica.statuses().status(TICK));

        // The new leader adds to it; the follower reads old and new runs alike.
        c.run(Duration.ofMillis(1000));
        assertTrue(c.replica.elector().orElseThrow().isLeader(), "pod-c took the released Lease");
        assertEquals(1, c.status().flush());
        Status after = c.replica.statuses().status(TICK);
        assertEquals(T0.plusSeconds(6), after.lastScheduleTime());
        assertEquals(ok(6, "pod-c", 2), after.runs().get(0));
        assertEquals(five, after.runs().subList(1, 6), "the stored runs are kept under the new one");
        Await.until(() -> d.replica.statuses().status(TICK).equals(after), "the follower saw the new leader's write",
                Duration.ofSeconds(20));
    }
}
