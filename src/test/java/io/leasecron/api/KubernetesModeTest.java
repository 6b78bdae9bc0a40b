package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service as deployed, in Kubernetes mode against the Fabric8 mock API server: it takes the Lease, reads jobs
 * from labelled ConfigMaps, and says so on its API, probes and metrics.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(KubernetesModeTest.Mode.class)
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
        org.junit.jupiter.api.Assertions.assertEquals("pod-under-test", lease.getSpec().getHolderIdentity());
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("leasecron_leader 1.0"))
                .body(containsString("leasecron_api_requests_total{method=\"PUT\",resource=\"leases\"}"));
    }

    static void await(java.util.function.BooleanSupplier condition, String what) {
        io.leasecron.testing.Await.until(condition, what);
    }
}
