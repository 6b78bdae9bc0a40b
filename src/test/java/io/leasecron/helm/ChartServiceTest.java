package io.leasecron.helm;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.testing.Await;
import io.leasecron.testing.RealControlPlane;
import io.leasecron.testing.RealControlPlaneResource;
import io.leasecron.testing.RealControlPlaneResource.Cluster;
import io.leasecron.testing.RealControlPlaneResource.InjectCluster;
import io.leasecron.testing.RecordingTarget;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * The service as the chart installs it: booted by Quarkus in the namespace of a {@code helm install}, with a token of
 * the chart's ServiceAccount and nothing but the chart's Role, it passes its startup check, takes the Lease and fires
 * the job of the ConfigMap the chart made from values; its next runs are where NOTES.txt says to look. (The same boot
 * as {@code api/KubernetesModeRealApiTest}: both use {@link RealControlPlaneResource.Profile}.)
 */
@QuarkusTest
@TestProfile(RealControlPlaneResource.Profile.class)
@DisabledIfEnvironmentVariable(named = RealControlPlane.SKIP_ENV, matches = "1",
        disabledReason = RealControlPlane.SKIP_ENV + "=1: the tests against a real kube-apiserver are skipped (docs/testing.md)")
class ChartServiceTest {
    @InjectCluster
    Cluster cluster;

    @Test
    void with_the_charts_service_account_and_role_the_service_leads_and_fires_the_job_the_chart_created() throws Exception {
        String ns = cluster.namespace();
        Role role = cluster.admin().rbac().roles().inNamespace(ns).withName("leasecron").get();
        assertEquals(Map.of("app.kubernetes.io/managed-by", "Helm", "helm.sh/chart", "leasecron-0.1.0"),
                Map.of("app.kubernetes.io/managed-by", role.getMetadata().getLabels().get("app.kubernetes.io/managed-by"),
                        "helm.sh/chart", role.getMetadata().getLabels().get("helm.sh/chart")), "the Role is the chart's");
        ConfigMap jobs = cluster.admin().configMaps().inNamespace(ns).withName("chart").get();
        assertEquals("true", jobs.getMetadata().getLabels().get("leasecron.io/jobs"));
        assertEquals("Helm", jobs.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));

        Await.until(() -> given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica took the Lease");
        String term = cluster.admin().leases().inNamespace(ns).withName("leasecron").get().getMetadata().getAnnotations()
                .get(LeaseRecord.TERM);

        RecordingTarget.Request fired = cluster.chartJobTarget().take();
        assertEquals("POST /fired", fired.method() + " " + fired.path());
        assertEquals(RealControlPlaneResource.CHART_JOB, fired.header("Leasecron-Job"));
        assertEquals(RealControlPlaneResource.Profile.REPLICA, fired.header("Leasecron-Replica"));
        assertEquals(term, fired.header("Leasecron-Term"));
        Instant slot = Instant.parse(fired.header("Leasecron-Scheduled-Time"));
        assertEquals(0, slot.getNano(), "an @every 1s slot is on a whole second");

        Await.until(() -> !given().get("/api/v1/jobs/chart/fires/runs").jsonPath().getList("$").isEmpty(),
                "the fire's outcome reached the run history");
        // NOTES.txt: GET /api/v1/jobs/<configmap>/<key>?count=N shows the next runs.
        given().get("/api/v1/jobs/chart/fires?count=3").then().statusCode(200)
                .body("valid", equalTo(true))
                .body("spec.schedule", equalTo("@every 1s"))
                .body("nextRuns", hasSize(3));
    }
}
