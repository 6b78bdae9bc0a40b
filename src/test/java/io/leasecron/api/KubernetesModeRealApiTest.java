package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.testing.Await;
import io.leasecron.testing.Management;
import io.leasecron.testing.RealControlPlane;
import io.leasecron.testing.RealControlPlaneResource;
import io.leasecron.testing.RealControlPlaneResource.Cluster;
import io.leasecron.testing.RealControlPlaneResource.InjectCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Year;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * The whole service, booted by Quarkus in Kubernetes mode against a real kube-apiserver ({@link RealControlPlaneResource}):
 * with a ServiceAccount token and exactly the Role the Helm chart installs it passes its startup permission check, takes the
 * Lease, follows job ConfigMaps over HTTP watch streams (which the mock server of {@link KubernetesModeTest} cannot
 * serve), reports a broken edit on the job and in one Event, and says so on its API, probes and metrics.
 */
@QuarkusTest
@TestProfile(RealControlPlaneResource.Profile.class)
@DisabledIfEnvironmentVariable(named = RealControlPlane.SKIP_ENV, matches = "1",
        disabledReason = RealControlPlane.SKIP_ENV + "=1: the tests against a real kube-apiserver are skipped (docs/testing.md)")
class KubernetesModeRealApiTest {
    static final String REPLICA = RealControlPlaneResource.Profile.REPLICA;
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    /** The job of ConfigMap team, beside the one the chart installed ({@link RealControlPlaneResource#CHART_JOB}). */
    static final String TEAM_JOB = "jobs.find { it.id == 'team/new-year' }";

    @InjectCluster
    Cluster cluster;

