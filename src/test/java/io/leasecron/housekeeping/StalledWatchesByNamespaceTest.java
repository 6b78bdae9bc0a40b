package io.leasecron.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.leasecron.observe.WatchActivity;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * With jobs read from several namespaces, each namespace's ConfigMap watch is judged by its own traffic: a stall in
 * one is not hidden by deliveries in another, and only the silent one is restarted. Requests are built, not sent.
 */
class StalledWatchesByNamespaceTest {
    static final Duration BOUND = Duration.ofMinutes(2);

    @Test
    void a_silent_namespace_is_restarted_while_another_namespaces_watch_delivers() throws Exception {
        FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");
        WatchActivity activity = new WatchActivity(clock);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> restarted = new CopyOnWriteArrayList<>();
        StalledWatches watches = new StalledWatches(Optional.of(activity), clock, BOUND, registry);
        watches.watch("configmaps", "team-a", () -> restarted.add("team-a"));
        watches.watch("configmaps", "team-b", () -> restarted.add("team-b"));
        watches.watch("leases", "leasecron", () -> restarted.add("lease"));
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test")) {
            for (String path : List.of("/api/v1/namespaces/team-a/configmaps", "/api/v1/namespaces/team-b/configmaps",
                    "/apis/coordination.k8s.io/v1/namespaces/leasecron/leases")) {
                activity.before(null, watch(client, path), null);
            }
            clock.advance(BOUND.minusSeconds(1));
            activity.before(null, watch(client, "/api/v1/namespaces/team-b/configmaps"), null);
            activity.before(null, watch(client, "/apis/coordination.k8s.io/v1/namespaces/leasecron/leases"), null);
            clock.advance(Duration.ofSeconds(1));
        }

        assertEquals(List.of("team-a/configmaps"), watches.check(), "team-b's traffic does not hide team-a's silence");
        assertEquals(List.of("team-a"), restarted);
        assertEquals(1.0, registry.get("leasecron.watch.stalls").tag("resource", "configmaps").counter().count());
        assertEquals(clock.nanoTime(), activity.last(WatchActivity.key("configmaps", "team-a")).getAsLong());
    }

    private static HttpRequest watch(KubernetesClient client, String path) {
        return client.getHttpClient().newHttpRequestBuilder()
                .uri(client.getMasterUrl().toString().replaceAll("/$", "") + path + "?watch=true&allowWatchBookmarks=true")
                .build();
    }
}
