package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.execution.RunResult;
import io.leasecron.leader.AlwaysLeaderGate;
import io.leasecron.testing.Await;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The engine's own timer thread, as the service runs it (the other engine tests call {@link Engine#tick()}). */
class TimerThreadTest {

    @Test
    void stopping_ends_the_timer_thread_without_waiting_for_the_next_slot() {
        // The clock never moves: a timer thread that waited for the next slot's time would never end.
        FakeClock fake = FakeClock.at("2026-03-01T00:00:00Z");
        AtomicInteger timerReadings = new AtomicInteger();
        Clock clock = new Clock() {
            @Override
            public Instant now() {
                if (Thread.currentThread().getName().startsWith("leasecron-timer")) {
                    timerReadings.incrementAndGet();
                }
                return fake.now();
            }

            @Override
            public long nanoTime() {
                return fake.nanoTime();
            }
        };
        Engine engine = new Engine(clock, new AlwaysLeaderGate(),
                fire -> CompletableFuture.completedFuture(new RunResult.Succeeded("ok")), Runnable::run, "replica-a",
                EngineSettings.DEFAULTS, () -> 0.0);
        engine.upsert(Jobs.every("team/hourly", "@hourly"));
        engine.start();
        // One reading to tick, one (under the engine's lock) to compute the wait: the thread now waits for the slot.
        Await.until(() -> timerReadings.get() >= 2, "the timer thread waits for the next slot");

        engine.stopTakingSlots(Duration.ofSeconds(1));

        Await.until(() -> !engine.timerRunning(), "the timer thread has ended");
        assertEquals(0, engine.shutdown(Duration.ZERO), "attempts cancelled");
    }

    @Test
    void a_wake_runs_a_tick_before_the_awaited_time_and_a_throwing_tick_does_not_end_the_loop() {
        FakeClock clock = FakeClock.at("2026-03-01T00:00:00Z");
        AtomicInteger ticks = new AtomicInteger();
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicLong failures = new AtomicLong();
        TimerLoop loop = new TimerLoop(clock, () -> {
            if (ticks.incrementAndGet() == 2) {
                throw new IllegalStateException("a bug in one tick");
            }
            return clock.now().plus(Duration.ofHours(1)); // the clock never moves: only a wake ends the wait
        }, stopping::get, failures);
        loop.start();
        Await.until(() -> ticks.get() == 1, "the first tick");
        loop.wake();
        Await.until(() -> ticks.get() >= 3, "woken: a tick that throws, then the loop goes on");
        assertEquals(1, failures.get());
        stopping.set(true);
        loop.wake();
        Await.until(() -> !loop.running(), "the loop has ended");
    }
}
