package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.testing.Await;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.MockApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kubernetes Jobs against the Fabric8 mock API server; a test plays the Job controller by setting Job status. */
class KubernetesJobRunnerTest {
    static final Instant SLOT = Instant.parse("2026-12-01T03:00:00Z");
    final MockApiServer api = new MockApiServer();
    final KubernetesClient client = api.client("leasecron/pod-a");
    final KubernetesClient admin = api.client("test-admin");
    final KubernetesJobRunner runner = new KubernetesJobRunner(client, "test");

    @AfterEach
    void close() {
        runner.close();
        client.close();
        admin.close();
        api.close();
    }

    static JobSpec job(String extra) {
        return Jobs.spec("billing/export", "schedule: \"0 3 * * *\"\n" + extra + "kubernetesJob:\n  successfulJobsHistoryLimit: 2\n"
                + "  failedJobsHistoryLimit: 1\n  template:\n    metadata: {labels: {team: billing}}\n    spec:\n      template:\n"
                + "        spec:\n          containers: [{name: main, image: busybox, args: [echo, hi]}]\n");
    }

    Job awaitJob(String name) {
        Await.until(() -> admin.batch().v1().jobs().inNamespace("test").withName(name).get() != null, "Job " + name + " was created");
        return admin.batch().v1().jobs().inNamespace("test").withName(name).get();
    }

    void finish(String name, String type) {
        Job j = admin.batch().v1().jobs().inNamespace("test").withName(name).get();
        j.setStatus(new JobStatusBuilder().withConditions(new JobConditionBuilder().withType(type).withStatus("True")
                .withReason(type.equals("Failed") ? "BackoffLimitExceeded" : null).build()).build());
        admin.batch().v1().jobs().inNamespace("test").resource(j).updateStatus();
    }

    /** The attempt has left this process when the API server has the Job, not when the create is queued. */
    @Test
    void the_attempt_is_handed_off_once_the_job_exists() throws Exception {
        Fire fire = new Fire(job(""), SLOT, 1, 3, "pod-a");
        runner.start(fire);
        CompletableFuture<Void> handOff = fire.handOff().pending();
        assertTrue(handOff != null, "deferred: the Job is created on another thread");
        handOff.get(10, TimeUnit.SECONDS);
        String name = KubernetesJobRunner.jobName(fire.spec().id(), SLOT, 1);
        assertTrue(admin.batch().v1().jobs().inNamespace("test").withName(name).get() != null, "the Job exists by then");
    }

