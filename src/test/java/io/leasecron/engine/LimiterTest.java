package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.EngineSettings.LimitMode;
import io.leasecron.engine.Limiter.Answer;
import io.leasecron.testing.Jobs;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The concurrency limit alone: permits and the queue, stepped by hand. */
class LimiterTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    long seq;

    Run run(int slotSeconds) {
        Run r = new Run(new Registration(), Jobs.every("a/job", "@every 1s"), T0.plusSeconds(slotSeconds), 1, 7, T0.plusSeconds(60));
        r.seq = ++seq;
        return r;
    }

    @Test
    void without_a_limit_every_run_starts_and_holds_no_permit() {
        Limiter limiter = new Limiter(EngineSettings.DEFAULTS);
        Run r = run(1);
        assertEquals(Answer.STARTS, limiter.acquire(r, T0));
        assertFalse(r.permit);
    }

    @Test
    void in_wait_mode_a_freed_permit_goes_to_the_earliest_slot_waiting() {
        Limiter limiter = new Limiter(EngineSettings.DEFAULTS.withLimit(1, LimitMode.Wait));
        Run first = run(1);
        Run late = run(5);
        Run early = run(2);
        assertEquals(Answer.STARTS, limiter.acquire(first, T0));
        assertTrue(first.permit);
        assertEquals(Answer.QUEUED, limiter.acquire(late, T0.plusSeconds(6)));
        assertEquals(Answer.QUEUED, limiter.acquire(early, T0.plusSeconds(7)));
        assertEquals(T0.plusSeconds(7), early.queuedAt);
        assertEquals(2, limiter.queuedCount());
        assertSame(early, limiter.release(), "slot order, not arrival order");
        assertTrue(early.permit);
        assertSame(late, limiter.release());
        assertNull(limiter.release(), "nothing waits: the permit goes back");
        assertEquals(Answer.STARTS, limiter.acquire(run(9), T0));
    }

    @Test
    void in_skip_mode_a_run_over_the_limit_is_refused_and_a_stop_drains_the_queue() {
        Limiter skip = new Limiter(EngineSettings.DEFAULTS.withLimit(1, LimitMode.Skip));
        assertEquals(Answer.STARTS, skip.acquire(run(1), T0));
        assertEquals(Answer.REFUSED, skip.acquire(run(2), T0));
        assertEquals(0, skip.queuedCount());

        Limiter wait = new Limiter(EngineSettings.DEFAULTS.withLimit(1, LimitMode.Wait));
        wait.acquire(run(1), T0);
        Run a = run(3);
        Run b = run(2);
        wait.acquire(a, T0);
        wait.acquire(b, T0);
        assertEquals(List.of(b, a), wait.drain());
        assertEquals(0, wait.queuedCount());
    }
}
