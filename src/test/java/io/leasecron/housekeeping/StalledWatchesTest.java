package io.leasecron.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.leasecron.job.ConfigMapJobSource;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.observe.WatchActivity;
import io.leasecron.testing.Await;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.RecordingSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ConfigMap informer against an API server that accepts its watch and then sends nothing: the check restarts it
 * once the bound has passed, not before, with time moved by hand; a bookmark counts as a delivery. The only waits are
 * for the informer's own threads (its list and watch requests), each until an exact condition holds.
 */
class StalledWatchesTest {
    static final JobId NIGHTLY = new JobId("team", "nightly");
    static final Duration BOUND = Duration.ofMinutes(2);
    static final String JOB = "schedule: \"0 3 * * *\"\nhttp: {url: \"http://127.0.0.1:9/x\"}\n";

    final FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");
    final WatchActivity activity = new WatchActivity(clock);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final JobCatalogue catalogue = new JobCatalogue(new RecordingSink());
    SilentWatchServer server;
    KubernetesClient client;
    ConfigMapJobSource source;
    StalledWatches watches;

    @BeforeEach
    void start() throws Exception {
        server = new SilentWatchServer("test");
        server.configMaps.put("team", SilentWatchServer.configMap("team", "nightly", JOB));
        Config c = new ConfigBuilder(Config.empty()).withMasterUrl(server.url()).withNamespace("test").withRequestTimeout(2000)
                .withConnectionTimeout(1000).withRequestRetryBackoffLimit(0).withOnlyHttpWatches(true).build();
        client = new KubernetesClientBuilder().withConfig(c)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("watch-activity", activity)).build();
        source = new ConfigMapJobSource(client, "test", catalogue);
        source.start();
        Await.until(source::loaded, "the first list reached the catalogue");
        Await.until(() -> server.watches.size() == 1, "the informer started its watch");
        watches = new StalledWatches(Optional.of(activity), clock, BOUND, registry);
        watches.watch("configmaps", "test", source::restart);
    }

    @AfterEach
    void stop() {
        source.close();
        client.close();
        server.close();
    }

    double stalls() {
        return registry.get("leasecron.watch.stalls").tag("resource", "configmaps").counter().count();
    }

    @Test
    void a_watch_that_delivers_nothing_is_restarted_when_its_bound_has_passed_and_sees_what_changed_meanwhile() {
        assertTrue(server.watches.get(0).contains("allowWatchBookmarks=true"), "bookmarks requested: " + server.watches.get(0));
        assertTrue(catalogue.entry(NIGHTLY).isPresent());

        clock.advance(BOUND.minusMillis(1));
        assertEquals(List.of(), watches.check(), "not before the bound");
        assertEquals(0.0, stalls());

        // Deleted while the watch is silent: only a new list can tell.
        server.configMaps.clear();
        clock.advance(Duration.ofMillis(1));
        assertEquals(List.of("test/configmaps"), watches.check());
        assertEquals(1.0, stalls());
        Await.until(() -> server.lists.size() == 2 && server.watches.size() == 2, "the informer listed and watched again");
        Await.until(() -> catalogue.entry(NIGHTLY).isEmpty(), "the deletion reached the catalogue");

        // The new watch is silent too: restarted once per bound, not at every check.
        clock.advance(BOUND.minusMillis(1));
        assertEquals(List.of(), watches.check());
        clock.advance(Duration.ofMillis(1));
        assertEquals(List.of("test/configmaps"), watches.check());
        assertEquals(2.0, stalls());
    }

    @Test
    void a_bookmark_counts_as_a_delivery() {
        clock.advance(Duration.ofSeconds(100));
        long at = clock.nanoTime();
        server.send("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
                + "\"metadata\":{\"resourceVersion\":\"11\"}}}");
        Await.until(() -> activity.last("test/configmaps").orElse(0) == at, "the bookmark arrived");

        clock.advance(Duration.ofSeconds(100)); // 200 s since the watch started, 100 s since the bookmark
        assertEquals(List.of(), watches.check());
        clock.advance(Duration.ofSeconds(20));
        assertEquals(List.of("test/configmaps"), watches.check());
        assertEquals(1.0, stalls());
        Await.until(() -> server.watches.size() == 2, "the informer watched again");
    }
}
