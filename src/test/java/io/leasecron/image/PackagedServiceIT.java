package io.leasecron.image;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.leasecron.testing.Await;
import io.leasecron.testing.LocalJobsDirectory;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged artifact, started by Quarkus as a separate process in its production configuration: the JVM
 * application after {@code ./mvnw verify}, the native executable after {@code ./mvnw verify -Dnative}. Each JSON view
 * of the API is written at least once and the request body read, so that in a native executable a class missing from
 * the reflection configuration shows up as a failed request here.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(LocalJobsDirectory.class)
class PackagedServiceIT {

    @Test
    void lists_jobs_and_shows_one_with_its_next_and_recent_runs() {
        given().get("/api/v1/jobs").then().statusCode(200).contentType(ContentType.JSON)
                .body("jobs.id", equalTo(List.of("seed/broken", "seed/ping")))
                .body("jobs[0].error", equalTo("seed/broken: unknown field \"timezone\"; did you mean \"timeZone\"?"))
                .body("jobs[1].nextRun", notNullValue());
        Await.until(() -> !given().get("/api/v1/jobs/seed/ping/runs").then().statusCode(200).extract().jsonPath()
                .getList("").isEmpty(), "seed/ping has fired once");
        given().queryParam("count", 2).get("/api/v1/jobs/seed/ping").then().statusCode(200)
                .body("spec.schedule", equalTo("@every 1s"))
                .body("spec.http.method", equalTo("GET"))
                .body("nextRuns", hasSize(2))
                .body("nextRuns[0].clockChange", nullValue())
                .body("recentRuns[0].replica", notNullValue())
                .body("recentRuns[0].attempt", equalTo(1));
    }

    @Test
    void reads_a_preview_request_and_writes_the_runs_a_clock_change_moved() {
        given().contentType(ContentType.JSON).body(Map.of("schedule", "30 2 * * *", "timeZone", "America/New_York",
                "from", "2026-03-07T12:00:00Z", "count", 2))
                .post("/api/v1/preview").then().statusCode(200)
                .body("timeZone", equalTo("America/New_York"))
                .body("dstPolicy", equalTo("RunOnce"))
                .body("nextRuns.time", equalTo(List.of("2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z")))
                .body("nextRuns[0].clockChange", containsString("does not exist"));
    }

    @Test
    void errors_are_json_with_a_message() {
        given().contentType(ContentType.JSON).body(Map.of("schedule", "61 * * * *"))
                .post("/api/v1/preview").then().statusCode(400).contentType(ContentType.JSON)
                .body("status", equalTo(400))
                .body("message", equalTo("schedule \"61 * * * *\": minute 61 is out of range 0-59"));
        given().contentType(ContentType.JSON).body("{\"schedule\": ")
                .post("/api/v1/preview").then().statusCode(400)
                .body("message", containsString("request body is not valid JSON"));
        given().get("/api/v1/jobs/seed/nope").then().statusCode(404)
                .body("message", equalTo("no job seed/nope; job ids are <configmap>/<key>, or <namespace>/<configmap>/<key> when LEASECRON_NAMESPACES is set; GET /api/v1/jobs lists them"));
    }

    @Test
    void shows_the_leader_in_local_mode() {
        given().get("/api/v1/leader").then().statusCode(200)
                .body("mode", equalTo("local"))
                .body("isLeader", equalTo(true))
                .body("term", equalTo(1))
                .body("holderIdentity", notNullValue());
    }
}
