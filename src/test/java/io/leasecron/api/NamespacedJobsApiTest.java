package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.Await;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service configured with {@code LEASECRON_NAMESPACES} (booted by Quarkus against the Fabric8 mock API server):
 * the setting reaches the job sources through the config mapping, job ids name their namespace, and the REST API
 * answers under {@code /api/v1/jobs/{namespace}/{configmap}/{key}}, including a key named {@code runs}. Where
 * Events, Secrets and Jobs go is shown against the real API server ({@code NamespacesRealApiTest}).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(NamespacedJobsApiTest.Namespaces.class)
class NamespacedJobsApiTest {

    public static class Namespaces implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("leasecron.mode", "kubernetes", "leasecron.namespace", "jobs", "leasecron.replica", "pod-under-test",
                    "leasecron.namespaces", "team-a,team-b", "leasecron.watches", "websocket");
        }
    }

    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void jobs_of_the_listed_namespaces_have_namespaced_ids_and_paths_and_the_own_namespace_is_not_read() {
        KubernetesClient admin = server.getClient();
        put(admin, "team-a", "billing", "nightly");
        put(admin, "team-b", "billing", "nightly");
        put(admin, "team-b", "billing", "runs");
        put(admin, "jobs", "billing", "nightly"); // the service's namespace, not listed
        Await.until(() -> given().get("/api/v1/jobs").jsonPath().getList("jobs.id").size() == 3, "the three jobs are listed");

        given().get("/api/v1/jobs").then().statusCode(200)
                .body("jobs.id", equalTo(List.of("team-a/billing/nightly", "team-b/billing/nightly", "team-b/billing/runs")));
        given().queryParam("count", 2).get("/api/v1/jobs/team-a/billing/nightly").then().statusCode(200)
                .body("id", equalTo("team-a/billing/nightly"))
                .body("valid", equalTo(true))
                .body("nextRuns", hasSize(2));
        given().get("/api/v1/jobs/team-b/billing/nightly/runs").then().statusCode(200).body("$", hasSize(0));
        // Also the spelling of "runs of job team-b/billing": no such job exists with namespaced ids, so it is the job.
        given().get("/api/v1/jobs/team-b/billing/runs").then().statusCode(200).body("id", equalTo("team-b/billing/runs"));
        given().get("/api/v1/jobs/billing/nightly").then().statusCode(404)
                .body("message", equalTo("no job billing/nightly; job ids are <configmap>/<key>, or <namespace>/<configmap>/<key>"
                        + " when LEASECRON_NAMESPACES is set; GET /api/v1/jobs lists them"));
        given().get("/api/v1/jobs/jobs/billing/nightly").then().statusCode(404);

        admin.configMaps().inNamespace("team-a").withName("billing").delete();
        Await.until(() -> given().get("/api/v1/jobs/team-a/billing/nightly").statusCode() == 404, "team-a's job is unscheduled");
        given().get("/api/v1/jobs").then().body("jobs.id", equalTo(List.of("team-b/billing/nightly", "team-b/billing/runs")));
    }

    static void put(KubernetesClient admin, String namespace, String name, String key) {
        var cms = admin.configMaps().inNamespace(namespace);
        var existing = cms.withName(name).get();
        Map<String, String> data = new java.util.TreeMap<>(existing == null ? Map.of() : existing.getData());
        data.put(key, "schedule: \"@every 1h\"\nhttp: {url: \"http://127.0.0.1:9/x\"}\n");
        var cm = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(data).build();
        if (existing == null) {
            cms.resource(cm).create();
        } else {
            cms.resource(cm).update();
        }
    }
}
