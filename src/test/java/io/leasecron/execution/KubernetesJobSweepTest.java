package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.RecordingSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The periodic sweep of Kubernetes Jobs against the Fabric8 mock API server; the test sets the Jobs' conditions. */
class KubernetesJobSweepTest {
    static final String EXPORT = "schedule: \"0 3 * * *\"\nkubernetesJob:\n  successfulJobsHistoryLimit: 2\n"
            + "  failedJobsHistoryLimit: 1\n  template:\n    spec:\n      template:\n        spec:\n"
            + "          containers: [{name: main, image: busybox}]\n";

    final MockApiServer api = new MockApiServer();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final KubernetesClient client = MockApiServer.client(api.url(), "leasecron/pod-a", new Interceptor() {
        @Override
        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            requests.add(request.method() + " " + request.uri().getPath());
        }
    });
    final KubernetesClient admin = api.client("test-admin");
    final JobCatalogue catalogue = new JobCatalogue(new RecordingSink());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final KubernetesJobSweep sweep = new KubernetesJobSweep(client, "test", List.of("test"), ns -> true, catalogue::entries,
            registry);

    @AfterEach
    void close() {
        client.close();
        admin.close();
        api.close();
    }

    /** A Job as the runner makes it; {@code condition} null while it runs. Created in the order of the calls. */
    void job(String name, String jobId, String condition, String created) {
        job("test", name, jobId, condition, created);
    }

    /** A Job in {@code namespace}, labelled and annotated as the runner does for {@code jobId} (none when null). */
    void job(String namespace, String name, String jobId, String condition, String created) {
        Job j = new JobBuilder().withNewMetadata().withName(name).withNamespace(namespace).withCreationTimestamp(created)
                .addToLabels(KubernetesJobRunner.MANAGED, "leasecron")
                .addToLabels(jobId == null ? Map.of() : Map.of(KubernetesJobRunner.JOB_LABEL, KubernetesJobRunner.jobLabel(JobId.parse(jobId))))
                .addToAnnotations(jobId == null ? Map.of() : Map.of(KubernetesJobSweep.JOB_ID, jobId)).endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().addNewContainer().withName("main").withImage("busybox").endContainer()
                .endSpec().endTemplate().endSpec().build();
        admin.batch().v1().jobs().inNamespace(namespace).resource(j).create();
        if (condition != null) {
            Job current = admin.batch().v1().jobs().inNamespace(namespace).withName(name).get();
            current.setStatus(new JobStatusBuilder().withConditions(new JobConditionBuilder().withType(condition).withStatus("True")
                    .build()).build());
            admin.batch().v1().jobs().inNamespace(namespace).resource(current).updateStatus();
        }
    }

    List<String> names() {
        return names("test");
    }

    List<String> names(String namespace) {
        return admin.batch().v1().jobs().inNamespace(namespace).list().getItems().stream().map(j -> j.getMetadata().getName())
                .sorted().toList();
    }

    double swept(String reason) {
        return registry.get("leasecron.kubernetes.jobs.swept").tag("reason", reason).counter().count();
    }

    @Test
    void finished_jobs_beyond_the_history_limits_are_deleted_newest_kept_with_one_list() {
        catalogue.apply("billing", Map.of("export", EXPORT));
        job("ok-1", "billing/export", "Complete", "2026-12-01T03:00:00Z");
        job("ok-2", "billing/export", "Complete", "2026-12-02T03:00:00Z");
        job("failed-3", "billing/export", "Failed", "2026-12-03T03:00:00Z");
        job("ok-4", "billing/export", "Complete", "2026-12-04T03:00:00Z");
        job("failed-5", "billing/export", "Failed", "2026-12-05T03:00:00Z");
        job("ok-6", "billing/export", "Complete", "2026-12-06T03:00:00Z");
        job("running-7", "billing/export", null, "2026-12-07T03:00:00Z");
        requests.clear();

        assertEquals(new KubernetesJobSweep.Result(7, 3, 0), sweep.sweep());
        assertEquals(List.of("failed-5", "ok-4", "ok-6", "running-7"), names());
        assertEquals(List.of("GET /apis/batch/v1/namespaces/test/jobs", "DELETE /apis/batch/v1/namespaces/test/jobs/ok-2",
                "DELETE /apis/batch/v1/namespaces/test/jobs/ok-1", "DELETE /apis/batch/v1/namespaces/test/jobs/failed-3"), requests,
                "one list, one delete per Job removed");
        assertEquals(3.0, swept("history_limit"));

        requests.clear();
        assertEquals(new KubernetesJobSweep.Result(4, 0, 0), sweep.sweep());
        assertEquals(List.of("GET /apis/batch/v1/namespaces/test/jobs"), requests, "nothing left to delete");
    }

    @Test
    void a_removed_jobs_finished_jobs_are_deleted_and_its_running_ones_left_to_finish() {
        catalogue.apply("broken", Map.of("never-valid", "schedule: \"61 * * * *\"\nhttp: {url: \"http://127.0.0.1:9/\"}\n"));
        job("gone-ok", "old/gone", "Complete", "2026-12-01T03:00:00Z");
        job("gone-failed", "old/gone", "Failed", "2026-12-02T03:00:00Z");
        job("gone-running", "old/gone", null, "2026-12-03T03:00:00Z");
        job("broken-ok", "broken/never-valid", "Complete", "2026-12-01T03:00:00Z");
        job("not-ours", null, "Complete", "2026-12-01T03:00:00Z");

        assertEquals(new KubernetesJobSweep.Result(5, 0, 2), sweep.sweep());
        assertEquals(List.of("broken-ok", "gone-running", "not-ours"), names(),
                "running work is not killed; a job never valid keeps its Jobs; Jobs without the job-id annotation are not ours");
        assertEquals(2.0, swept("job_removed"));

        Job running = admin.batch().v1().jobs().inNamespace("test").withName("gone-running").get();
        running.setStatus(new JobStatusBuilder().withConditions(new JobConditionBuilder().withType("Complete").withStatus("True")
                .build()).build());
        admin.batch().v1().jobs().inNamespace("test").resource(running).updateStatus();
        assertEquals(new KubernetesJobSweep.Result(3, 0, 1), sweep.sweep());
        assertEquals(List.of("broken-ok", "not-ours"), names(), "swept once finished");
    }

    /**
     * With every namespace watched through a selector, the Jobs of namespaces the selector leaves out are another
     * release's: never swept, even finished and of ids this service does not know.
     */
    @Test
    void with_all_namespaces_only_admitted_namespaces_are_swept() {
        KubernetesJobSweep all = new KubernetesJobSweep(client, "test", List.of(), "tenant-a"::equals, catalogue::entries,
                registry);
        job("tenant-a", "gone-a", "tenant-a/old/gone", "Complete", "2026-12-01T03:00:00Z");
        job("tenant-b", "gone-b", "tenant-b/old/gone", "Complete", "2026-12-01T03:00:00Z");
        job("test", "gone-own", "test/old/gone", "Complete", "2026-12-01T03:00:00Z");

        assertEquals(new KubernetesJobSweep.Result(1, 0, 1), all.sweep());
        assertEquals(List.of(), names("tenant-a"));
        assertEquals(List.of("gone-b"), names("tenant-b"), "a namespace outside the selector is not this release's");
        assertEquals(List.of("gone-own"), names("test"), "the release namespace is swept only when it is watched");
    }

    /**
     * Jobs are a job's by their namespace and {@code leasecron.io/job} label, which a change of the namespace setting
     * keeps: its history limits still apply to the Jobs created before. A Job whose job-id annotation names another
     * namespace than its own is not that job's, and is left alone.
     */
    @Test
    void jobs_created_before_ids_named_their_namespace_keep_their_history_and_other_namespaces_cannot_claim_a_job() {
        KubernetesJobSweep listed = new KubernetesJobSweep(client, "test", List.of("test", "other"), ns -> true,
                catalogue::entries, registry);
        catalogue.apply("test", "billing", Map.of("export", EXPORT));
        job("ok-1", "billing/export", "Complete", "2026-12-01T03:00:00Z");
        job("ok-2", "billing/export", "Complete", "2026-12-02T03:00:00Z");
        job("ok-3", "test/billing/export", "Complete", "2026-12-03T03:00:00Z");
        job("other", "claim-1", "test/billing/export", "Complete", "2026-12-04T03:00:00Z");
        job("other", "claim-2", "test/billing/export", "Complete", "2026-12-05T03:00:00Z");

        assertEquals(new KubernetesJobSweep.Result(5, 1, 0), listed.sweep());
        assertEquals(List.of("ok-2", "ok-3"), names(), "the newest two of the job's Jobs, whatever their id's form");
        assertEquals(List.of("claim-1", "claim-2"), names("other"), "not the job's: its namespace is test");
    }
}
