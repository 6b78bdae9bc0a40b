package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.leasecron.schedule.Occurrence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What users copy: every job in the YAML examples of docs/job-spec.md and in examples/, through the real parser with
 * shell actions enabled (as under {@code quarkus:dev}).
 */
class DocumentedExamplesTest {
    static final JobSpecParser.Options SHELL = new JobSpecParser.Options(true);
    static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

    /**
     * Every job of every {@code yaml} block, by job id: a block is either a whole ConfigMap or some of its data keys
     * (indented as under {@code data:}).
     */
    static Map<String, JobSpec> documentedJobs(Path markdown) throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        Map<String, JobSpec> jobs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(Files.readString(markdown));
        int blocks = 0;
        while (m.find()) {
            blocks++;
            String block = m.group(1);
            JsonNode doc = yaml.readTree(block.startsWith("apiVersion:") ? block : "data:\n" + block);
            String source = doc.path("metadata").path("name").asText("docs");
            JsonNode data = doc.path("data");
            assertTrue(data.isObject() && data.size() > 0, "block " + blocks + " holds no job:\n" + block);
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) data::fields) {
                try {
                    jobs.put(e.getKey(), JobSpecParser.parse(new JobId(source, e.getKey()), e.getValue().asText(), SHELL));
                } catch (InvalidJobSpecException ex) {
                    problems.add(ex.getMessage());
                }
            }
        }
        assertEquals(List.of(), problems, markdown + " documents invalid jobs");
        return jobs;
    }

    static List<Instant> runs(JobSpec spec, String after, int count) {
        return spec.schedule().next(Instant.parse(after), count).stream().map(Occurrence::time).toList();
    }

    @Test
    void every_job_in_the_job_spec_examples_is_valid_and_does_what_the_text_says() throws Exception {
        Map<String, JobSpec> jobs = documentedJobs(Path.of("docs/job-spec.md"));
        assertEquals(List.of("nightly-invoices", "nightly-export", "vacuum", "prune-exports", "standup-reminder", "queue-drain",
                "hourly-rollup", "migrate-2026-12", "invoice-export", "sync-catalogue", "charge-subscriptions", "month-end-close",
                "legacy-rotate", "hourly-at-five-past", "weekly-digest"), List.copyOf(jobs.keySet()));

        Retry capped = jobs.get("sync-catalogue").retry();
        assertEquals(List.of(Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(4),
                Duration.ofMinutes(5)), List.of(capped.delayBefore(2), capped.delayBefore(3), capped.delayBefore(4),
                capped.delayBefore(5), capped.delayBefore(6)));
        HttpAction charge = (HttpAction) jobs.get("charge-subscriptions").action();
        assertEquals(Delivery.AtLeastOnce, jobs.get("charge-subscriptions").delivery());
        assertEquals(Map.of("Content-Type", "application/json"), charge.headers());
        assertEquals(Map.of("Authorization", new SecretRef("payments-api", "bearer-token")), charge.secretHeaders());
        assertEquals("{\"plan\": \"monthly\", \"dryRun\": false}", charge.body());
        assertEquals(List.of(Instant.parse("2026-02-28T23:00:00Z"), Instant.parse("2026-03-31T22:00:00Z")),
                runs(jobs.get("month-end-close"), "2026-02-01T00:00:00Z", 2), "18:00 New York, last day of the month");
        assertEquals(List.of(Instant.parse("2026-11-01T05:30:00Z"), Instant.parse("2026-11-01T06:30:00Z")),
                runs(jobs.get("legacy-rotate"), "2026-11-01T00:00:00Z", 2), "01:30 EDT, then 01:30 EST");
        assertEquals(List.of(Instant.parse("2026-12-01T10:05:00Z"), Instant.parse("2026-12-01T11:05:00Z")),
                runs(jobs.get("hourly-at-five-past"), "2026-12-01T10:00:00Z", 2));
        assertTrue(jobs.get("weekly-digest").suspend());
        assertEquals("/var/lib/exports", ((ShellAction) jobs.get("prune-exports").action()).workingDir());
        KubernetesJobAction export = (KubernetesJobAction) jobs.get("nightly-export").action();
        assertEquals(List.of(3, 2), List.of(export.successfulJobsHistoryLimit(), export.failedJobsHistoryLimit()));
        assertFalse(jobs.get("migrate-2026-12").runAt().isEmpty());
    }

    /** Every folder under examples/ holding manifests, as local mode reads one; its Secrets answer its jobs' references. */
    @Test
    void every_manifest_in_examples_loads_with_no_invalid_job_and_every_secret_reference_resolves() throws Exception {
        List<Path> folders;
        try (var walk = Files.walk(Path.of("examples"))) {
            folders = walk.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).map(Path::getParent)
                    .distinct().sorted().toList();
        }
        assertEquals(List.of(Path.of("examples"), Path.of("examples/kubernetes")), folders);
        Map<String, JobSpec> scheduled = new TreeMap<>();
        List<String> unresolved = new ArrayList<>();
        for (Path folder : folders) {
            JobCatalogue catalogue = new JobCatalogue(new JobCatalogue.Sink() {
                @Override
                public void upsert(JobSpec spec) {
                    scheduled.put(spec.id().toString(), spec);
                }

                @Override
                public void remove(JobId id) {
                    scheduled.remove(id.toString());
                }
            }, SHELL);
            DirectoryJobSource source = new DirectoryJobSource(folder, catalogue);
            source.rescan();
            assertEquals(Map.of(), catalogue.sourceProblems(), folder + ": files that could not be read");
            assertEquals(List.of(), catalogue.entries().stream().flatMap(e -> e.error().stream()).toList(), folder + ": invalid jobs");
            for (JobCatalogue.Entry e : catalogue.entries()) {
                List<SecretRef> refs = new ArrayList<>();
                if (e.active().orElseThrow().action() instanceof HttpAction h) {
                    refs.addAll(h.secretHeaders().values());
                } else if (e.active().orElseThrow().action() instanceof ShellAction sh) {
                    refs.addAll(sh.secretEnv().values());
                }
                for (SecretRef ref : refs) {
                    try {
                        source.secrets().value(e.id(), ref);
                    } catch (SecretResolver.SecretUnavailableException ex) {
                        unresolved.add(e.id() + ": " + ex.getMessage());
                    }
                }
            }
        }
        assertEquals(List.of(), unresolved, "Secret references without a Secret manifest beside them");
        assertEquals(List.of("actions/authorized-call", "actions/disk-report", "hello/heartbeat", "hello/nightly-report",
                "hello/preview-berlin", "reports/nightly"), List.copyOf(scheduled.keySet()));
        assertEquals(Set.of(HttpAction.class, ShellAction.class, KubernetesJobAction.class),
                scheduled.values().stream().map(j -> j.action().getClass()).collect(Collectors.toSet()), "every action has an example");
    }
}