    @Test
    void with_the_documented_role_it_passes_the_permission_check_takes_the_lease_and_reports_it() {
        Await.until(() -> given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica took the Lease");

        JsonPath leader = given().get("/api/v1/leader").then().statusCode(200)
                .body("mode", equalTo("kubernetes"))
                .body("holderIdentity", equalTo(REPLICA))
                .body("self", equalTo(REPLICA))
                .body("isLeader", equalTo(true))
                .body("leaseDurationSeconds", equalTo(3))
                .body("renewedAt", notNullValue())
                .extract().jsonPath();
        long term = leader.getLong("term");
        assertTrue(term >= 1, "term " + term);

        Lease lease = cluster.admin().leases().inNamespace(cluster.namespace()).withName("leasecron").get();
        assertEquals(REPLICA, lease.getSpec().getHolderIdentity());
        assertEquals(3, lease.getSpec().getLeaseDurationSeconds());
        assertEquals(Long.toString(term), lease.getMetadata().getAnnotations().get(LeaseRecord.TERM));

        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/metrics").then().statusCode(200)
                .body(containsString("\nleasecron_leader 1.0\n"))
                // The startup check asked all 17 questions of docs/rbac.md and was answered each time (an
                // unanswered one ends the check early); a refused one would have stopped the boot.
                .body(containsString("\nleasecron_api_requests_total{code=\"201\",method=\"POST\",resource=\"selfsubjectaccessreviews\"} 17.0\n"));

        // The Quarkus scheduler ran the clock check (its first run comes at its first tick): the API server shares this
        // machine's clock, so the offset is 0 within the Date header's resolution.
        java.util.function.DoubleSupplier offset = () -> io.leasecron.testing.MetricsCatalogue.value(
                Management.given().get("/q/metrics").asString(), "leasecron_clock_offset_seconds");
        Management.given().get("/q/metrics").then().body(containsString("\nleasecron_clock_offset_seconds "));
        Await.until(() -> !Double.isNaN(offset.getAsDouble()), "the clock check ran");
        assertTrue(Math.abs(offset.getAsDouble()) <= 1.0, "offset " + offset.getAsDouble());
    }

    @Test
    void a_config_map_job_is_scheduled_and_a_broken_edit_keeps_the_last_valid_spec_with_one_event() {
        KubernetesClient admin = cluster.admin();
        String ns = cluster.namespace();
        // Only the leader reports broken jobs in Events.
        Await.until(() -> given().get("/api/v1/leader").jsonPath().getBoolean("isLeader"), "the replica took the Lease");

        admin.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("team")
                .addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(Map.of("new-year", job("0 0 1 1 *"))).build()).create();
        Await.until(() -> given().get("/api/v1/jobs").jsonPath().getList("jobs.id").equals(List.of(RealControlPlaneResource.CHART_JOB,
                "team/new-year")), "the ConfigMap reached the catalogue through the watch");

        // Midnight in Berlin on the next first of January, as an instant: 23:00 or 22:00 UTC the day before.
        String newYear = JobViews.time(ZonedDateTime.of(Year.now(BERLIN).getValue() + 1, 1, 1, 0, 0, 0, 0, BERLIN).toInstant());
        given().get("/api/v1/jobs").then().statusCode(200)
                .body(TEAM_JOB + ".valid", equalTo(true))
                .body(TEAM_JOB + ".schedule", equalTo("0 0 1 1 *"))
                .body(TEAM_JOB + ".scheduleDescription", equalTo("at 00:00, on day 1 of the month, in January (Europe/Berlin)"))
                .body(TEAM_JOB + ".timeZone", equalTo("Europe/Berlin"))
                .body(TEAM_JOB + ".nextRun", equalTo(newYear))
                .body("sourceErrors", equalTo(Map.of()));

        admin.configMaps().inNamespace(ns).withName("team").edit(cm -> new ConfigMapBuilder(cm)
                .withData(Map.of("new-year", job("0 0 1 13 *"))).build());
        Await.until(() -> !given().get("/api/v1/jobs").jsonPath().getBoolean(TEAM_JOB + ".valid"), "the broken edit reached the catalogue");

        String error = "team/new-year: schedule \"0 0 1 13 *\": month 13 is out of range 1-12";
        given().get("/api/v1/jobs").then().statusCode(200)
                .body("jobs.id", equalTo(List.of(RealControlPlaneResource.CHART_JOB, "team/new-year")))
                .body(TEAM_JOB + ".error", equalTo(error))
                .body(TEAM_JOB + ".schedule", equalTo("0 0 1 1 *"))
                .body(TEAM_JOB + ".nextRun", equalTo(newYear));
        given().get("/api/v1/jobs/team/new-year").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("error", equalTo(error))
                .body("specVersion", equalTo("lastValid"))
                .body("spec.schedule", equalTo("0 0 1 1 *"))
                .body("nextRuns[0].time", equalTo(newYear));

        // Only this ConfigMap's: the chart's own job runs in the same namespace and may have Events of its own.
        java.util.function.Supplier<List<Event>> teamEvents = () -> admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "team".equals(e.getInvolvedObject().getName()) && "InvalidJobSpec".equals(e.getReason())).toList();
        Await.until(() -> !teamEvents.get().isEmpty(), "the leader created the Event");
        List<Event> events = teamEvents.get();
        assertEquals(1, events.size(), "one Event for one broken edit: " + events);
        Event event = events.get(0);
        assertEquals("InvalidJobSpec", event.getReason());
        assertEquals("Warning", event.getType());
        assertEquals("ConfigMap", event.getInvolvedObject().getKind());
        assertEquals("team", event.getInvolvedObject().getName());
        assertEquals("data.new-year", event.getInvolvedObject().getFieldPath());
        assertEquals(error + " (the last valid version keeps running: at 00:00, on day 1 of the month, in January (Europe/Berlin))",
                event.getMessage());
        assertEquals(REPLICA, event.getReportingInstance());
    }

    static String job(String schedule) {
        return "schedule: \"" + schedule + "\"\ntimeZone: Europe/Berlin\nhttp: {url: \"http://127.0.0.1:9/new-year\"}\n";
    }
}
