package io.leasecron.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.LeaderGate;
import io.leasecron.engine.SkipReason;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * How the leader takes manual runs in, on one engine driven by a fake clock, with a gate that answers as the Lease's
 * record says: slots up to {@code dispatched} were started by an earlier term, slots up to {@code inherited} are
 * uncertain, later ones fire in this term. The store is memory; every write is immediate.
 */
class ManualRunsTest {
    static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    static final JobId NIGHTLY = new JobId("team", "nightly");

    final FakeClock clock = new FakeClock(T0.plusMillis(500));
    final MemoryControlStore store = new MemoryControlStore();
    final List<Fire> fires = new CopyOnWriteArrayList<>();
    /** The term this replica leads in; 0: it does not lead. */
    long term = 5;
    Instant dispatched;
    Instant inherited;
    final LeaderGate gate = slot -> {
        if (term == 0) {
            return new LeaderGate.Decision.Refused(SkipReason.NOT_LEADER, "not the leader");
        }
        if (dispatched != null && !slot.isAfter(dispatched)) {
            return new LeaderGate.Decision.Refused(SkipReason.PREVIOUS_LEADER, "started under an earlier term (dispatched through "
                    + dispatched + ")");
        }
        if (inherited != null && !slot.isAfter(inherited)) {
            return new LeaderGate.Decision.Uncertain(term, "claimed by the previous leader");
        }
        return new LeaderGate.Decision.Fire(term);
    };
    final Engine engine = new Engine(clock, gate, fire -> {
        fires.add(fire);
        return CompletableFuture.completedFuture(new RunResult.Succeeded("HTTP 200"));
    }, Runnable::run, "pod-a", EngineSettings.DEFAULTS, () -> 0.0);
    final ManualRuns runs = new ManualRuns(store, engine, clock, () -> term == 0 ? Optional.empty()
            : Optional.of(new ManualRuns.Term(term, inherited)), Duration.ofMinutes(10), Runnable::run);

    ManualRunsTest() {
        engine.addListener(runs);
        engine.upsert(Jobs.every("team/nightly", "@every 1s"));
        engine.upsert(Jobs.every("team/once", "0 0 1 1 *", "delivery: AtLeastOnce"));
    }

    /** The leader's turn, then the engine's. */
    void turn() {
        runs.reconcile();
        engine.tick();
    }

    RunRecord stored(String name) {
        return store.readRun(name).orElseThrow();
    }

    /** A run an earlier term (3) assigned to {@code slot} and never recorded as started. */
    RunRecord leftBehind(JobId job, Instant slot) {
        RunRecord r = runs.request(job, Optional.of(T0), "jane");
        assertTrue(store.replace(r.assigned(3, slot)));
        return stored(r.name());
    }

    @Test
    void a_due_request_fires_once_at_a_slot_of_its_own_and_records_its_start_and_outcome() {
        RunRecord r = runs.request(NIGHTLY, Optional.empty(), "jane");
        assertEquals("pending", r.state());
        turn();
        turn();
        RunRecord done = stored(r.name());
        assertEquals(T0.plusMillis(500), done.slot(), "now, to the millisecond");
        assertEquals(5, done.term());
        assertEquals("succeeded", done.outcome());
        assertEquals("pod-a", done.replica());
        assertEquals(List.of("team/nightly@" + T0.plusMillis(500) + " term 5"), fires.stream().map(ManualRunsTest::fire).toList());
    }

    @Test
    void a_slot_never_falls_on_the_schedule_nor_on_another_run_nor_before_the_inherited_claims() {
        clock.set(T0.plusSeconds(1)); // a slot of @every 1s
        RunRecord a = runs.request(NIGHTLY, Optional.empty(), "jane");
        runs.reconcile();
        assertEquals("pending", stored(a.name()).state(), "moved a millisecond on, it is not due yet");
        assertEquals(T0.plusMillis(1001), runs.wakeAt());
        clock.set(T0.plusMillis(1001));
        runs.reconcile();
        assertEquals(T0.plusMillis(1001), stored(a.name()).slot());
        RunRecord b = runs.request(NIGHTLY, Optional.empty(), "joe");
        runs.reconcile();
        assertEquals(T0.plusMillis(1002), runs.wakeAt(), "after the job's other run");
        clock.set(T0.plusMillis(1002));
        runs.reconcile();
        assertEquals(T0.plusMillis(1002), stored(b.name()).slot());

        inherited = T0.plusSeconds(3); // the predecessor claimed ahead of the clock
        term = 6;
        RunRecord c = runs.request(NIGHTLY, Optional.empty(), "jane");
        runs.reconcile();
        assertEquals("pending", stored(c.name()).state(), "its slot is not due yet");
        assertEquals(T0.plusMillis(3001), runs.wakeAt());
        clock.set(T0.plusMillis(3001));
        runs.reconcile();
        assertEquals(T0.plusMillis(3001), stored(c.name()).slot());
    }

