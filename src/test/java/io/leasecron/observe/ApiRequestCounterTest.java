package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.leasecron.testing.Await;
import io.leasecron.testing.MockApiServer;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The client's traffic with a real HTTP API (the Fabric8 mock server) as the service's interceptor counts it. */
class ApiRequestCounterTest {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final ApiRequestCounter counter = new ApiRequestCounter(registry);

    /** {@code metric}'s series by label set, as scraped (the exposition's trailing comma in label sets dropped). */
    Map<String, Double> series(String metric) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : registry.scrape().replace(",}", "}").split("\n")) {
            if (line.startsWith(metric + "{")) {
                out.put(line.substring(metric.length(), line.lastIndexOf(' ')), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return out;
    }

    @Test
    void counts_answered_requests_by_method_resource_and_status_and_watches_started_again_by_resource() throws Exception {
        try (MockApiServer api = new MockApiServer();
                KubernetesClient client = MockApiServer.client(api.url(), "test", counter)) {
            var configMaps = client.configMaps().inNamespace("test");
            assertNull(configMaps.withName("jobs").get());
            ConfigMap created = configMaps.resource(new ConfigMapBuilder().withNewMetadata().withName("jobs").endMetadata()
                    .withData(Map.of("a", "1")).build()).create();
            configMaps.resource(new ConfigMapBuilder(created).withData(Map.of("a", "2")).build()).update();
            KubernetesClientException stale = assertThrows(KubernetesClientException.class,
                    () -> configMaps.resource(new ConfigMapBuilder(created).withData(Map.of("a", "3")).build()).update());
            assertEquals(409, stale.getCode());
            for (int i = 0; i < 3; i++) {
                Watch w = configMaps.watch(new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap resource) {
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
                w.close();
            }
            Await.until(() -> series("leasecron_api_requests_total").getOrDefault(
                    "{code=\"101\",method=\"WATCH\",resource=\"configmaps\"}", 0.0) == 3, "the third watch was answered");
        }

        assertEquals(Map.of(
                "{code=\"404\",method=\"GET\",resource=\"configmaps\"}", 1.0,
                "{code=\"201\",method=\"POST\",resource=\"configmaps\"}", 1.0,
                "{code=\"200\",method=\"PUT\",resource=\"configmaps\"}", 1.0,
                "{code=\"409\",method=\"PUT\",resource=\"configmaps\"}", 1.0,
                "{code=\"101\",method=\"WATCH\",resource=\"configmaps\"}", 3.0), series("leasecron_api_requests_total"));
        assertEquals(Map.of("{resource=\"configmaps\"}", 2.0, "{resource=\"leases\"}", 0.0), series("leasecron_watch_restarts_total"),
                "the first watch of a resource is no restart; the Lease's series exists before any");
    }

    @Test
    void a_request_that_gets_no_answer_is_not_counted() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (KubernetesClient client = MockApiServer.client("http://127.0.0.1:" + closed, "test", counter)) {
            assertThrows(KubernetesClientException.class, () -> client.leases().inNamespace("test").withName("leasecron").get());
        }
        assertEquals(Map.of(), series("leasecron_api_requests_total"));
    }

    @Test
    void statuses_outside_the_documented_set_are_reported_by_class() {
        assertEquals("409", ApiRequestCounter.code(409));
        assertEquals("101", ApiRequestCounter.code(101));
        assertEquals("4xx", ApiRequestCounter.code(418));
        assertEquals("5xx", ApiRequestCounter.code(599));
        assertEquals("3xx", ApiRequestCounter.code(304));
        assertEquals("other", ApiRequestCounter.code(0));
        assertEquals("other", ApiRequestCounter.code(600));
    }
}
