package io.leasecron.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.Lifecycle;
import io.leasecron.testing.Await;
import io.leasecron.testing.LocalJobsDirectory;
import io.leasecron.testing.Management;
import io.leasecron.testing.MetricsCatalogue;
import io.leasecron.testing.RecordingTarget;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The running service in local mode: REST, probes and metrics, over real HTTP. */
@QuarkusTest
@QuarkusTestResource(LocalJobsDirectory.class)
class ApiTest {

    @Inject
    Lifecycle lifecycle;

    /** The OpenAPI document, on the API port, names every path of the API and what each answers. */
    @Test
    void the_openapi_document_describes_every_path_of_the_api() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        assertEquals("leasecron API", doc.getString("info.title"));
        assertEquals(new TreeSet<>(Set.of("/api/v1/jobs", "/api/v1/jobs/{source}/{name}", "/api/v1/jobs/{source}/{name}/runs",
                "/api/v1/jobs/{namespace}/{source}/{name}", "/api/v1/jobs/{namespace}/{source}/{name}/runs", "/api/v1/leader",
                "/api/v1/preview", "/api/v1/runs", "/api/v1/runs/{run}")), new TreeSet<>(doc.getMap("paths").keySet()));
        assertNotNull(doc.get("paths.'/api/v1/jobs/{source}/{name}'.post"), ":trigger, :pause and :resume are POSTs on the job");
        assertNotNull(doc.get("paths.'/api/v1/jobs/{source}/{name}/runs'.post"), "a run at a time is a POST on the job's runs");
        for (String path : List.of("/api/v1/jobs/{source}/{name}", "/api/v1/jobs/{namespace}/{source}/{name}/runs")) {
            assertTrue(doc.getMap("paths.'" + path + "'.post.responses").keySet().containsAll(Set.of("202", "400", "401", "403", "404",
                    "409", "503")), path + ": every answer, errors included: " + doc.getMap("paths.'" + path + "'.post.responses").keySet());
        }
        assertNotNull(doc.get("paths.'/api/v1/preview'.post"), "the preview is a POST");
    }

    @Test
    void lists_every_job_with_its_next_run_or_its_error() {
        JsonPath list = given().get("/api/v1/jobs").then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
        assertEquals(List.of("seed/broken", "seed/ping"), list.getList("jobs.id"));
        assertEquals("seed/broken: unknown field \"timezone\"; did you mean \"timeZone\"?", list.getString("jobs[0].error"));
        assertEquals(false, list.getBoolean("jobs[0].valid"));
        assertEquals(null, list.getString("jobs[0].nextRun"));
        assertNotNull(list.getString("jobs[1].nextRun"));
        assertEquals("every second, aligned to the Unix epoch", list.getString("jobs[1].scheduleDescription"));
        assertEquals(null, list.getString("jobs[0].scheduleDescription"));
    }

    @Test
    void a_job_shows_its_spec_next_runs_and_recent_runs() {
        given().queryParam("count", 3).get("/api/v1/jobs/seed/ping").then().statusCode(200)
                .body("id", equalTo("seed/ping"))
                .body("valid", equalTo(true))
                .body("spec.schedule", equalTo("@every 1s"))
                .body("scheduleDescription", equalTo("every second, aligned to the Unix epoch"))
                .body("spec.timeZone", equalTo("UTC"))
                .body("spec.http.method", equalTo("GET"))
                .body("nextRuns", hasSize(3))
                .body("recentRuns", notNullValue());
    }

    @Test
    void an_invalid_job_shows_its_problems_and_no_next_runs() {
        given().get("/api/v1/jobs/seed/broken").then().statusCode(200)
                .body("valid", equalTo(false))
                .body("specVersion", equalTo("none"))
                .body("problems", equalTo(List.of("unknown field \"timezone\"; did you mean \"timeZone\"?")))
                .body("nextRuns", hasSize(0));
    }

    @Test
    void an_unknown_job_is_a_json_404_that_says_what_ids_look_like() {
        given().get("/api/v1/jobs/seed/nope").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", equalTo("no job seed/nope; job ids are <configmap>/<key>, or <namespace>/<configmap>/<key> when LEASECRON_NAMESPACES is set; GET /api/v1/jobs lists them"));
        given().get("/api/v1/nothing-here").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", containsString("/api/v1"));
        given().queryParam("count", 0).get("/api/v1/jobs/seed/ping").then().statusCode(400)
                .body("message", equalTo("count 0 is out of range; use 1 to 100"));
    }

    @Test
    void a_job_written_to_the_source_is_readable_with_its_next_run_as_soon_as_the_reload_returns() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("fresh.yaml");
        try {
            for (int i = 0; i < 20; i++) {
                Files.writeString(file, manifest("fresh", "job-" + i, "@every " + (i + 1) + "m"));
                lifecycle.reloadJobs();
                given().get("/api/v1/jobs/fresh/job-" + i).then().statusCode(200)
                        .body("spec.schedule", equalTo("@every " + (i + 1) + "m"))
                        .body("nextRuns", hasSize(5));
            }
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
        given().get("/api/v1/jobs/fresh/job-19").then().statusCode(404);
    }

    @Test
    void a_listed_job_always_has_a_next_run_while_its_source_is_being_edited() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("churn.yaml");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; !stop.get() && i < 500; i++) {
                    Files.writeString(file, manifest("churn", "job-" + (i % 7), "@every " + (i % 5 + 1) + "m"));
                    lifecycle.reloadJobs();
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        try {
            int seen = 0;
            for (int i = 0; i < 200; i++) {
                List<Map<String, Object>> jobs = given().get("/api/v1/jobs").then().statusCode(200).extract().jsonPath().getList("jobs");
                for (Map<String, Object> job : jobs) {
                    if (Boolean.TRUE.equals(job.get("valid"))) {
                        assertNotNull(job.get("nextRun"), "listed without a next run: " + job);
                        seen += String.valueOf(job.get("id")).startsWith("churn/") ? 1 : 0;
                    }
                }
            }
            assertTrue(seen > 0, "the edited jobs were observed");
        } finally {
            stop.set(true);
            writer.join();
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
        assertEquals(null, writerFailure.get());
    }

    @Test
    void a_broken_edit_keeps_the_last_valid_version_scheduled_and_reports_the_error() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("edit.yaml");
        try {
            Files.writeString(file, manifest("edit", "job", "@every 5m"));
            lifecycle.reloadJobs();
            Files.writeString(file, manifest("edit", "job", "61 * * * *"));
            lifecycle.reloadJobs();
            given().get("/api/v1/jobs/edit/job").then().statusCode(200)
                    .body("valid", equalTo(false))
                    .body("specVersion", equalTo("lastValid"))
                    .body("spec.schedule", equalTo("@every 5m"))
                    .body("error", equalTo("edit/job: schedule \"61 * * * *\": minute 61 is out of range 0-59"))
                    .body("nextRuns", hasSize(5));
            Files.writeString(file, "kind: ConfigMap\nmetadata: {name: edit\n");
            lifecycle.reloadJobs();
            JsonPath list = given().get("/api/v1/jobs").then().statusCode(200).extract().jsonPath();
            assertTrue(list.getString("sourceErrors.'edit.yaml'").startsWith("cannot read edit.yaml: "), list.prettify());
            given().get("/api/v1/jobs/edit/job").then().statusCode(200).body("spec.schedule", equalTo("@every 5m"));
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
    }

    @Test
    void a_key_that_is_not_a_config_map_key_is_listed_with_its_error_like_other_invalid_jobs() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("keys.yaml");
        String error = "keys/nightly invoices: key \"nightly invoices\" is not a valid ConfigMap key: use only letters, digits,"
                + " '-', '_' and '.' (e.g. \"nightly-invoices\")";
        try {
            Files.writeString(file, manifest("keys", "\"nightly invoices\"", "@every 5m"));
            lifecycle.reloadJobs();
            JsonPath list = given().get("/api/v1/jobs").then().statusCode(200).extract().jsonPath();
            String job = "jobs.find { it.id == 'keys/nightly invoices' }";
            assertEquals(false, list.getBoolean(job + ".valid"), list.prettify());
            assertEquals(error, list.getString(job + ".error"));
            assertEquals(null, list.getString(job + ".nextRun"));
            assertEquals(null, list.getString(job + ".schedule"), "never scheduled, so no spec to show");
            given().get("/api/v1/jobs/keys/nightly invoices").then().statusCode(200)
                    .body("valid", equalTo(false))
                    .body("specVersion", equalTo("none"))
                    .body("problems", equalTo(List.of("key \"nightly invoices\" is not a valid ConfigMap key: use only letters,"
                            + " digits, '-', '_' and '.' (e.g. \"nightly-invoices\")")))
                    .body("nextRuns", hasSize(0));
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
    }

    /**
     * A credential in a job's URL: the target gets the query as written, the API shows it masked in the spec and in
     * the run history (here the target echoes it); a URL with user-info is listed invalid, its password nowhere.
     */
    @Test
    void a_credential_in_a_job_url_is_masked_in_the_api_while_the_target_gets_it_and_user_info_is_refused() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("creds.yaml");
        try (RecordingTarget target = new RecordingTarget()) {
            target.reply(r -> new RecordingTarget.Reply(403, "refused " + r.path() + "?" + r.query(), null));
            Files.writeString(file, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: creds
                      labels:
                        leasecron.io/jobs: "true"
                    data:
                      keyed: |
                        schedule: "@every 1s"
                        http: {url: "%s", method: GET}
                      userinfo: |
                        schedule: "@every 1m"
                        http: {url: "https://deploy:hunter2@billing.example/hooks"}
                    """.formatted(target.url("/export?api_key=abc123&x=1")));
            lifecycle.reloadJobs();
            RecordingTarget.Request request = target.take();
            assertEquals("/export", request.path());
            assertEquals("api_key=abc123&x=1", request.query(), "the target gets the real query");

            String masked = target.url("/export?api_key=***&x=1");
            Await.until(() -> !given().get("/api/v1/jobs/creds/keyed/runs").then().extract().jsonPath().getList("$").isEmpty(),
                    "creds/keyed has run");
            String detail = given().get("/api/v1/jobs/creds/keyed").then().statusCode(200)
                    .body("spec.http.url", equalTo(masked))
                    .body("recentRuns[0].outcome", equalTo("failed"))
                    .body("recentRuns[0].detail", equalTo("HTTP 403, expected 2xx: refused /export?api_key=***&x=1"))
                    .extract().asString();
            String runs = given().get("/api/v1/jobs/creds/keyed/runs").then().statusCode(200)
                    .body("[0].detail", equalTo("HTTP 403, expected 2xx: refused /export?api_key=***&x=1"))
                    .extract().asString();

            String problem = "http.url \"https://***@billing.example/hooks\" has credentials before the host (user-info, masked"
                    + " here as ***); remove them from the URL and send them in a header from a Secret, e.g. headers:"
                    + " {Authorization: {valueFrom: {secretKeyRef: {name: my-secret, key: authorization}}}} with the Secret's"
                    + " value \"Basic <base64 of user:password>\"";
            String invalid = given().get("/api/v1/jobs/creds/userinfo").then().statusCode(200)
                    .body("valid", equalTo(false))
                    .body("specVersion", equalTo("none"))
                    .body("problems", equalTo(List.of(problem)))
                    .body("error", equalTo("creds/userinfo: " + problem))
                    .body("nextRuns", hasSize(0))
                    .extract().asString();
            String list = given().get("/api/v1/jobs").then().statusCode(200).extract().asString();
            for (String shown : List.of(detail, runs, invalid, list)) {
                assertTrue(!shown.contains("abc123") && !shown.contains("hunter2"), "a credential leaked: " + shown);
            }
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
    }

    @Test
    void preview_returns_next_runs_or_a_precise_400() {
        given().contentType(ContentType.JSON).body(Map.of("schedule", "@every 90s", "from", "2026-01-01T00:00:00Z", "count", 2))
                .post("/api/v1/preview").then().statusCode(200)
                .body("scheduleDescription", equalTo("every 1 minute 30 seconds, aligned to the Unix epoch"))
                .body("nextRuns.time", equalTo(List.of("2026-01-01T00:00:00.000Z", "2026-01-01T00:01:30.000Z")))
                .body("nextRuns[0].clockChange", nullValue());
        given().contentType(ContentType.JSON).body(Map.of("schedule", "61 * * * *"))
                .post("/api/v1/preview").then().statusCode(400)
                .body("message", equalTo("schedule \"61 * * * *\": minute 61 is out of range 0-59"));
        given().contentType(ContentType.JSON).body(Map.of("schedule", "@every 1m", "timeZone", "Mars/Base"))
                .post("/api/v1/preview").then().statusCode(400)
                .body("message", containsString("timeZone \"Mars/Base\" is not a known IANA time zone"));
        given().contentType(ContentType.JSON).body(Map.of("schedule", "@every 1m", "count", 5000))
                .post("/api/v1/preview").then().statusCode(400)
                .body("message", equalTo("count 5000 is out of range; use 1 to 1000"));
        given().contentType(ContentType.JSON).body("{\"schedule\": ")
                .post("/api/v1/preview").then().statusCode(400).contentType(ContentType.JSON)
                .body("message", containsString("request body is not valid JSON"));
        given().contentType(ContentType.JSON).body("{}")
                .post("/api/v1/preview").then().statusCode(400)
                .body("message", containsString("schedule is required"));
    }

    @Test
    void preview_says_why_a_schedule_has_no_run_instead_of_an_empty_list() {
        given().contentType(ContentType.JSON).body(Map.of("schedule", "0 0 0 1 1 ? 2099", "cronType", "quartz",
                "from", "2026-12-08T00:00:00Z", "count", 2))
                .post("/api/v1/preview").then().statusCode(200)
                .body("nextRuns.time", equalTo(List.of("2099-01-01T00:00:00.000Z")))
                .body("note", equalTo("no run after 2099-01-01T00:00:00Z: the last year the year field allows is 2099"));
        given().contentType(ContentType.JSON).body(Map.of("schedule", "0 0 0 1 1 ? 2150", "cronType", "quartz",
                "from", "2026-12-08T00:00:00Z"))
                .post("/api/v1/preview").then().statusCode(200)
                .body("nextRuns", hasSize(0))
                .body("note", equalTo("no run within the search horizon of 100 years after 2026-12-08T00:00:00Z"
                        + " (until 2126-12-08T00:00:00Z): the year field's next year is 2150"));
        given().contentType(ContentType.JSON).body(Map.of("schedule", "@every 1h", "from", "2026-12-08T00:00:00Z", "count", 1))
                .post("/api/v1/preview").then().statusCode(200)
                .body("note", nullValue());
    }

    @Test
    void a_job_whose_schedule_has_no_run_left_says_why() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("ended.yaml");
        try {
            Files.writeString(file, manifest("ended", "job", "0 0 0 1 1 ? 2019-2020").replace("schedule:", "cronType: quartz\n    schedule:"));
            lifecycle.reloadJobs();
            given().get("/api/v1/jobs/ended/job").then().statusCode(200)
                    .body("valid", equalTo(true))
                    .body("nextRuns", hasSize(0))
                    .body("nextRunsNote", startsWith("no run after "))
                    .body("nextRunsNote", endsWith(": the last year the year field allows is 2020"));
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
    }

    @Test
    void preview_marks_runs_that_a_clock_change_moved() {
        given().contentType(ContentType.JSON).body(Map.of("schedule", "30 2 * * *", "timeZone", "America/New_York",
                "from", "2026-03-07T12:00:00Z", "count", 2))
                .post("/api/v1/preview").then().statusCode(200)
                .body("scheduleDescription", equalTo("at 02:30, every day (America/New_York)"))
                .body("nextRuns.time", equalTo(List.of("2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z")))
                .body("nextRuns[0].clockChange", containsString("does not exist"))
                .body("nextRuns[1].clockChange", nullValue());
    }

    @Test
    void leader_in_local_mode_is_this_replica() {
        given().get("/api/v1/leader").then().statusCode(200)
                .body("isLeader", equalTo(true))
                .body("mode", equalTo("local"))
                .body("term", equalTo(1));
    }

    @Test
    void probes_and_metrics_are_on_the_management_port_with_the_series_of_real_fires() {
        Management.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        // A real fire of the running service, not the scheduler under test.
        Await.until(() -> scrape().contains("leasecron_fires_total{job_id=\"seed/ping\",outcome=\"succeeded\"} "), "seed/ping fired");
        String metrics = scrape();
        assertTrue(metrics.contains("leasecron_fire_lateness_seconds_bucket{job_id=\"seed/ping\",le=\"0.005\"}"), metrics);
        assertTrue(metrics.contains("leasecron_run_duration_seconds_count{job_id=\"seed/ping\",outcome=\"succeeded\"}"), metrics);
        assertTrue(metrics.contains("leasecron_jobs{state=\"invalid\"} 1.0"), metrics);
        assertTrue(metrics.contains("leasecron_job_invalid{job_id=\"seed/broken\"} 1.0"), metrics);
        given().get("/api/v1/jobs/seed/ping").then().body("recentRuns[0].outcome", equalTo("succeeded"))
                .body("recentRuns[0].replica", notNullValue());

        // The API port serves the API only.
        given().get("/q/metrics").then().statusCode(404);
        given().get("/q/health/ready").then().statusCode(404);
    }

    /**
     * docs/metrics.md lists exactly what the service exports in local mode: scraped once it has fired, succeeded,
     * failed and skipped, so that every series of events is there.
     */
    @Test
    void every_metric_exported_is_documented_in_docs_metrics_md_and_every_documented_one_is_exported() throws Exception {
        Path file = LocalJobsDirectory.directory().resolve("outcomes.yaml");
        try {
            Files.writeString(file, """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: outcomes
                      labels:
                        leasecron.io/jobs: "true"
                    data:
                      refused: |
                        schedule: "@every 1s"
                        http: {url: "http://127.0.0.1:9/refused"}
                      paused: |
                        schedule: "@every 1s"
                        suspend: true
                        http: {url: "http://127.0.0.1:9/paused"}
                    """);
            lifecycle.reloadJobs();
            Await.until(() -> {
                String m = scrape();
                return MetricsCatalogue.value(m, "leasecron_fires_total{job_id=\"seed/ping\",outcome=\"succeeded\"}") >= 1
                        && MetricsCatalogue.value(m, "leasecron_fires_total{job_id=\"outcomes/refused\",outcome=\"failed\"}") >= 1
                        && MetricsCatalogue.value(m, "leasecron_skipped_fires_total{job_id=\"outcomes/paused\",reason=\"suspended\"}") >= 1;
            }, "a success, a failure and a skip were counted");
            Set<String> exported = MetricsCatalogue.families(scrape());

            Set<String> undocumented = new TreeSet<>();
            for (String family : exported) {
                boolean documented = family.startsWith("leasecron_") ? MetricsCatalogue.documented("local").contains(family)
                        : MetricsCatalogue.documentedPrefixes().stream().anyMatch(family::startsWith);
                if (!documented) {
                    undocumented.add(family);
                }
            }
            assertEquals(Set.of(), undocumented, "exported, not in docs/metrics.md");
            Set<String> missing = new TreeSet<>(MetricsCatalogue.documented("local"));
            missing.removeAll(exported);
            assertEquals(Set.of(), missing, "in docs/metrics.md for local mode, not exported");
        } finally {
            Files.deleteIfExists(file);
            lifecycle.reloadJobs();
        }
    }

    static String scrape() {
        return Management.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** {@code /runs}: the run history of a job, newest first, each run with every field; the seed job fires every second. */
    @Test
    void runs_lists_a_jobs_recent_runs_newest_first_with_every_field() {
        String self = given().get("/api/v1/leader").then().statusCode(200).extract().jsonPath().getString("self");
        Await.until(() -> given().get("/api/v1/jobs/seed/ping/runs").then().statusCode(200).extract().jsonPath()
                .getList("$").size() >= 2, "seed/ping has run twice"); // real fires of the running service
        JsonPath runs = given().get("/api/v1/jobs/seed/ping/runs").then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath();
        List<Map<String, Object>> all = runs.getList("$");
        assertTrue(all.size() >= 2 && all.size() <= 20, "bounded by leasecron.history.runs-per-job (20): " + all.size());
        List<java.time.Instant> slots = all.stream().map(r -> java.time.Instant.parse((String) r.get("slot"))).toList();
        for (int i = 1; i < slots.size(); i++) {
            assertTrue(slots.get(i).isBefore(slots.get(i - 1)), "newest first: " + slots);
        }
        // The newest that ran (a loaded machine may have reported a slot as missed since).
        Map<String, Object> newest = all.stream().filter(r -> !String.valueOf(r.get("outcome")).startsWith("skipped:")).findFirst()
                .orElseThrow();
        assertTrue(((String) newest.get("slot")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z"), newest.toString());
        assertEquals(Map.of("outcome", "succeeded", "replica", self, "term", 1, "attempt", 1, "detail", "HTTP 200",
                "willRetry", false), Map.of("outcome", newest.get("outcome"), "replica", newest.get("replica"), "term",
                newest.get("term"), "attempt", newest.get("attempt"), "detail", newest.get("detail"), "willRetry",
                newest.get("willRetry")));
        assertTrue(((Number) newest.get("durationMs")).longValue() >= 0, newest.toString());
        assertEquals(new java.util.TreeSet<>(List.of("slot", "outcome", "replica", "term", "attempt", "durationMs", "detail",
                "willRetry")), new java.util.TreeSet<>(newest.keySet()));

        given().get("/api/v1/jobs/seed/broken/runs").then().statusCode(200).body("$", hasSize(0));
        given().get("/api/v1/jobs/seed/nope/runs").then().statusCode(404).contentType(ContentType.JSON)
                .body("message", equalTo("no job seed/nope; job ids are <configmap>/<key>, or <namespace>/<configmap>/<key> when LEASECRON_NAMESPACES is set; GET /api/v1/jobs lists them"));
    }

    static String manifest(String name, String key, String schedule) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  labels:
                    leasecron.io/jobs: "true"
                data:
                  %s: |
                    schedule: "%s"
                    http: {url: "http://127.0.0.1:9/unused"}
                """.formatted(name, key, schedule);
    }
}
