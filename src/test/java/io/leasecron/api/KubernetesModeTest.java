package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.testing.Management;
import io.leasecron.testing.MetricsCatalogue;
import io.leasecron.testing.RecordingTarget;
import java.time.ZonedDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service as deployed, in Kubernetes mode against the Fabric8 mock API server: it takes the Lease, reads jobs
 * from labelled ConfigMaps, and says so on its API, probes and metrics.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(KubernetesModeTest.Mode.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubernetesModeTest {

    public static class Mode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("leasecron.mode", "kubernetes", "leasecron.namespace", "jobs", "leasecron.replica", "pod-under-test",
                    "leasecron.lease.duration", "3s", "leasecron.lease.renew-deadline", "2s", "leasecron.lease.retry-period", "500ms",
                    "leasecron.watches", "websocket");
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @Test
    @Order(1)
    void the_replica_leads_reads_config_map_jobs_and_reports_it() throws Exception {
        KubernetesClient admin = server.getClient();
        admin.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("billing")
                .addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of("nightly", "schedule: \"30 2 * * *\"\ntimeZone: Europe/Berlin\nhttp: {url: \"http://127.0.0.1:9/x\"}\n"))
                .build()).create();
        await(() -> given().get("/api/v1/jobs/billing/nightly").statusCode() == 200, "the ConfigMap job reached the API");
        given().get("/api/v1/jobs/billing/nightly").then().statusCode(200)
                .body("spec.timeZone", equalTo("Europe/Berlin")).body("nextRuns[0].time", notNullValue());
        await(() -> given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica took the lease");
        given().get("/api/v1/leader").then().statusCode(200)
                .body("mode", equalTo("kubernetes"))
                .body("holderIdentity", equalTo("pod-under-test"))
                .body("self", equalTo("pod-under-test"))
                .body("term", equalTo(1))
                .body("leaseDurationSeconds", equalTo(3))
                .body("renewedAt", notNullValue());
        var lease = admin.leases().inNamespace("jobs").withName("leasecron").get();
        assertEquals("pod-under-test", lease.getSpec().getHolderIdentity());
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("leasecron_leader 1.0"))
                .body(containsString("leasecron_api_requests_total{code=\"200\",method=\"PUT\",resource=\"leases\"}"))
                .body(containsString("leasecron_lease_request_duration_seconds_count{operation=\"update\",outcome=\"ok\"}"))
                .body(containsString("leasecron_watch_restarts_total{resource=\"configmaps\"}"));
    }

    /**
     * docs/metrics.md lists exactly the leasecron metrics a replica exports in Kubernetes mode (the others, the same
     * in both modes, are checked by ApiTest), scraped once a job has succeeded.
     */
    @Test
    @Order(4)
    void every_leasecron_metric_exported_in_kubernetes_mode_is_documented_and_every_documented_one_is_exported() throws Exception {
        KubernetesClient admin = server.getClient();
        try (RecordingTarget target = new RecordingTarget()) {
            admin.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("catalogue")
                    .addToLabels("leasecron.io/jobs", "true").endMetadata()
                    .withData(Map.of("tick", "schedule: \"* * * * * *\"\nhttp: {url: \"" + target.url("/tick") + "\"}\n")).build())
                    .create();
            target.take();
            await(() -> MetricsCatalogue.value(Management.given().get("/q/metrics").asString(),
                    "leasecron_fires_total{job_id=\"catalogue/tick\",outcome=\"succeeded\"}") >= 1, "a success counted");
            Set<String> exported = new java.util.TreeSet<>(MetricsCatalogue.families(
                    Management.given().get("/q/metrics").then().statusCode(200).extract().asString()));
            exported.removeIf(f -> !f.startsWith("leasecron_"));
            assertEquals(MetricsCatalogue.documented("kubernetes"), exported);
        } finally {
            admin.configMaps().inNamespace("jobs").withName("catalogue").delete();
        }
    }

    @Test
    @Order(2)
    void config_map_add_edit_broken_edit_and_delete_reach_the_api_and_the_broken_edit_makes_one_event() {
        KubernetesClient admin = server.getClient();
        var cms = admin.configMaps().inNamespace("jobs");
        cms.resource(jobs("team", "report", "@every 1m")).create();
        await(() -> schedule("team/report").equals("@every 1m"), "the added job in REST");
        given().get("/api/v1/jobs/team/report").then().body("valid", equalTo(true)).body("nextRuns[0].time", notNullValue());

        cms.resource(jobs("team", "report", "@every 5m")).update();
        await(() -> schedule("team/report").equals("@every 5m"), "the edited job in REST");

        cms.resource(jobs("team", "report", "61 * * * *")).update();
        String error = "team/report: schedule \"61 * * * *\": minute 61 is out of range 0-59";
        await(() -> !given().get("/api/v1/jobs/team/report").jsonPath().getBoolean("valid"), "the broken edit in REST");
        given().get("/api/v1/jobs/team/report").then().statusCode(200)
                .body("error", equalTo(error))
                .body("specVersion", equalTo("lastValid"))
                .body("spec.schedule", equalTo("@every 5m"))
                .body("nextRuns[0].time", notNullValue());
        await(() -> invalidSpecEvents(admin, "team").size() == 1, "the InvalidJobSpec Event on the ConfigMap");
        Event event = invalidSpecEvents(admin, "team").get(0);
        assertEquals("ConfigMap", event.getInvolvedObject().getKind());
        assertEquals(error + " (the last valid version keeps running: every 5 minutes, aligned to the Unix epoch)", event.getMessage());
        assertEquals("pod-under-test", event.getReportingInstance());
        // The added job and its valid edit each made one Normal JobScheduled Event saying when it runs; the broken
        // edit made none.
        await(() -> events(admin, "team", "JobScheduled").size() == 2, "the JobScheduled Events on the ConfigMap");
        List<Event> scheduled = events(admin, "team", "JobScheduled");
        assertEquals(List.of("schedule \"@every 1m\": every minute, aligned to the Unix epoch",
                "schedule \"@every 5m\": every 5 minutes, aligned to the Unix epoch"),
                scheduled.stream().map(Event::getMessage).sorted().toList());
        assertEquals(List.of("Normal", "Normal"), scheduled.stream().map(Event::getType).toList());
        assertEquals("data.report", scheduled.get(0).getInvolvedObject().getFieldPath());

        // The same broken version delivered again (another key of the ConfigMap changes) is not reported again.
        cms.withName("team").edit(cm -> {
            cm.getData().put("other", "schedule: \"@every 1h\"\nhttp: {url: \"http://127.0.0.1:9/x\"}\n");
            return cm;
        });
        await(() -> given().get("/api/v1/jobs/team/other").statusCode() == 200, "the second key in REST");
        // Events are sent in order from one thread: once a later Event exists, the earlier ones were handled.
        cms.resource(jobs("marker", "job", "not a cron")).create();
        await(() -> invalidSpecEvents(admin, "marker").size() == 1, "a later Event");
        assertEquals(1, invalidSpecEvents(admin, "team").size(), "one Event for one broken edit");

        cms.withName("team").delete();
        await(() -> given().get("/api/v1/jobs/team/report").statusCode() == 404, "the deleted job gone from REST");
        given().get("/api/v1/jobs/team/other").then().statusCode(404);
        cms.withName("marker").delete();
    }

    @Test
    @Order(3)
    void a_replica_that_loses_the_lease_to_a_race_stops_firing_and_fires_again_once_it_acquires_it_again() throws Exception {
        KubernetesClient admin = server.getClient();
        try (RecordingTarget target = new RecordingTarget()) {
            admin.configMaps().inNamespace("jobs").resource(new ConfigMapBuilder().withNewMetadata().withName("ticks")
                    .addToLabels("leasecron.io/jobs", "true").endMetadata()
                    .withData(Map.of("tick", "schedule: \"* * * * * *\"\nhttp: {url: \"" + target.url("/tick") + "\"}\n")).build())
                    .create();
            target.take();
            long term = given().get("/api/v1/leader").jsonPath().getLong("term");

            // Another replica takes the Lease: this one learns it from its Lease watch or its next renewal (409).
            admin.leases().inNamespace("jobs").withName("leasecron").edit(lease -> {
                lease.getMetadata().getAnnotations().put(LeaseRecord.TERM, Long.toString(term + 1));
                lease.getSpec().setHolderIdentity("intruder");
                lease.getSpec().setRenewTime(ZonedDateTime.now());
                return lease;
            });
            await(() -> !given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica stepped down");
            given().get("/api/v1/leader").then().body("holderIdentity", equalTo("intruder"));
            Management.given().get("/q/metrics").then().body(containsString("leasecron_leader 0.0"));
            await(() -> skippedNotLeader("ticks/tick") >= 1, "a slot refused by the gate as not_leader");

            // The intruder never renews: after the lease duration this replica acquires again, with a new term.
            await(() -> given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica leads again");
            given().get("/api/v1/leader").then().body("term", equalTo((int) term + 2)).body("holderIdentity", equalTo("pod-under-test"));
            RecordingTarget.Request fire;
            do {
                fire = target.take();
            } while (!fire.header("Leasecron-Term").equals(Long.toString(term + 2)));

            admin.configMaps().inNamespace("jobs").withName("ticks").delete();
            await(() -> given().get("/api/v1/jobs/ticks/tick").statusCode() == 404, "the ticking job gone");
            Set<String> keys = new HashSet<>();
            List<RecordingTarget.Request> all = new java.util.ArrayList<>(List.of(fire));
            all.addAll(target.drained());
            for (RecordingTarget.Request r : all) {
                assertTrue(keys.add(r.header("Idempotency-Key")), "slot fired twice: " + r.header("Leasecron-Scheduled-Time"));
                assertTrue(Set.of(Long.toString(term), Long.toString(term + 2)).contains(r.header("Leasecron-Term")),
                        "fired in a term this replica did not hold: " + r.header("Leasecron-Term"));
            }
        }
    }

    static ConfigMap jobs(String name, String key, String schedule) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of(key, "schedule: \"" + schedule + "\"\nhttp: {url: \"http://127.0.0.1:9/x\"}\n")).build();
    }

    static String schedule(String id) {
        var r = given().get("/api/v1/jobs/" + id);
        return r.statusCode() == 200 && r.jsonPath().getString("spec.schedule") != null ? r.jsonPath().getString("spec.schedule") : "";
    }

    static List<Event> invalidSpecEvents(KubernetesClient admin, String configMap) {
        return events(admin, configMap, "InvalidJobSpec");
    }

    static List<Event> events(KubernetesClient admin, String configMap, String reason) {
        return admin.v1().events().inNamespace("jobs").list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && configMap.equals(e.getInvolvedObject().getName())).toList();
    }

    static double skippedNotLeader(String job) {
        return MetricsCatalogue.value(Management.given().get("/q/metrics").asString(),
                "leasecron_skipped_fires_total{job_id=\"" + job + "\",reason=\"not_leader\"}");
    }

    static void await(java.util.function.BooleanSupplier condition, String what) {
        io.leasecron.testing.Await.until(condition, what);
    }
}
