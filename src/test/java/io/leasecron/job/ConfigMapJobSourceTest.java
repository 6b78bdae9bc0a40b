package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.Await;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Kubernetes-mode job source against the Fabric8 mock API server. */
class ConfigMapJobSourceTest {

    @Test
    void once_loaded_it_stays_loaded_while_a_later_edit_is_being_applied() throws Exception {
        HeldSink sink = new HeldSink(spec -> spec.id().source().equals("later"));
        CountDownLatch applying = sink.applying;
        CountDownLatch release = sink.release;
        JobCatalogue catalogue = new JobCatalogue(sink);
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

    /**
     * The first list counts as loaded only once the catalogue has taken in every job of it: a replica campaigns for
     * the Lease on {@code loaded()}, and a takeover's catch-up covers only the jobs its engine has.
     */
    @Test
    void the_first_list_is_not_loaded_while_its_jobs_are_still_being_applied() throws Exception {
        HeldSink sink = new HeldSink(spec -> true);
        CountDownLatch applying = sink.applying;
        CountDownLatch release = sink.release;
        JobCatalogue catalogue = new JobCatalogue(sink);
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test");
                ConfigMapJobSource source = new ConfigMapJobSource(client, "test", catalogue)) {
            put(client, "first");
            source.start();
            assertTrue(applying.await(10, TimeUnit.SECONDS), "the first list reaches the catalogue");
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                assertFalse(source.loaded(), "not loaded while the first list's jobs are being applied");
            }
            release.countDown();
            Await.until(source::loaded, "loaded once the catalogue has the first list");
            assertEquals(1, catalogue.entries().size());
        }
    }

    /**
     * A restart drops the old informer's queued notifications: the versions they carried must still reach the
     * catalogue. Here the restart runs while the first list's first ConfigMap is being applied (as a stalled-watch
     * restart waiting for that apply does right after it), with an edit of it and a new ConfigMap queued behind.
     */
    @Test
    void versions_queued_behind_an_apply_when_the_watch_restarts_still_reach_the_catalogue() throws Exception {
        CountDownLatch applying = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        ConfigMapJobSource[] restarted = new ConfigMapJobSource[1];
        JobCatalogue catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                if (spec.id().source().equals("first") && once.compareAndSet(false, true)) {
                    applying.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    restarted[0].restart();
                }
            }

            @Override
            public void remove(JobId id) {
            }
        });
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test");
                ConfigMapJobSource source = new ConfigMapJobSource(client, "test", catalogue)) {
            restarted[0] = source;
            put(client, "first");
            source.start();
            assertTrue(applying.await(10, TimeUnit.SECONDS), "the first list reaches the catalogue");
            client.configMaps().inNamespace("test").withName("first").edit(cm -> new ConfigMapBuilder(cm)
                    .withData(Map.of("job", "schedule: \"@every 2h\"\nhttp:\n  url: http://127.0.0.1:2/\n")).build());
            put(client, "second");
            for (String name : List.of("first", "second")) {
                String version = client.configMaps().inNamespace("test").withName(name).get().getMetadata().getResourceVersion();
                Await.until(() -> version.equals(source.listedVersion("test", name)), name + "'s new version is queued");
            }
            release.countDown();
            Await.until(source::loaded, "loaded once every listed version has reached the catalogue");
            assertEquals(2, catalogue.entries().size());
            assertTrue(catalogue.entry(JobId.parse("first/job")).orElseThrow().text().contains("127.0.0.1:2"),
                    "the edit queued behind the restart is applied");
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

    @Test
    void listed_namespaces_give_namespaced_ids_and_a_deleted_config_map_unschedules_only_its_namespaces_jobs() throws Exception {
        io.leasecron.testing.RecordingSink sink = new io.leasecron.testing.RecordingSink();
        JobCatalogue catalogue = new JobCatalogue(sink);
        WatchedNamespaces watched = WatchedNamespaces.of("home", Optional.of(List.of("team-a", " team-b")), Optional.empty());
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test");
                ConfigMapJobSources sources = new ConfigMapJobSources(client, watched, catalogue)) {
            put(client, "team-a", "billing");
            put(client, "team-b", "billing");
            put(client, "home", "billing"); // the service's own namespace is not listed: not read
            put(client, "team-c", "billing");
            sources.start();
            Await.until(sources::loaded, "both namespaces are listed and applied");
            assertEquals(List.of("team-a/billing/job", "team-b/billing/job"), ids(catalogue));
            assertEquals("team-b", sources.ref(JobId.parse("team-b/billing/job")).orElseThrow().namespace());

            client.configMaps().inNamespace("team-a").withName("billing").delete();
            Await.until(() -> ids(catalogue).size() == 1, "the deletion reached the catalogue");
            assertEquals(List.of("team-b/billing/job"), ids(catalogue));
            assertEquals(List.of("upsert team-a/billing/job @every 1h", "upsert team-b/billing/job @every 1h",
                    "remove team-a/billing/job"), sink.calls.stream()
                    .sorted(java.util.Comparator.comparing((String c) -> c.startsWith("remove")).thenComparing(c -> c)).toList(),
                    "the two namespaces' informers apply in either order; the removal comes after both");
        }
    }

    @Test
    void with_a_selector_only_matching_namespaces_count_and_a_namespace_labelled_or_unlabelled_later_follows() throws Exception {
        JobCatalogue catalogue = new JobCatalogue(new io.leasecron.testing.RecordingSink());
        WatchedNamespaces watched = WatchedNamespaces.of("home", Optional.of(List.of("*")), Optional.of("tenant=yes"));
        try (MockApiServer api = new MockApiServer(); KubernetesClient client = api.client("test");
                ConfigMapJobSources sources = new ConfigMapJobSources(client, watched, catalogue)) {
            namespace(client, "team-a", "yes");
            namespace(client, "team-b", "no");
            put(client, "team-a", "billing");
            put(client, "team-b", "billing");
            sources.start();
            Await.until(sources::loaded, "the namespaces and the ConfigMaps are listed");
            assertEquals(List.of("team-a/billing/job"), ids(catalogue));

            namespace(client, "team-b", "yes");
            Await.until(() -> ids(catalogue).size() == 2, "the newly labelled namespace's jobs are loaded");
            namespace(client, "team-a", "no");
            Await.until(() -> ids(catalogue).size() == 1, "the unlabelled namespace's jobs are unscheduled");
            assertEquals(List.of("team-b/billing/job"), ids(catalogue));
            put(client, "team-a", "other"); // in a namespace that no longer matches: not read
            put(client, "team-b", "other");
            Await.until(() -> ids(catalogue).size() == 2, "a new ConfigMap of a matching namespace is loaded");
            assertEquals(List.of("team-b/billing/job", "team-b/other/job"), ids(catalogue));
        }
    }

    private static List<String> ids(JobCatalogue catalogue) {
        return catalogue.entries().stream().map(e -> e.id().toString()).toList();
    }

    private static void namespace(KubernetesClient client, String name, String tenant) {
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("tenant", tenant).endMetadata().build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    private static void put(KubernetesClient client, String namespace, String name) {
        client.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of("job", "schedule: \"@every 1h\"\nhttp:\n  url: http://127.0.0.1:1/\n")).build()).create();
    }

    private static void put(KubernetesClient client, String name) {
        client.configMaps().inNamespace("test").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of("job", "schedule: \"@every 1h\"\nhttp:\n  url: http://127.0.0.1:1/\n")).build()).create();
    }

    /** An engine that holds the catalogue inside {@code upsert} of the specs {@code held} picks, until released. */
    static final class HeldSink implements JobCatalogue.Sink {
        final CountDownLatch applying = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final java.util.function.Predicate<JobSpec> held;

        HeldSink(java.util.function.Predicate<JobSpec> held) {
            this.held = held;
        }

        @Override
        public void upsert(JobSpec spec) {
            if (held.test(spec)) {
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
    }
}
