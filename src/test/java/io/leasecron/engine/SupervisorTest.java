package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobSpec;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Run supervision alone, stepped by hand: slots are admitted as if the gate had let them fire, dispatch tasks wait
 * in a list until the test runs them, and time moves only when the test says so.
 */
class SupervisorTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    final RecordingListener events = new RecordingListener();
    final List<Runnable> tasks = new ArrayList<>();
    final List<CompletableFuture<RunResult>> results = new ArrayList<>();
    final List<Fire> fires = new ArrayList<>();
    final JobTable jobs = new JobTable(new SlotPlanner(EngineSettings.DEFAULTS),
            new Progress(slot -> LeaderGate.Decision.PENDING), new AtomicLong());
    final Supervisor supervisor;

    SupervisorTest() {
        Listeners listeners = new Listeners();
        listeners.add(events);
        LeaderGate gate = slot -> new LeaderGate.Decision.Fire(7);
        supervisor = new Supervisor(clock, gate, fire -> {
            fires.add(fire);
            CompletableFuture<RunResult> f = new CompletableFuture<>();
            results.add(f);
            return f;
        }, tasks::add, "replica-a", EngineSettings.DEFAULTS, () -> 0.0, jobs,
                new Limiter(EngineSettings.DEFAULTS), new Progress(gate), listeners, () -> { });
    }

    static Instant t(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    Candidate admit(JobSpec spec, Instant slot) {
        Registration reg = new Registration();
        reg.spec = spec;
        Candidate c = new Candidate(reg, spec, reg.generation, slot);
        clock.set(slot);
        supervisor.admit(c, 7, slot);
        return c;
    }

    void runTasks() {
        while (!tasks.isEmpty()) {
            tasks.remove(0).run();
        }
    }

    @Test
    void an_admitted_attempt_starts_only_when_the_dispatch_executor_runs_it() {
        admit(Jobs.every("a/job", "@every 1m"), t("PT1M"));
        assertEquals(List.of(), fires);
        assertEquals(1, supervisor.runningCount(), "in progress from admission: its timeout counts");
        runTasks();
        assertEquals(1, fires.size());
        results.get(0).complete(new RunResult.Succeeded("ok"));
        assertEquals(List.of("a/job@" + t("PT1M") + ":FiredExecution", "a/job@" + t("PT1M") + ":SucceededExecution"),
                events.lines());
        assertEquals(0, supervisor.runningCount());
    }

    @Test
    void a_timeout_is_applied_when_time_is_taken_past_it_and_the_retry_when_it_is_due() {
        Candidate c = admit(Jobs.every("a/job", "@every 1h", "timeout: 10s", "retry: {attempts: 2, backoff: 5s}"), t("PT1H"));
        runTasks();
        supervisor.expire(t("PT1H9S"));
        assertEquals(1, supervisor.runningCount());
        supervisor.expire(t("PT1H10S"));
        assertTrue(results.get(0).isCancelled());
        assertEquals(t("PT1H15S"), supervisor.nextTime(), "the retry, 5 s after the timeout");
        supervisor.dueRetries(t("PT1H14S"));
        runTasks();
        assertEquals(1, fires.size());
        supervisor.dueRetries(t("PT1H15S"));
        runTasks();
        assertEquals(List.of(1, 2), fires.stream().map(Fire::attempt).toList());
        assertEquals(c.slot, fires.get(1).slot());
    }

    @Test
    void forbid_skips_while_a_run_of_the_job_is_in_progress_and_replace_cancels_it() {
        Candidate first = admit(Jobs.every("a/forbid", "@every 1m", "concurrencyPolicy: Forbid"), t("PT1M"));
        supervisor.admit(new Candidate(first.reg, first.spec, first.generation, t("PT2M")), 7, t("PT2M"));
        assertEquals("a/forbid@" + t("PT2M") + ":SkippedExecution(concurrency)", events.lines().get(0));

        Candidate old = admit(Jobs.every("a/replace", "@every 1m", "concurrencyPolicy: Replace"), t("PT1M"));
        runTasks();
        supervisor.admit(new Candidate(old.reg, old.spec, old.generation, t("PT2M")), 7, t("PT2M"));
        assertTrue(results.get(results.size() - 1).isCancelled());
        assertEquals("a/replace@" + t("PT1M") + ":FailedExecution", events.lines().get(events.lines().size() - 1));
    }
}
