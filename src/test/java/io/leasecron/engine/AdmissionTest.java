package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.engine.LeaderGate.Decision;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Admission alone, one pass at a time: a scripted gate that lets slots fire only up to what it has claimed, and
 * records every claim requested and every progress report.
 */
class AdmissionTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    final RecordingListener events = new RecordingListener();
    final List<Instant> claims = new ArrayList<>();
    final List<Runnable> resolvers = new ArrayList<>();
    final List<Instant> progress = new ArrayList<>();
    final List<String> fired = new ArrayList<>();
    final AtomicInteger wakes = new AtomicInteger();
    Instant claimed = T0;
    long term = 7;

    final LeaderGate gate = new LeaderGate() {
        @Override
        public Decision authorise(Instant slot) {
            return slot.isAfter(claimed) ? Decision.PENDING : new Decision.Fire(term);
        }

        @Override
        public void requestClaim(Instant through, Runnable resolved) {
            claims.add(through);
            resolvers.add(resolved);
        }

        @Override
        public void dispatched(Instant through) {
            progress.add(through);
        }
    };
    final Admission admission;
    final Progress tracker = new Progress(gate);
    final JobTable jobs = new JobTable(new SlotPlanner(EngineSettings.DEFAULTS), tracker, new AtomicLong());

    AdmissionTest() {
        Listeners listeners = new Listeners();
        listeners.add(events);
        Supervisor supervisor = new Supervisor(clock, gate, fire -> {
            fired.add(fire.spec().id() + "@" + fire.slot());
            return CompletableFuture.completedFuture(new RunResult.Succeeded("ok"));
        }, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0, jobs, new Limiter(EngineSettings.DEFAULTS),
                tracker, listeners, () -> { });
        admission = new Admission(gate, jobs, supervisor, tracker, listeners, new AtomicLong(), wakes::incrementAndGet);
    }

    static Instant t(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    Candidate candidate(JobSpec spec, Instant slot) {
        Registration reg = new Registration();
        reg.spec = spec;
        tracker.planned(slot);
        return new Candidate(reg, spec, reg.generation, slot);
    }

    @Test
    void slots_wait_for_one_claim_of_the_whole_batch_and_fire_once_it_resolves() {
        Candidate a = candidate(Jobs.every("a/one", "@every 10s"), t("PT10S"));
        Candidate b = candidate(Jobs.every("a/two", "@every 20s"), t("PT20S"));
        Admission.Pass pass = admission.pass(t("PT20S"), false);
        pass.offer(a);
        pass.offer(b);
        pass.finish();
        tracker.passEnded(t("PT20S"));
        assertEquals(List.of(t("PT20S")), claims, "one claim, for the latest slot of the batch");
        assertEquals(List.of(), fired);
        assertEquals(List.of(), progress);

        claimed = t("PT20S");
        resolvers.get(0).run();
        assertEquals(1, wakes.get(), "a resolved claim wakes the timer");
        Admission.Pass next = admission.pass(t("PT20.1S"), false);
        admission.takePending().forEach(next::offer);
        next.finish();
        tracker.passEnded(t("PT20.1S"));
        assertEquals(List.of("a/one@" + t("PT10S"), "a/two@" + t("PT20S")), fired);
        assertEquals(List.of(t("PT10S"), t("PT20S")), progress, "10 s as soon as it started, 20 s once the pass ended");
    }

    @Test
    void a_slot_planned_twice_is_decided_once_per_term() {
        JobSpec spec = Jobs.every("a/one", "@every 10s");
        Candidate first = candidate(spec, t("PT10S"));
        Candidate second = new Candidate(first.reg, spec, first.generation, t("PT10S")); // planned again, elsewhere
        tracker.planned(t("PT10S"));
        Admission.Pass pass = admission.pass(t("PT10S"), false);
        pass.offer(first);
        pass.finish();
        Admission.Pass next = admission.pass(t("PT10.1S"), false);
        next.offer(second); // offered while the first copy waits for its claim: not a second candidate
        next.finish();
        claimed = t("PT10S");
        Admission.Pass third = admission.pass(t("PT10.2S"), false);
        admission.takePending().forEach(third::offer);
        third.offer(new Candidate(first.reg, spec, first.generation, t("PT10S"))); // and again, once it has fired
        third.finish();
        assertEquals(List.of("a/one@" + t("PT10S")), fired);
        assertEquals(List.of("a/one@" + t("PT10S") + ":FiredExecution", "a/one@" + t("PT10S") + ":SucceededExecution"),
                events.lines());

        term = 8; // a new term decides afresh
        Admission.Pass fourth = admission.pass(t("PT10.3S"), false);
        fourth.offer(new Candidate(first.reg, spec, first.generation, t("PT10S")));
        fourth.finish();
        assertEquals(2, fired.size());
    }
}
