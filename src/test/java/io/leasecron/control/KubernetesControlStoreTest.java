package io.leasecron.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.job.JobId;
import io.leasecron.testing.Await;
import io.leasecron.testing.MockApiServer;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The two control ConfigMaps against the Fabric8 mock API server: per-run conditional writes, pauses, the size bound. */
class KubernetesControlStoreTest {
    static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    static final JobId JOB = new JobId("team", "nightly");

    final MockApiServer api = new MockApiServer();
    final KubernetesClient client = api.client("test");
    final KubernetesControlStore store = new KubernetesControlStore(client, "test", "leasecron");

    @AfterEach
    void close() {
        store.close();
        client.close();
        api.close();
    }

    static RunRecord run(String name) {
        return RunRecord.requested(name, JOB, T0, "jane", T0);
    }

    @Test
    void a_runs_conditional_replace_fails_only_when_that_run_changed() {
        RunRecord a = store.create(run("leasecron-run-a"));
        store.create(run("leasecron-run-b"));
        store.update("leasecron-run-b", RunRecord.started(T0, "pod-b")); // another key of the same ConfigMap

        assertTrue(store.replace(a.assigned(3, T0.plusMillis(1))), "run a is as it was read");
        RunRecord assigned = store.readRun("leasecron-run-a").orElseThrow();
        assertEquals(T0.plusMillis(1), assigned.slot());
        assertEquals(3, assigned.term());
        assertFalse(store.replace(a.assigned(4, T0.plusMillis(2))), "run a changed since it was read");
        assertEquals(3, store.readRun("leasecron-run-a").orElseThrow().term());
        assertEquals("pod-b", store.readRun("leasecron-run-b").orElseThrow().replica());

        store.update("leasecron-run-a", RunRecord.ended(RunRecord.SUCCEEDED, "HTTP 200", T0.plusSeconds(1)));
        assertEquals("succeeded", store.readRun("leasecron-run-a").orElseThrow().state());
        store.delete("leasecron-run-a");
        assertTrue(store.readRun("leasecron-run-a").isEmpty());
        store.update("leasecron-run-a", RunRecord.started(T0, "pod-a")); // gone: nothing happens
        assertTrue(store.readRun("leasecron-run-a").isEmpty());
        assertEquals(Map.of("leasecron.io/control", "runs", "app.kubernetes.io/managed-by", "leasecron"),
                client.configMaps().inNamespace("test").withName("leasecron-runs").get().getMetadata().getLabels());
    }

    @Test
    void a_pause_is_added_once_and_followed_by_the_informer() {
        store.start();
        Await.until(store::synced, "the informer listed the control ConfigMaps");
        assertTrue(store.pause(new Pause(JOB, "jane", T0)));
        assertFalse(store.pause(new Pause(JOB, "joe", T0.plusSeconds(1))), "paused already");
        assertEquals("jane", store.readPause(JOB).orElseThrow().by());
        Await.until(() -> store.pause(JOB).isPresent(), "this replica's copy has the pause");
        store.create(run("leasecron-run-c"));
        Await.until(() -> store.runs().stream().map(RunRecord::name).collect(Collectors.toSet()).equals(Set.of("leasecron-run-c")),
                "this replica's copy has the run");

        assertTrue(store.resume(JOB));
        assertFalse(store.resume(JOB), "not paused any more");
        Await.until(() -> store.pause(JOB).isEmpty(), "this replica's copy has the resume");
    }

    @Test
    void a_request_beyond_the_size_bound_is_refused_and_says_what_to_do() {
        int n = 0;
        ControlStoreException e = null;
        while (e == null) {
            try {
                store.create(RunRecord.requested("leasecron-run-" + n++, JOB, T0, "x".repeat(4000), T0));
            } catch (ControlStoreException full) {
                e = full;
            }
        }
        assertTrue(e.getMessage().startsWith("ConfigMap test/leasecron-runs would hold 90"), e.getMessage());
        assertTrue(e.getMessage().endsWith("KiB of manual runs, more than 900 KiB; lower LEASECRON_RUN_RETENTION or ask for fewer runs"),
                e.getMessage());
        assertTrue(store.readRun("leasecron-run-" + (n - 1)).isEmpty(), "the refused run was not stored");
        assertThrows(IllegalStateException.class, () -> store.create(run("leasecron-run-0")), "a name is used once");
    }
}
