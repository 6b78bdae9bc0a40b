package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.testing.Await;
import io.leasecron.testing.LocalJobsDirectory;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Trigger, ad-hoc runs, pause and resume over real HTTP, in local mode (the store is memory; the rules are the same). */
@QuarkusTest
@QuarkusTestResource(LocalJobsDirectory.class)
class ControlApiTest {

    /** A request with the local-mode token of the test profile (LEASECRON_API_TOKEN). */
    static io.restassured.specification.RequestSpecification as() {
        return given().auth().oauth2("test-token");
    }

    static JsonPath run(String name) {
        return given().get("/api/v1/runs/" + name).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitEnded(String name) {
        Await.until(() -> run(name).getString("outcome") != null, "run " + name + " ended");
        return run(name);
    }

    @Test
    void a_trigger_is_stored_at_once_and_runs_once_under_a_slot_of_its_own() {
        JsonPath asked = as().post("/api/v1/jobs/seed/ping:trigger").then().statusCode(202)
                .header("Location", containsString("/api/v1/runs/leasecron-run-"))
                .body("job", equalTo("seed/ping")).body("state", equalTo("pending")).body("slot", nullValue())
                .extract().jsonPath();
        String name = asked.getString("name");
        JsonPath ended = awaitEnded(name);
        assertEquals("succeeded", ended.getString("outcome"));
        assertEquals("succeeded", ended.getString("state"));
        Instant slot = Instant.parse(ended.getString("slot"));
        assertTrue(slot.getNano() != 0, "not one of the job's whole-second slots: " + slot);
        assertEquals(io.leasecron.execution.Fire.idempotencyKey("seed/ping", slot), ended.getString("idempotencyKey"));
        List<String> slots = given().get("/api/v1/jobs/seed/ping/runs").then().statusCode(200).extract().jsonPath().getList("slot");
        assertEquals(1, slots.stream().filter(slot.toString()::equals).count(), "one run of the slot in " + slots);
        assertTrue(given().get("/api/v1/runs?job=seed/ping").then().statusCode(200).extract().jsonPath().getList("runs.name")
                .contains(name));
    }

    @Test
    void a_run_asked_for_a_later_time_waits_for_it() {
        Instant at = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        String name = as().contentType("application/json").body("{\"runAt\": \"" + at + "\"}").post("/api/v1/jobs/seed/ping/runs")
                .then().statusCode(202).body("runAt", equalTo(at.toString())).body("state", equalTo("pending"))
                .extract().jsonPath().getString("name");
        JsonPath ended = awaitEnded(name);
        assertEquals("succeeded", ended.getString("outcome"));
        assertFalse(Instant.parse(ended.getString("startedAt")).isBefore(at), "started at " + ended.getString("startedAt") + ", asked for " + at);
    }

    @Test
    void bad_requests_get_400_404_and_409_with_what_to_do() {
        as().contentType("application/json").body("{\"runAt\": \"tomorrow\"}").post("/api/v1/jobs/seed/ping/runs").then().statusCode(400)
                .body("message", equalTo("runAt \"tomorrow\" is not an RFC 3339 time; write e.g. 2026-12-24T18:00:00Z or 2026-12-24T19:00:00+01:00"));
        as().post("/api/v1/jobs/seed/nope:trigger").then().statusCode(404).body("status", equalTo(404))
                .body("message", startsWith("no job seed/nope; job ids are <configmap>/<key>"));
        as().post("/api/v1/jobs/seed/broken:trigger").then().statusCode(409)
                .body("message", equalTo("job seed/broken has no valid spec to run: seed/broken: unknown field \"timezone\"; did you mean"
                        + " \"timeZone\"?; fix its ConfigMap first"));
        as().post("/api/v1/jobs/seed/ping:resume").then().statusCode(409).body("message", equalTo("job seed/ping is not paused"));
        given().get("/api/v1/runs/leasecron-run-none").then().statusCode(404).body("message", startsWith("no run leasecron-run-none;"));
    }

    @Test
    void a_paused_job_skips_its_slots_until_it_is_resumed() {
        try {
            as().post("/api/v1/jobs/seed/ping:pause").then().statusCode(200).body("job", equalTo("seed/ping"))
                    .body("paused", equalTo(true)).body("pausedBy", equalTo("api-token"));
            given().get("/api/v1/jobs/seed/ping").then().statusCode(200).body("paused", equalTo(true))
                    .body("pausedBy", equalTo("api-token"));
            Await.until(() -> given().get("/api/v1/jobs").then().extract().jsonPath().getBoolean("jobs.find { it.id == 'seed/ping' }.paused"),
                    "the list shows the pause");
            as().post("/api/v1/jobs/seed/ping:pause").then().statusCode(409)
                    .body("message", containsString("job seed/ping is already paused (by api-token since "));
            Await.until(() -> given().get("/api/v1/jobs/seed/ping/runs").then().extract().jsonPath().getList("detail", String.class)
                    .stream().anyMatch(d -> d != null && d.startsWith("job is paused (by api-token since ")), "a slot skipped as paused");
        } finally {
            as().post("/api/v1/jobs/seed/ping:resume");
        }
        as().post("/api/v1/jobs/seed/ping:resume").then().statusCode(409);
        given().get("/api/v1/jobs/seed/ping").then().statusCode(200).body("paused", equalTo(false)).body("pausedBy", nullValue());
        Instant resumed = Instant.now();
        Await.until(() -> given().get("/api/v1/jobs/seed/ping/runs").then().extract().jsonPath().getList("", java.util.Map.class).stream()
                .anyMatch(r -> "succeeded".equals(r.get("outcome")) && Instant.parse((String) r.get("slot")).isAfter(resumed)),
                "a slot fired after the resume");
    }
}
