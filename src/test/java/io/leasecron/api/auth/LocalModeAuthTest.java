package io.leasecron.api.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.testing.LocalJobsDirectory;
import io.leasecron.testing.LogCapture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter in the running service, local mode with {@code LEASECRON_API_TOKEN=test-token} (the test profile's): reads
 * stay open, a change without that token is refused with 401 naming the setting, one with it is let through as caller
 * {@code api-token}, a request the API does not know is refused before it is matched, and each change is audited once.
 */
@QuarkusTest
@QuarkusTestResource(LocalJobsDirectory.class)
class LocalModeAuthTest {
    final List<String> audit = new CopyOnWriteArrayList<>();
    LogCapture capture;

    @BeforeEach
    void listen() {
        capture = LogCapture.into(AuditLog.CATEGORY, audit);
    }

    @AfterEach
    void stop() {
        capture.close();
    }

    /** Paths are sent as written, as curl sends them (RestAssured would encode the ':' and the '%'). */
    @Test
    void a_change_needs_the_configured_token_and_each_is_audited_once() {
        given().urlEncodingEnabled(false).post("/api/v1/jobs/seed/ping:pause").then().statusCode(401).contentType(ContentType.JSON)
                .header("WWW-Authenticate", "Bearer realm=\"leasecron\"")
                .body("status", equalTo(401))
                .body("message", equalTo("send the value of LEASECRON_API_TOKEN as Authorization: Bearer <token>"));
        given().urlEncodingEnabled(false).header("Authorization", "Bearer test-tokeN").post("/api/v1/jobs/seed/ping/runs").then()
                .statusCode(401).body("message", equalTo("the bearer token is not the value of LEASECRON_API_TOKEN"));
        given().urlEncodingEnabled(false).header("Authorization", "Basic dGVzdDp0ZXN0").post("/api/v1/jobs/seed/ping:pause").then()
                .statusCode(401).body("message", equalTo("the Authorization header must be Bearer <token>, not Basic"));
        // Let through: what answers is the endpoint (or, without one, resource matching), never the filter.
        int status = given().urlEncodingEnabled(false).header("Authorization", "Bearer test-token")
                .post("/api/v1/jobs/nosuch/job:pause").statusCode();
        assertEquals(false, java.util.Set.of(401, 403, 503).contains(status), "let through: " + status);
        assertEquals(4, audit.size(), audit.toString());
        assertEquals("caller=\"-\" verb=pause job=\"seed/ping\" namespace=\"\" request=\"POST /api/v1/jobs/seed/ping:pause\""
                + " outcome=401 message=\"send the value of LEASECRON_API_TOKEN as Authorization: Bearer <token>\"", audit.get(0));
        assertEquals("caller=\"-\" verb=create job=\"seed/ping\" namespace=\"\" request=\"POST /api/v1/jobs/seed/ping/runs\""
                + " outcome=401 message=\"the bearer token is not the value of LEASECRON_API_TOKEN\"", audit.get(1));
        assertEquals(true, audit.get(3).startsWith("caller=\"api-token\" verb=pause job=\"nosuch/job\" namespace=\"\""
                + " request=\"POST /api/v1/jobs/nosuch/job:pause\" outcome=" + status), audit.get(3));
    }

    @Test
    void reads_stay_open() {
        given().urlEncodingEnabled(false).get("/api/v1/jobs/seed/ping").then().statusCode(200).body("id", equalTo("seed/ping"));
        given().urlEncodingEnabled(false).contentType(ContentType.JSON).body("{\"schedule\": \"@hourly\", \"count\": 1}").post("/api/v1/preview").then()
                .statusCode(200);
        assertEquals(List.of(), audit);
    }

    @Test
    void a_request_the_api_does_not_know_is_refused_before_matching() {
        given().urlEncodingEnabled(false).post("/api/v1/jobs/seed/ping:delete").then().statusCode(404)
                .body("message", equalTo("no action \"delete\" on jobs; the actions are :trigger, :pause and :resume"));
        given().urlEncodingEnabled(false).delete("/api/v1/jobs/seed/ping").then().statusCode(405)
                .body("message", equalTo("method DELETE is not allowed on /api/v1/jobs/seed/ping; the API's changes are POST"
                        + " /api/v1/jobs/{configmap}/{key}:trigger (or :pause, :resume) and POST /api/v1/jobs/{configmap}/{key}/runs"));
        given().urlEncodingEnabled(false).post("/api/v1/jobs/seed%2Fping/x:trigger").then().statusCode(400)
                .body("message", equalTo("not a job id in /api/v1/jobs/seed%2Fping/x:trigger: ConfigMap name \"seed%2Fping\" must match"
                        + " [-._a-zA-Z0-9]+"));
        assertEquals(3, audit.size(), audit.toString());
        assertEquals("caller=\"-\" verb=- job=\"-\" namespace=\"-\" request=\"DELETE /api/v1/jobs/seed/ping\" outcome=405 message=\"method"
                + " DELETE is not allowed on /api/v1/jobs/seed/ping; the API's changes are POST /api/v1/jobs/{configmap}/{key}:trigger"
                + " (or :pause, :resume) and POST /api/v1/jobs/{configmap}/{key}/runs\"", audit.get(1));
    }
}
