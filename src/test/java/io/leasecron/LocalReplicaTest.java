package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpecParser;
import io.leasecron.observe.RunHistory;
import io.leasecron.testing.FakeClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole local-mode replicas on a folder of manifests, as on a laptop, driven by a fake clock: restarts, and the
 * replica's metrics as Prometheus scrapes them. Actions are recorded, not executed.
 */
class LocalReplicaTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path dir;
    final List<Fire> fires = new CopyOnWriteArrayList<>();
    /** Runs of jobs named in {@code held} stay open until the test completes them. */
    final Map<String, CompletableFuture<RunResult>> held = new ConcurrentHashMap<>();
    final List<Replica> replicas = new ArrayList<>();

    @AfterEach
    void close() {
        replicas.forEach(r -> r.shutdown(Duration.ZERO));
    }

    Replica start(FakeClock clock, EngineSettings settings, MeterRegistry registry) throws Exception {
        var parts = new Replica.Parts("laptop", clock, settings, 20, registry, (secrets, client, namespace) -> fire -> {
            fires.add(fire);
            CompletableFuture<RunResult> open = held.get(fire.spec().id().toString());
            return open != null ? open : CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
        }, Runnable::run, JobSpecParser.Options.DEFAULT);
        Replica r = Replica.local(parts, dir);
        replicas.add(r);
        r.start(false);
        return r;
    }

    void write(String file, String jobs) throws Exception {
        Files.writeString(dir.resolve(file), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + file.replace(".yaml", "")
                + "\n  labels: {leasecron.io/jobs: \"true\"}\ndata:\n" + jobs);
    }

    static String job(String key, String yaml) {
        return "  " + key + ": |\n" + yaml.lines().map(l -> "    " + l + "\n").reduce("", String::concat);
    }

    List<String> fired() {
        return fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList();
    }

    /** Local mode keeps no record across restarts: what was due before the start is not fired, once or again. */
    @Test
    void a_one_time_job_fires_once_through_re_registration_and_a_restart_of_a_local_replica() throws Exception {
        String migrate = job("migrate", "runAt: 2026-12-01T10:00:10Z\nhttp: {url: http://127.0.0.1:9/migrate}");
        write("once.yaml", migrate);
        FakeClock clock = new FakeClock(T0);
        Replica first = start(clock, EngineSettings.DEFAULTS, new SimpleMeterRegistry());
        clock.set(T0.plusSeconds(10));
        first.step();
        assertEquals(List.of("once/migrate@2026-12-01T10:00:10Z"), fired());

        clock.set(T0.plusSeconds(60)); // the file emptied and written again: the job is registered again
        write("once.yaml", job("other", "schedule: \"@daily\"\nhttp: {url: http://127.0.0.1:9/other}"));
        first.reloadJobs();
        write("once.yaml", migrate);
        first.reloadJobs();
        first.step();
        assertEquals(1, fires.size());
        assertEquals("skipped:already_fired", first.history().recent(JobId.parse("once/migrate")).get(0).outcome());
        first.shutdown(Duration.ZERO);

        FakeClock later = new FakeClock(T0.plus(Duration.ofHours(1)));
        Replica second = start(later, EngineSettings.DEFAULTS, new SimpleMeterRegistry());
        second.step();
        assertEquals(1, fires.size(), "the restarted replica does not fire it again");
        assertEquals(List.of(new RunHistory.Record(Instant.parse("2026-12-01T10:00:10Z"), "skipped:previous_leader", null, 0, 0,
                Duration.ZERO, "due at or before this replica started (2026-12-01T11:00:00Z); local mode keeps no record of what "
                        + "an earlier run fired, so it is not fired (it may have been)", false)),
                second.history().recent(JobId.parse("once/migrate")));

        // A runAt after the start is this replica's: past when the job appears, catchUp Latest fires it.
        later.set(T0.plus(Duration.ofMinutes(65)));
        write("late.yaml", job("report", "runAt: 2026-12-01T11:02:00Z\nhttp: {url: http://127.0.0.1:9/report}"));
        second.reloadJobs();
        second.step();
        assertEquals(List.of("once/migrate@2026-12-01T10:00:10Z", "late/report@2026-12-01T11:02:00Z"), fired());
    }

    /** {@code leasecron_queued_fires} and {@code leasecron_queue_wait_seconds}, as the replica's registry serves them. */
    @Test
    void fires_queued_for_the_concurrency_limit_are_counted_and_their_wait_is_measured() throws Exception {
        write("q.yaml", job("a", "schedule: \"@every 10s\"\nhttp: {url: http://127.0.0.1:9/a}")
                + job("b", "schedule: \"@every 10s\"\nhttp: {url: http://127.0.0.1:9/b}"));
        CompletableFuture<RunResult> a = new CompletableFuture<>();
        CompletableFuture<RunResult> b = new CompletableFuture<>();
        held.put("q/a", a);
        held.put("q/b", b);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FakeClock clock = new FakeClock(T0);
        Replica replica = start(clock, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait), registry);
        assertTrue(registry.scrape().contains("\nleasecron_queued_fires 0.0\n"), registry.scrape());
        assertTrue(registry.scrape().contains("\nleasecron_queue_wait_seconds_count 0.0\n"), registry.scrape());

        clock.set(T0.plusSeconds(10));
        replica.step();
        assertEquals(1, fires.size(), "one runs, the other waits for the limit of 1");
        String waiting = registry.scrape();
        assertTrue(waiting.contains("\nleasecron_queued_fires 1.0\n"), waiting);
        assertTrue(waiting.contains("\nleasecron_queue_wait_seconds_count 0.0\n"), "counted when it starts: " + waiting);

        clock.set(T0.plusSeconds(14));
        (fires.get(0).spec().id().name().equals("a") ? a : b).complete(new RunResult.Succeeded("done"));
        assertEquals(2, fires.size(), "the queued fire started when the permit freed");
        String started = registry.scrape();
        for (String line : List.of("leasecron_queued_fires 0.0", "leasecron_queue_wait_seconds_count 1.0",
                "leasecron_queue_wait_seconds_sum 4.0", "leasecron_queue_wait_seconds_bucket{le=\"1.0\",} 0.0",
                "leasecron_queue_wait_seconds_bucket{le=\"5.0\",} 1.0", "leasecron_queue_wait_seconds_bucket{le=\"+Inf\",} 1.0")) {
            assertTrue(started.contains("\n" + line + "\n"), line + " in\n" + started);
        }
    }

    /**
     * The per-job gauges operators page on, from a running local replica: next fire, pending slot, validity, last
     * success; a suspended job's slots are settled as they come due.
     */
    @Test
    void each_job_exports_its_next_fire_pending_slot_validity_and_last_success() throws Exception {
        write("m.yaml", job("tick", "schedule: \"@every 10s\"\nhttp: {url: http://127.0.0.1:9/tick}")
                + job("paused", "schedule: \"@every 10s\"\nsuspend: true\nhttp: {url: http://127.0.0.1:9/paused}")
                + job("broken", "schedule: \"61 * * * *\"\nhttp: {url: http://127.0.0.1:9/broken}"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        FakeClock clock = new FakeClock(T0);
        Replica replica = start(clock, EngineSettings.DEFAULTS, registry);
        double t0 = T0.getEpochSecond();
        Map<String, Double> expected = new java.util.TreeMap<>(Map.of(
                "leasecron_job_next_fire_timestamp_seconds{job_id=\"m/tick\"}", t0 + 10,
                "leasecron_job_next_fire_timestamp_seconds{job_id=\"m/paused\"}", t0 + 10,
                "leasecron_job_pending_slot_timestamp_seconds{job_id=\"m/tick\"}", t0 + 10,
                "leasecron_job_pending_slot_timestamp_seconds{job_id=\"m/paused\"}", t0 + 10,
                "leasecron_job_invalid{job_id=\"m/tick\"}", 0.0,
                "leasecron_job_invalid{job_id=\"m/paused\"}", 0.0,
                "leasecron_job_invalid{job_id=\"m/broken\"}", 1.0));
        assertEquals(expected, jobGauges(registry.scrape()), "an invalid job has no next fire, nothing has succeeded yet");

        clock.set(T0.plusSeconds(10));
        replica.step();
        assertEquals(List.of("m/tick@2026-12-01T10:00:10Z"), fired());
        expected.putAll(Map.of(
                "leasecron_job_next_fire_timestamp_seconds{job_id=\"m/tick\"}", t0 + 20,
                "leasecron_job_next_fire_timestamp_seconds{job_id=\"m/paused\"}", t0 + 20,
                "leasecron_job_pending_slot_timestamp_seconds{job_id=\"m/tick\"}", t0 + 20,
                "leasecron_job_pending_slot_timestamp_seconds{job_id=\"m/paused\"}", t0 + 20,
                "leasecron_job_last_success_timestamp_seconds{job_id=\"m/tick\"}", t0 + 10));
        assertEquals(expected, jobGauges(registry.scrape()));
    }

    /** The per-job gauges of a scrape, by series; the exposition's trailing comma in label sets dropped. */
    static Map<String, Double> jobGauges(String scrape) {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (String line : scrape.replace(",}", "}").split("\n")) {
            if (line.startsWith("leasecron_job_")) {
                out.put(line.substring(0, line.lastIndexOf(' ')), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return out;
    }
}
