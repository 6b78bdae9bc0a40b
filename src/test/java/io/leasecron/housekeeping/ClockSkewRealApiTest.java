package io.leasecron.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.Replica;
import io.leasecron.engine.Clock;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.SystemClock;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobSpecParser;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.RealControlPlane;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas against a real kube-apiserver, each with a ServiceAccount token and the documented Role: one's wall
 * clock 5 s ahead (an injected clock: the system's plus 5 s, as libfaketime gives the chaos suite's replicas; nothing
 * sleeps), one's on time. The skewed one's gauge says +5 s, within the Date header's resolution, and it reports one
 * {@code ClockSkew} Event on its Pod, however often it checks; the other reports nothing.
 */
class ClockSkewRealApiTest {
    static final Duration SKEW = Duration.ofSeconds(5);
    final Closer toClose = new Closer();

    @AfterEach
    void close() {
        toClose.close();
    }

    /** The system's clock, shifted: what a replica whose NTP is off by {@code skew} reads. */
    record SkewedClock(Duration skew) implements Clock {
        @Override
        public Instant now() {
            return SystemClock.INSTANCE.now().plus(skew);
        }

        @Override
        public long nanoTime() {
            return SystemClock.INSTANCE.nanoTime();
        }
    }

    record Started(Replica replica, PrometheusMeterRegistry registry, String podUid) {
        double offset() {
            return registry.get("leasecron.clock.offset.seconds").gauge().value();
        }
    }

    Started replica(RealControlPlane cp, String ns, String pod, Clock clock) throws Exception {
        Pod p = cp.admin().pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(pod).endMetadata().withNewSpec()
                .addNewContainer().withName("leasecron").withImage("leasecron").endContainer().endSpec().build()).create();
        KubernetesClient client = cp.serviceAccountClient(ns, "leasecron", "leasecron/" + pod);
        toClose.add(client);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var parts = new Replica.Parts(pod, clock, EngineSettings.DEFAULTS, 20, registry,
                (s, c, n) -> fire -> CompletableFuture.completedFuture(new RunResult.Succeeded("not run")), Runnable::run,
                JobSpecParser.Options.DEFAULT);
        var lease = new LeaseSettings(ns, "leasecron", pod, Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500),
                Duration.ZERO);
        var chores = new Housekeeping.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofMinutes(3),
                Duration.ofMinutes(10), Optional.of(p.getMetadata().getUid()));
        Replica replica = Replica.kubernetes(parts, client, lease, io.leasecron.job.WatchedNamespaces.own(ns), chores, Optional.empty());
        toClose.add(replica);
        replica.start(false);
        Await.until(replica::jobsLoaded, pod + " loaded its jobs");
        return new Started(replica, registry, p.getMetadata().getUid());
    }

    @Test
    void a_replica_5s_ahead_raises_the_gauge_and_one_event_on_its_pod() throws Exception {
        RealControlPlane cp = RealControlPlane.shared();
        String ns = cp.createNamespace("clock-skew");
        cp.applyRbac(ns);
        Started ahead = replica(cp, ns, "pod-a", new SkewedClock(SKEW));
        Started onTime = replica(cp, ns, "pod-b", SystemClock.INSTANCE);

        ClockCheck.Sample a = ahead.replica().housekeeping().orElseThrow().checkClock().orElseThrow();
        ClockCheck.Sample b = onTime.replica().housekeeping().orElseThrow().checkClock().orElseThrow();

        // The Date header has whole seconds: each sample is good to ±(0.5 s + half its round trip).
        double tolerance = 0.5 + a.roundTrip().toNanos() / 2e9 + 0.01;
        assertTrue(Math.abs(ahead.offset() - 5.0) <= tolerance, "offset " + ahead.offset() + " ±" + tolerance);
        assertTrue(a.beyond(Duration.ofSeconds(2)), "5 s ahead is beyond the 2 s bound whatever the truncation: " + a);
        assertTrue(Math.abs(onTime.offset()) <= 0.5 + b.roundTrip().toNanos() / 2e9 + 0.01, "on time: " + onTime.offset());
        assertFalse(b.beyond(Duration.ofSeconds(2)));
        assertTrue(ahead.registry().scrape().contains("\nleasecron_clock_offset_seconds " + ahead.offset() + "\n"),
                "exported as leasecron_clock_offset_seconds");

        // Checked again: still one Event (one per excursion, not one per check).
        ahead.replica().housekeeping().orElseThrow().checkClock().orElseThrow();
        Await.until(() -> !events(cp, ns).isEmpty(), "the ClockSkew Event was created");
        List<Event> events = events(cp, ns);
        assertEquals(1, events.size(), "one Event: " + events);
        Event e = events.get(0);
        assertEquals("ClockSkew", e.getReason());
        assertEquals("Warning", e.getType());
        assertEquals("Pod", e.getInvolvedObject().getKind());
        assertEquals("pod-a", e.getInvolvedObject().getName());
        assertEquals(ahead.podUid(), e.getInvolvedObject().getUid());
        assertEquals("pod-a", e.getReportingInstance());
        assertTrue(e.getMessage().startsWith("this replica's clock is +") && e.getMessage().contains("it fires slots early"),
                e.getMessage());
        // What an operator sees: kubectl describe pod lists Events by the Pod's uid.
        String described = cp.kubectl(null, "describe", "pod", "pod-a", "-n", ns);
        assertTrue(described.contains("ClockSkew"), described);
        assertFalse(cp.kubectl(null, "describe", "pod", "pod-b", "-n", ns).contains("ClockSkew"));
    }

    static List<Event> events(RealControlPlane cp, String ns) {
        return cp.admin().v1().events().inNamespace(ns).list().getItems().stream().filter(e -> "ClockSkew".equals(e.getReason())).toList();
    }
}