    @Test
    void names_are_deterministic_per_job_slot_and_attempt_and_fit_kubernetes() {
        JobId id = new JobId("billing", "export");
        assertEquals(KubernetesJobRunner.jobName(id, SLOT, 1), KubernetesJobRunner.jobName(id, SLOT, 1));
        assertFalse(KubernetesJobRunner.jobName(id, SLOT, 1).equals(KubernetesJobRunner.jobName(id, SLOT.plusSeconds(60), 1)));
        assertTrue(KubernetesJobRunner.jobName(id, SLOT, 2).endsWith("-a2"));
        String longest = KubernetesJobRunner.jobName(new JobId("a".repeat(60), "B_" + "c".repeat(60)), SLOT, 100);
        assertTrue(longest.length() <= 63 && longest.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), longest);
    }

    /** The label selects a job's Jobs within its namespace: the same whether or not the id names the namespace. */
    @Test
    void labels_do_not_change_with_the_namespace_setting_and_fit_kubernetes() {
        assertEquals("billing.export", KubernetesJobRunner.jobLabel(new JobId("tenant-a", "billing", "export")));
        JobId unqualified = new JobId("reports-" + "r".repeat(40), "monthly-" + "m".repeat(40));
        JobId qualified = new JobId("tenant-a", unqualified.source(), unqualified.name());
        String label = KubernetesJobRunner.jobLabel(unqualified);
        assertEquals(label, KubernetesJobRunner.jobLabel(qualified));
        assertTrue(label.length() <= 63 && label.startsWith((unqualified.source() + "." + unqualified.name()).substring(0, 50) + "."),
                label);
        assertFalse(label.equals(KubernetesJobRunner.jobLabel(new JobId(unqualified.source(), unqualified.name() + "x"))),
                "a cut label keeps a hash of the whole");
    }

    @Test
    void a_slot_creates_one_labelled_job_and_its_outcome_follows_the_jobs_completion() throws Exception {
        JobSpec spec = job("");
        CompletableFuture<RunResult> f = runner.start(new Fire(spec, SLOT, 1, 4, "pod-a"));
        String name = KubernetesJobRunner.jobName(spec.id(), SLOT, 1);
        Job j = awaitJob(name);
        assertEquals("billing.export", j.getMetadata().getLabels().get(KubernetesJobRunner.JOB_LABEL));
        assertEquals("billing", j.getMetadata().getLabels().get("team"));
        assertEquals("billing/export", j.getMetadata().getAnnotations().get("leasecron.io/job-id"));
        assertEquals("2026-12-01T03:00:00.000Z", j.getMetadata().getAnnotations().get("leasecron.io/scheduled-time"));
        assertEquals("4", j.getMetadata().getAnnotations().get("leasecron.io/term"));
        assertEquals("Never", j.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertFalse(f.isDone());
        finish(name, "Complete");
        assertEquals(new RunResult.Succeeded("Job " + name + " completed"), f.get(10, TimeUnit.SECONDS));
    }

    @Test
    void a_second_creation_for_the_same_slot_is_refused_and_follows_the_first_job() throws Exception {
        JobSpec spec = job("");
        CompletableFuture<RunResult> first = runner.start(new Fire(spec, SLOT, 1, 4, "pod-a"));
        String name = KubernetesJobRunner.jobName(spec.id(), SLOT, 1);
        awaitJob(name);
        try (KubernetesJobRunner other = new KubernetesJobRunner(api.client("leasecron/pod-b"), "test")) {
            CompletableFuture<RunResult> second = other.start(new Fire(spec, SLOT, 1, 5, "pod-b"));
            finish(name, "Failed");
            assertEquals(new RunResult.Failed("Job " + name + " failed: BackoffLimitExceeded"), first.get(10, TimeUnit.SECONDS));
            assertEquals(first.get(), second.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, admin.batch().v1().jobs().inNamespace("test").list().getItems().size(), "exactly one Job for the slot");
    }

    @Test
    void forbid_skips_while_an_earlier_slots_job_runs_and_a_cancelled_fire_deletes_its_job() throws Exception {
        JobSpec spec = job("concurrencyPolicy: Forbid\n");
        CompletableFuture<RunResult> first = runner.start(new Fire(spec, SLOT, 1, 4, "pod-a"));
        String name = KubernetesJobRunner.jobName(spec.id(), SLOT, 1);
        awaitJob(name);
        RunResult second = runner.start(new Fire(spec, SLOT.plusSeconds(86400), 1, 4, "pod-a")).get(10, TimeUnit.SECONDS);
        assertEquals(new RunResult.Skipped("Job " + name + " of an earlier slot is still running (concurrencyPolicy Forbid)"), second);
        first.cancel(true); // the engine's timeout
        Await.until(() -> admin.batch().v1().jobs().inNamespace("test").withName(name).get() == null, "the timed-out Job was deleted");
    }

    @Test
    void replace_deletes_the_running_job_of_an_earlier_slot_then_creates_the_new_slots_job() throws Exception {
        JobSpec spec = job("concurrencyPolicy: Replace\n");
        CompletableFuture<RunResult> first = runner.start(new Fire(spec, SLOT, 1, 4, "pod-a"));
        String running = KubernetesJobRunner.jobName(spec.id(), SLOT, 1);
        awaitJob(running);
        Instant next = SLOT.plusSeconds(86400);
        CompletableFuture<RunResult> second = runner.start(new Fire(spec, next, 1, 4, "pod-a"));
        String replacing = KubernetesJobRunner.jobName(spec.id(), next, 1);
        awaitJob(replacing);
        assertEquals(List.of(replacing), names(), "the running Job was deleted before the new slot's Job was created");
        assertEquals(new RunResult.Failed("Job " + running + " was deleted before it finished"), first.get(10, TimeUnit.SECONDS));
        assertFalse(second.isDone(), "the new slot's Job runs");
        finish(replacing, "Complete");
        assertEquals(new RunResult.Succeeded("Job " + replacing + " completed"), second.get(10, TimeUnit.SECONDS));
    }

    /** Each outcome is followed by the runner's own cleanup; nothing here calls it. */
    @Test
    void finished_jobs_beyond_the_history_limits_are_deleted_after_each_run() throws Exception {
        JobSpec spec = job("");
        List<String> created = new java.util.ArrayList<>();
        for (int day = 0; day < 5; day++) {
            Instant slot = SLOT.plusSeconds(86400L * day);
            CompletableFuture<RunResult> f = runner.start(new Fire(spec, slot, 1, 4, "pod-a"));
            String name = KubernetesJobRunner.jobName(spec.id(), slot, 1);
            awaitJob(name);
            created.add(name);
            finish(name, day == 1 || day == 2 ? "Failed" : "Complete");
            f.get(10, TimeUnit.SECONDS);
        }
        List<String> expected = java.util.stream.Stream.of(2, 3, 4).map(created::get).sorted().toList();
        Await.until(() -> names().equals(expected), "only the newest 2 successful (days 3, 4) and the newest failed (day 2) are left");
    }

    List<String> names() {
        return admin.batch().v1().jobs().inNamespace("test").list().getItems().stream().map(j -> j.getMetadata().getName()).sorted()
                .toList();
    }
}
