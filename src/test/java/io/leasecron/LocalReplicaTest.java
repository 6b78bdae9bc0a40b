package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpecParser;
import io.leasecron.observe.RunHistory;
import io.leasecron.testing.FakeClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * Whole local-mode replicas on a folder of manifests, as on a laptop, driven by a fake clock. Actions are recorded,
 * not executed.
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
}
