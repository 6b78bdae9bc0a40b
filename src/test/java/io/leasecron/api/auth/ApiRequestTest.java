package io.leasecron.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.api.auth.ApiRequest.Mutation;
import io.leasecron.api.auth.ApiRequest.Read;
import io.leasecron.api.auth.ApiRequest.Unknown;
import io.leasecron.api.auth.ApiRequest.Verb;
import io.leasecron.job.JobId;
import org.junit.jupiter.api.Test;

class ApiRequestTest {
    static final String FORMS = "POST /api/v1/jobs/{configmap}/{key}:trigger (or :pause, :resume) and POST"
            + " /api/v1/jobs/{configmap}/{key}/runs";
    static final String NAMESPACED_FORMS = "POST /api/v1/jobs/{namespace}/{configmap}/{key}:trigger (or :pause, :resume) and"
            + " POST /api/v1/jobs/{namespace}/{configmap}/{key}/runs";

    static ApiRequest plain(String method, String path) {
        return ApiRequest.classify(method, path, false);
    }

    static ApiRequest namespaced(String method, String path) {
        return ApiRequest.classify(method, path, true);
    }

    @Test
    void each_action_on_an_unqualified_id_is_a_mutation_of_that_job_with_its_verb() {
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.trigger), plain("POST", "/api/v1/jobs/billing/nightly:trigger"));
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.pause), plain("POST", "/api/v1/jobs/billing/nightly:pause"));
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.resume), plain("post", "/api/v1/jobs/billing/nightly:resume"));
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.create), plain("POST", "/api/v1/jobs/billing/nightly/runs"));
    }

    @Test
    void each_action_on_a_namespaced_id_is_a_mutation_of_that_job_in_its_namespace() {
        JobId id = new JobId("team-a", "billing", "nightly");
        assertEquals(new Mutation(id, Verb.trigger), namespaced("POST", "/api/v1/jobs/team-a/billing/nightly:trigger"));
        assertEquals(new Mutation(id, Verb.pause), namespaced("POST", "/api/v1/jobs/team-a/billing/nightly:pause"));
        assertEquals(new Mutation(id, Verb.resume), namespaced("POST", "/api/v1/jobs/team-a/billing/nightly:resume"));
        assertEquals(new Mutation(id, Verb.create), namespaced("POST", "/api/v1/jobs/team-a/billing/nightly/runs"));
        Mutation m = (Mutation) namespaced("POST", "/api/v1/jobs/team-a/billing/nightly:trigger");
        assertEquals("billing/nightly", m.name());
        assertEquals("team-a", m.namespace("jobs"));
        assertEquals("jobs", ((Mutation) plain("POST", "/api/v1/jobs/billing/nightly:trigger")).namespace("jobs"));
    }

    @Test
    void keys_with_dots_dashes_and_underscores_are_ids_and_a_key_named_runs_is_one_too() {
        assertEquals(new Mutation(new JobId("a.b-c_d", "x.y-z_1"), Verb.trigger), plain("POST", "/api/v1/jobs/a.b-c_d/x.y-z_1:trigger"));
        assertEquals(new Mutation(new JobId("cm", "runs"), Verb.trigger), plain("POST", "/api/v1/jobs/cm/runs:trigger"));
        assertEquals(new Mutation(new JobId("cm", "runs"), Verb.create), plain("POST", "/api/v1/jobs/cm/runs/runs"));
    }

    @Test
    void an_encoded_colon_before_the_action_is_read_as_one() {
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.pause), plain("POST", "/api/v1/jobs/billing/nightly%3Apause"));
        assertEquals(new Mutation(new JobId("billing", "nightly"), Verb.resume), plain("POST", "/api/v1/jobs/billing/nightly%3aresume"));
    }

    @Test
    void reads_are_get_head_options_anywhere_and_the_preview() {
        assertEquals(new Read(), plain("GET", "/api/v1/jobs"));
        assertEquals(new Read(), plain("GET", "/api/v1/jobs/billing/nightly:trigger"));
        assertEquals(new Read(), plain("HEAD", "/api/v1/leader"));
        assertEquals(new Read(), plain("OPTIONS", "/api/v1/jobs/a/b/runs"));
        assertEquals(new Read(), plain("POST", "/api/v1/preview"));
        assertEquals(new ApiRequest.Outside(), plain("POST", "/q/openapi"));
        assertEquals(new ApiRequest.Outside(), plain("POST", "/api/v10/jobs/a/b:trigger"));
    }

    @Test
    void an_unknown_action_is_404_naming_the_actions() {
        assertEquals(new Unknown(404, "no action \"delete\" on jobs; the actions are :trigger, :pause and :resume"),
                plain("POST", "/api/v1/jobs/billing/nightly:delete"));
        assertEquals(new Unknown(404, "no action \"Trigger\" on jobs; the actions are :trigger, :pause and :resume"),
                plain("POST", "/api/v1/jobs/billing/nightly:Trigger"));
        assertEquals(new Unknown(404, "no action \"\" on jobs; the actions are :trigger, :pause and :resume"),
                plain("POST", "/api/v1/jobs/billing/nightly:"));
    }

    @Test
    void another_shape_of_post_under_jobs_is_404_naming_the_forms_of_the_id_mode() {
        for (String path : new String[] {"/api/v1/jobs", "/api/v1/jobs/", "/api/v1/jobs/billing", "/api/v1/jobs/billing/nightly",
                "/api/v1/jobs/billing/nightly/runs/x", "/api/v1/jobs/billing/nightly:trigger/", "/api/v1/jobs/billing/nightly/run",
                "/api/v1/jobs/billing//nightly:trigger"}) {
            ApiRequest r = plain("POST", path);
            if (path.equals("/api/v1/jobs")) {
                assertEquals(new Unknown(405, "method POST is not allowed on /api/v1/jobs; the API's changes are " + FORMS), r);
            } else {
                assertEquals(new Unknown(404, "no such action: POST " + path + "; the API's changes are " + FORMS), r, path);
            }
        }
        // With namespaced ids, the unqualified forms name no job (and the other way round).
        assertEquals(new Unknown(404, "no such action: POST /api/v1/jobs/billing/nightly:trigger; the API's changes are "
                + NAMESPACED_FORMS), namespaced("POST", "/api/v1/jobs/billing/nightly:trigger"));
        assertEquals(new Unknown(404, "no such action: POST /api/v1/jobs/a/billing/nightly:trigger; the API's changes are " + FORMS),
                plain("POST", "/api/v1/jobs/a/billing/nightly:trigger"));
    }

    @Test
    void other_methods_under_the_api_are_405() {
        assertEquals(new Unknown(405, "method DELETE is not allowed on /api/v1/jobs/billing/nightly; the API's changes are " + FORMS),
                plain("DELETE", "/api/v1/jobs/billing/nightly"));
        assertEquals(new Unknown(405, "method PUT is not allowed on /api/v1/leader; the API's changes are " + FORMS),
                plain("PUT", "/api/v1/leader"));
        assertEquals(new Unknown(405, "method PATCH is not allowed on /api/v1/jobs/billing/nightly:trigger; the API's changes are "
                + FORMS), plain("PATCH", "/api/v1/jobs/billing/nightly:trigger"));
        assertEquals(new Unknown(405, "method POST is not allowed on /api/v1/leader; the API's changes are " + FORMS),
                plain("POST", "/api/v1/leader"));
    }

    @Test
    void odd_characters_in_an_id_are_400_with_the_rule() {
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/bill%2Fing/x:trigger: ConfigMap name \"bill%2Fing\" must match"
                + " [-._a-zA-Z0-9]+"), plain("POST", "/api/v1/jobs/bill%2Fing/x:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/billing/a%3Ab:trigger: key \"a:b\" is not a valid ConfigMap"
                + " key: use only letters, digits, '-', '_' and '.' (e.g. \"a-b\")"), plain("POST", "/api/v1/jobs/billing/a%3Ab:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/billing/a%2Eb:trigger: key \"a%2Eb\" is not a valid ConfigMap"
                + " key: use only letters, digits, '-', '_' and '.' (e.g. \"a-2Eb\")"), plain("POST", "/api/v1/jobs/billing/a%2Eb:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/billing/a:b:trigger: key \"a:b\" is not a valid ConfigMap key:"
                + " use only letters, digits, '-', '_' and '.' (e.g. \"a-b\")"), plain("POST", "/api/v1/jobs/billing/a:b:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/billing/..x:trigger: key \"..x\" is not a valid ConfigMap key:"
                + " it must not be '.' or start with '..'"), plain("POST", "/api/v1/jobs/billing/..x:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/billing/:trigger: a job's key must not be empty"),
                plain("POST", "/api/v1/jobs/billing/:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs/Team/billing/x:trigger: namespace \"Team\" is not a Kubernetes"
                + " namespace name (lower-case letters, digits and '-', at most 63 characters)"),
                namespaced("POST", "/api/v1/jobs/Team/billing/x:trigger"));
        assertEquals(new Unknown(400, "not a job id in /api/v1/jobs//billing/x/runs: the namespace is empty"),
                namespaced("POST", "/api/v1/jobs//billing/x/runs"));
    }
}
