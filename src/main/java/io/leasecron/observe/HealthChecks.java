package io.leasecron.observe;

import io.leasecron.Lifecycle;
import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** Probes: ready once jobs are loaded (on every replica, leader or not); live while the timer loop turns. */
public final class HealthChecks {
    private HealthChecks() {
    }

    /** The timer loop wakes at least once a second; silence for this long means it is stuck. */
    static final Duration STALL = Duration.ofSeconds(30);

    @Readiness
    @ApplicationScoped
    public static class JobsLoaded implements HealthCheck {
        private final Lifecycle lifecycle;
        private final Engine engine;

        public JobsLoaded(Lifecycle lifecycle, Engine engine) {
            this.lifecycle = lifecycle;
            this.engine = engine;
        }

        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.named("jobs-loaded").status(lifecycle.jobsLoaded())
                    .withData("jobs", engine.jobCount()).build();
        }
    }

    @Liveness
    @ApplicationScoped
    public static class TimerLoop implements HealthCheck {
        private final Engine engine;
        private final Clock clock;

        public TimerLoop(Engine engine, Clock clock) {
            this.engine = engine;
            this.clock = clock;
        }

        @Override
        public HealthCheckResponse call() {
            Instant beat = engine.heartbeat();
            Duration silence = Duration.between(beat, clock.now());
            boolean up = engine.timerRunning() && silence.compareTo(STALL) < 0;
            return HealthCheckResponse.named("timer-loop").status(up)
                    .withData("lastTick", beat.toString())
                    .withData("loopFailures", engine.loopFailures())
                    .withData("running", engine.runningCount()).build();
        }
    }
}