    @Test
    void a_run_for_later_waits_for_its_time() {
        RunRecord r = runs.request(NIGHTLY, Optional.of(T0.plusSeconds(30)), "jane");
        turn();
        assertEquals("pending", stored(r.name()).state());
        assertEquals(T0.plusSeconds(30), runs.wakeAt());
        clock.set(T0.plusSeconds(30).plusMillis(7));
        turn();
        assertEquals(T0.plusSeconds(30).plusMillis(7), stored(r.name()).slot());
        assertEquals("succeeded", stored(r.name()).outcome());
    }

    @Test
    void a_run_an_earlier_term_assigned_after_the_inherited_claims_gets_a_new_slot_and_the_old_one_never_fires() {
        inherited = T0.plusMillis(100);
        RunRecord r = leftBehind(NIGHTLY, T0.plusMillis(200));
        turn();
        RunRecord done = stored(r.name());
        assertEquals(T0.plusMillis(500), done.slot());
        assertEquals(5, done.term());
        assertEquals(List.of("team/nightly@" + T0.plusMillis(500) + " term 5"), fires.stream().map(ManualRunsTest::fire).toList());
    }

    @Test
    void a_claimed_run_left_uncertain_follows_the_jobs_delivery_under_its_own_slot() {
        inherited = T0.plusMillis(300);
        RunRecord atMostOnce = leftBehind(NIGHTLY, T0.plusMillis(200));
        RunRecord atLeastOnce = leftBehind(new JobId("team", "once"), T0.plusMillis(250));
        turn();
        RunRecord skipped = stored(atMostOnce.name());
        assertEquals("skipped", skipped.outcome());
        assertTrue(skipped.detail().startsWith("uncertain: claimed by the previous leader"), skipped.detail());
        assertEquals(T0.plusMillis(200), skipped.slot(), "the slot is kept");
        RunRecord again = stored(atLeastOnce.name());
        assertEquals("succeeded", again.outcome());
        assertEquals(List.of("team/once@" + T0.plusMillis(250) + " term 5"), fires.stream().map(ManualRunsTest::fire).toList(),
                "fired again under its slot: the same Idempotency-Key");
    }

    @Test
    void a_run_an_earlier_term_started_without_recording_it_ends_unknown_and_is_not_fired_again() {
        inherited = T0.plusMillis(300);
        dispatched = T0.plusMillis(300);
        RunRecord r = leftBehind(NIGHTLY, T0.plusMillis(200));
        turn();
        RunRecord done = stored(r.name());
        assertEquals("unknown", done.outcome());
        assertTrue(done.detail().startsWith("started under an earlier term, whose replica did not record how it ended"), done.detail());
        assertEquals(List.of(), fires);
    }

    @Test
    void a_started_run_whose_replica_never_records_an_outcome_ends_unknown_after_the_jobs_longest_run() {
        RunRecord r = leftBehind(new JobId("team", "once"), T0.plusMillis(200));
        store.update(r.name(), RunRecord.started(T0.plusMillis(210), "pod-b"));
        Instant giveUp = T0.plusMillis(210).plus(Duration.ofMinutes(5)).plus(Duration.ofMinutes(1)); // timeout 5m, one attempt
        clock.set(giveUp.minusMillis(1));
        turn();
        assertEquals("running", stored(r.name()).state());
        assertEquals(giveUp, runs.wakeAt());
        clock.set(giveUp);
        turn();
        RunRecord done = stored(r.name());
        assertEquals("unknown", done.outcome());
        assertEquals("started on pod-b at " + T0.plusMillis(210) + ", which recorded no outcome within the job's longest run (5m,"
                + " timeouts and retries included); that replica stopped or lost the API server", done.detail());
        assertEquals(List.of(), fires.stream().filter(f -> f.spec().id().name().equals("once")).toList(), "not fired again");
    }

    @Test
    void a_follower_takes_nothing_in_and_a_deleted_job_ends_its_runs() {
        term = 0;
        RunRecord r = runs.request(NIGHTLY, Optional.empty(), "jane");
        turn();
        assertEquals("pending", stored(r.name()).state());
        engine.remove(NIGHTLY);
        term = 5;
        turn();
        RunRecord done = stored(r.name());
        assertEquals("skipped", done.outcome());
        assertEquals("job team/nightly is not registered: it was deleted, or its spec is invalid", done.detail());
        assertNull(done.slot());
    }

    @Test
    void an_ended_run_is_deleted_after_its_retention() {
        RunRecord r = runs.request(NIGHTLY, Optional.empty(), "jane");
        turn();
        Instant ended = stored(r.name()).finishedAt();
        clock.set(ended.plus(Duration.ofMinutes(10)).minusMillis(1));
        turn();
        assertTrue(store.readRun(r.name()).isPresent());
        assertEquals(ended.plus(Duration.ofMinutes(10)), runs.wakeAt());
        clock.set(ended.plus(Duration.ofMinutes(10)));
        turn();
        assertTrue(store.readRun(r.name()).isEmpty());
    }

    static String fire(Fire f) {
        return f.spec().id() + "@" + f.slot() + " term " + f.term();
    }

}
