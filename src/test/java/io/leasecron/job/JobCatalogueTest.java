package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JobCatalogueTest {
    final io.leasecron.testing.RecordingSink sink = new io.leasecron.testing.RecordingSink();
    final List<String> calls = sink.calls;
    final List<JobCatalogue.Rejection> rejections = new ArrayList<>();
    final JobCatalogue catalogue = new JobCatalogue(sink);

    {
        catalogue.onRejection(rejections::add);
    }

    static String job(String schedule) {
        return "schedule: \"" + schedule + "\"\nhttp: {url: http://127.0.0.1:9/x}\n";
    }

    @Test
    void valid_keys_are_scheduled_and_invalid_ones_are_listed_with_their_problems() {
        catalogue.apply("team", Map.of("good", job("@every 1m"), "bad", job("61 * * * *")));
        assertEquals(List.of("upsert team/good @every 1m"), calls);
        JobCatalogue.Entry bad = catalogue.entry(JobId.parse("team/bad")).orElseThrow();
        assertFalse(bad.valid());
        assertTrue(bad.active().isEmpty());
        assertEquals("team/bad: schedule \"61 * * * *\": minute 61 is out of range 0-59", bad.error().orElseThrow());
        assertEquals(1, rejections.size());
        assertFalse(rejections.get(0).keptPrevious());
    }

    @Test
    void a_broken_edit_keeps_the_last_valid_spec_scheduled() {
        catalogue.apply("team", Map.of("job", job("@every 1m")));
        catalogue.apply("team", Map.of("job", job("61 * * * *")));
        assertEquals(List.of("upsert team/job @every 1m"), calls, "the engine is not touched by a broken edit");
        JobCatalogue.Entry e = catalogue.entry(JobId.parse("team/job")).orElseThrow();
        assertEquals("@every 1m", e.active().orElseThrow().scheduleText());
        assertFalse(e.valid());
        assertTrue(rejections.get(0).keptPrevious());
        catalogue.apply("team", Map.of("job", job("@every 2m")));
        assertTrue(catalogue.entry(JobId.parse("team/job")).orElseThrow().valid());
        assertEquals("upsert team/job @every 2m", calls.get(1));
    }

    /**
     * A check's problems make a new or edited spec invalid (a broken edit keeps the last valid version, as any other);
     * the check sees only specs that parse and whose text changed; an empty answer schedules the spec.
     */
    @Test
    void a_spec_check_refuses_new_and_edited_specs_and_is_asked_only_about_changed_ones() {
        List<String> checked = new ArrayList<>();
        JobCatalogue checking = new JobCatalogue(sink, JobSpecParser.Options.DEFAULT, spec -> {
            checked.add(spec.id() + " " + spec.scheduleText());
            return spec.scheduleText().equals("@every 3m") ? List.of("the server refuses it") : List.of();
        });
        checking.onRejection(rejections::add);
        checking.apply("team", new TreeMap<>(Map.of("a", job("@every 1m"), "b", job("@every 3m"), "c", job("61 * * * *"))));
        assertEquals(List.of("upsert team/a @every 1m"), calls);
        assertEquals("team/b: the server refuses it", checking.entry(JobId.parse("team/b")).orElseThrow().error().orElseThrow());
        checking.apply("team", new TreeMap<>(Map.of("a", job("@every 3m"), "b", job("@every 3m"), "c", job("61 * * * *"))));
        assertEquals(List.of("upsert team/a @every 1m"), calls, "a broken edit leaves the engine alone");
        JobCatalogue.Entry a = checking.entry(JobId.parse("team/a")).orElseThrow();
        assertEquals(List.of("the server refuses it"), a.problems());
        assertEquals("@every 1m", a.active().orElseThrow().scheduleText());
        assertEquals(List.of("team/a @every 1m", "team/b @every 3m", "team/a @every 3m"), checked,
                "only specs that parse, and only when their text changed");
        assertEquals(List.of("team/b", "team/c", "team/a"), rejections.stream().map(r -> r.id().toString()).toList());
    }

    @Test
    void an_unchanged_snapshot_touches_nothing() {
        catalogue.apply("team", Map.of("a", job("@every 1m"), "b", job("@every 2m")));
        calls.clear();
        catalogue.apply("team", Map.of("a", job("@every 1m"), "b", job("@every 2m")));
        assertEquals(List.of(), calls);
    }

    @Test
    void a_key_or_a_source_that_disappears_is_unscheduled() {
        catalogue.apply("team", Map.of("a", job("@every 1m"), "b", job("@every 2m"), "bad", job("61 * * * *")));
        calls.clear();
        catalogue.apply("team", Map.of("a", job("@every 1m")));
        assertEquals(List.of("remove team/b"), calls);
        catalogue.removeSource("team");
        assertEquals(List.of("remove team/b", "remove team/a"), calls);
        assertEquals(0, catalogue.size());
    }

    @Test
    void a_key_that_is_not_a_valid_config_map_key_is_listed_with_its_error_never_scheduled_and_disturbs_no_other() {
        catalogue.apply("team", Map.of("ok", job("@every 1m"), "no/slash", job("@every 1m")));
        assertEquals(List.of("upsert team/ok @every 1m"), calls);
        assertEquals(2, catalogue.size());
        JobCatalogue.Entry bad = catalogue.entry(new JobId("team", "no/slash")).orElseThrow();
        assertEquals(java.util.Optional.of("team/no/slash: key \"no/slash\" is not a valid ConfigMap key: use only letters,"
                + " digits, '-', '_' and '.' (e.g. \"no-slash\")"), bad.error());
        assertEquals(java.util.Optional.empty(), bad.active());
    }
}
