package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryJobSourceTest {
    @TempDir
    Path dir;

    final io.leasecron.testing.RecordingSink sink = new io.leasecron.testing.RecordingSink();
    final List<String> calls = sink.calls;
    final JobCatalogue catalogue = new JobCatalogue(sink);

    static String configMap(String name, String labels, String... jobs) {
        StringBuilder b = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n" + labels + "data:\n");
        for (int i = 0; i < jobs.length; i += 2) {
            b.append("  ").append(jobs[i]).append(": |\n    schedule: \"").append(jobs[i + 1])
                    .append("\"\n    http: {url: \"http://127.0.0.1:9/x\"}\n");
        }
        return b.toString();
    }

    static final String LABELLED = "  labels:\n    leasecron.io/jobs: \"true\"\n";

    @Test
    void reads_labelled_config_maps_from_every_document_of_every_yaml_file() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), configMap("alpha", LABELLED, "one", "@every 1m") + "---\n"
                + configMap("beta", LABELLED, "two", "@every 2m") + "---\n"
                + configMap("gamma", "", "three", "@every 3m") + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
        Files.writeString(dir.resolve("b.yml"), configMap("delta", LABELLED, "four", "@every 4m"));
        Files.writeString(dir.resolve("notes.txt"), "not a manifest");
        DirectoryJobSource source = new DirectoryJobSource(dir, catalogue);
        source.rescan();
        assertEquals(List.of("alpha/one", "beta/two", "delta/four"),
                catalogue.entries().stream().map(e -> e.id().toString()).toList());
        assertTrue(source.loaded());
    }

    @Test
    void a_deleted_file_unschedules_its_jobs_and_an_unreadable_one_keeps_them() throws Exception {
        Path a = dir.resolve("a.yaml");
        Path b = dir.resolve("b.yaml");
        Files.writeString(a, configMap("alpha", LABELLED, "one", "@every 1m"));
        Files.writeString(b, configMap("beta", LABELLED, "two", "@every 2m"));
        DirectoryJobSource source = new DirectoryJobSource(dir, catalogue);
        source.rescan();
        Files.writeString(a, "kind: ConfigMap\nmetadata: {name: alpha\n");
        source.rescan();
        assertEquals(2, catalogue.size(), "a half-written file keeps its jobs");
        assertTrue(catalogue.sourceProblems().get("a.yaml").startsWith("cannot read a.yaml: "));
        Files.delete(b);
        source.rescan();
        assertEquals(List.of("alpha/one"), catalogue.entries().stream().map(e -> e.id().toString()).toList());
        assertTrue(calls.contains("remove beta/two"));
    }

    @Test
    void a_file_emptied_by_a_writer_that_has_not_written_yet_keeps_its_jobs() throws Exception {
        Path a = dir.resolve("a.yaml");
        Files.writeString(a, configMap("alpha", LABELLED, "one", "@every 1m"));
        DirectoryJobSource source = new DirectoryJobSource(dir, catalogue);
        source.rescan();
        Files.write(a, new byte[0]); // what the first half of a shell redirect or an in-place save leaves
        source.rescan();
        assertEquals(List.of("alpha/one"), catalogue.entries().stream().map(e -> e.id().toString()).toList());
        assertEquals("a.yaml is empty; the jobs it held keep running until it has content again or is deleted",
                catalogue.sourceProblems().get("a.yaml"));
        assertFalse(calls.contains("remove alpha/one"));
        Files.writeString(a, configMap("alpha", LABELLED, "one", "@every 5m"));
        source.rescan();
        assertEquals(null, catalogue.sourceProblems().get("a.yaml"));
        Files.delete(a);
        source.rescan();
        assertEquals(List.of(), catalogue.entries());
        assertTrue(calls.contains("remove alpha/one"));
    }

    @Test
    void the_same_config_map_in_two_files_is_reported_and_the_first_one_is_used() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), configMap("alpha", LABELLED, "one", "@every 1m"));
        Files.writeString(dir.resolve("b.yaml"), configMap("alpha", LABELLED, "other", "@every 2m"));
        new DirectoryJobSource(dir, catalogue).rescan();
        assertEquals(List.of("alpha/one"), catalogue.entries().stream().map(e -> e.id().toString()).toList());
        assertEquals("ConfigMap alpha is defined in both a.yaml and b.yaml; only the first is used, rename one",
                catalogue.sourceProblems().get("alpha"));
    }

    @Test
    void a_key_that_is_not_a_config_map_key_is_listed_with_its_error_and_never_scheduled() throws Exception {
        String tooLong = "k".repeat(254);
        Files.writeString(dir.resolve("a.yaml"), configMap("alpha", LABELLED, "\"nightly invoices\"", "@every 1m", "ok", "@every 2m",
                "..hidden", "@every 3m", tooLong, "@every 4m", "broken/too", "61 * * * *"));
        new DirectoryJobSource(dir, catalogue).rescan();

        assertEquals(List.of("upsert alpha/ok @every 2m"), calls, "only the valid key is scheduled");
        assertEquals(List.of("alpha/..hidden", "alpha/broken/too", "alpha/" + tooLong, "alpha/nightly invoices", "alpha/ok"),
                catalogue.entries().stream().map(e -> e.id().toString()).toList());
        java.util.Map<String, String> errors = new java.util.TreeMap<>();
        catalogue.entries().forEach(e -> e.error().ifPresent(m -> errors.put(e.id().name(), m)));
        assertEquals(java.util.Map.of(
                "nightly invoices", "alpha/nightly invoices: key \"nightly invoices\" is not a valid ConfigMap key: use only"
                        + " letters, digits, '-', '_' and '.' (e.g. \"nightly-invoices\")",
                "..hidden", "alpha/..hidden: key \"..hidden\" is not a valid ConfigMap key: it must not be '.' or start with '..'",
                tooLong, "alpha/" + tooLong + ": key \"" + "k".repeat(40) + "...\" is 254 characters long, longer than a"
                        + " ConfigMap key may be (253); shorten it",
                // The key's problem comes first, then those of its text: every fix at once.
                "broken/too", "alpha/broken/too: key \"broken/too\" is not a valid ConfigMap key: use only letters, digits,"
                        + " '-', '_' and '.' (e.g. \"broken-too\"); alpha/broken/too: schedule \"61 * * * *\": minute 61 is out"
                        + " of range 0-59"),
                errors);
        assertTrue(catalogue.entries().stream().filter(e -> !e.valid()).allMatch(e -> e.active().isEmpty()));
        assertEquals(java.util.Map.of(), catalogue.sourceProblems());
    }

    @Test
    void a_config_map_name_that_cannot_be_one_and_an_empty_key_are_reported_on_the_file() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), configMap("bad name", LABELLED, "one", "@every 1m") + "---\n"
                + configMap("alpha", LABELLED, "\"\"", "@every 1m", "two", "@every 2m"));
        new DirectoryJobSource(dir, catalogue).rescan();
        assertEquals(List.of("alpha/two"), catalogue.entries().stream().map(e -> e.id().toString()).toList());
        assertEquals(java.util.Map.of(
                "a.yaml", "ConfigMap name \"bad name\" must match [-._a-zA-Z0-9]+ (a Kubernetes object name); its jobs are not"
                        + " loaded, rename it",
                "alpha", "a.yaml: a data key is empty; give the job a name"), catalogue.sourceProblems());
    }

    @Test
    void a_missing_folder_fails_at_start_with_what_to_set() {
        DirectoryJobSource source = new DirectoryJobSource(dir.resolve("nope"), catalogue);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, source::start);
        assertEquals("jobs directory " + dir.resolve("nope").toAbsolutePath()
                + " does not exist; set LEASECRON_JOBS_DIR to a folder of ConfigMap YAML files", e.getMessage());
    }

    @Test
    void a_change_on_disk_is_applied_by_the_watcher() throws Exception {
        CountDownLatch applied = new CountDownLatch(1);
        JobCatalogue watched = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                if (spec.id().toString().equals("alpha/later")) {
                    applied.countDown();
                }
            }

            @Override
            public void remove(JobId id) {
            }
        });
        try (DirectoryJobSource source = new DirectoryJobSource(dir, watched)) {
            source.start();
            Files.writeString(dir.resolve("a.yaml"), configMap("alpha", LABELLED, "later", "@every 1m"));
            assertTrue(applied.await(10, TimeUnit.SECONDS), "the watcher applied the new file");
        }
    }
}
