package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.Await;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.TcpProxy;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Kubernetes-mode job source against the Fabric8 mock API server. */
class ConfigMapJobSourceTest {

    @Test
    void once_loaded_it_stays_loaded_while_a_later_edit_is_being_applied() throws Exception {
        CountDownLatch applying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        JobCatalogue catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                if (spec.id().source().equals("later")) {
                    applying.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public void remove(JobId id) {
            }
        });
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test");
                ConfigMapJobSource source = new ConfigMapJobSource(client, "test", catalogue)) {
            put(client, "first");
            assertFalse(source.loaded(), "nothing listed yet");
            source.start();
            Await.until(source::loaded, "the first list is applied");

            put(client, "later");
            assertTrue(applying.await(10, TimeUnit.SECONDS), "the edit reaches the catalogue");
            // While "later" is being applied, "third" reaches the informer's store but not yet its handler.
            put(client, "third");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < until) {
                assertTrue(source.loaded(), "a replica whose jobs were loaded stays ready while edits are applied");
            }
            release.countDown();
            Await.until(() -> catalogue.entries().size() == 3, "every job is in the catalogue");
        }
    }

    @Test
    void a_source_started_while_the_api_is_unreachable_loads_its_jobs_once_it_is_back() throws Exception {
        JobCatalogue catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
            }

            @Override
            public void remove(JobId id) {
            }
        });
        try (MockApiServer api = new MockApiServer(); KubernetesClient admin = api.client("admin")) {
            put(admin, "first");
            java.net.URI server = java.net.URI.create(api.url());
            try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
                    KubernetesClient client = MockApiServer.client(proxy.url(), "replica");
                    ConfigMapJobSource source = new ConfigMapJobSource(client, "test", catalogue)) {
                proxy.cut();
                source.start();
                Await.until(() -> proxy.refused() > 0, "the first list is refused");
                assertFalse(source.loaded());
                proxy.restore();
                Await.until(source::loaded, "the jobs are loaded once the API answers");
                assertTrue(catalogue.entry(JobId.parse("first/job")).isPresent());
            }
        }
    }

    private static void put(KubernetesClient client, String name) {
        client.configMaps().inNamespace("test").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of("job", "schedule: \"@every 1h\"\nhttp:\n  url: http://127.0.0.1:1/\n")).build()).create();
    }
}
