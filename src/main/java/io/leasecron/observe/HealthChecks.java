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

/**
 * Probes. Ready once jobs are loaded (on every replica, leader or not: followers must be ready to serve the API
 * and to take over). Live while the timer loop turns and, in Kubernetes mode, unless this replica believes it
 * holds the lease but has not renewed it for longer than renew deadline + lease duration (a stuck elector).
 */
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
        private final Lifecycle lifecycle;

        public TimerLoop(Engine engine, Clock clock, Lifecycle lifecycle) {
            this.engine = engine;
            this.clock = clock;
            this.lifecycle = lifecycle;
        }

        @Override
        public HealthCheckResponse call() {
            Instant beat = engine.heartbeat();
            Duration silence = Duration.between(beat, clock.now());
            boolean overdue = lifecycle.leader().map(s -> s.renewOverdue()).orElse(false);
            boolean up = engine.timerRunning() && silence.compareTo(STALL) < 0 && !overdue;
            return HealthCheckResponse.named("timer-loop").status(up)
                    .withData("leaseRenewOverdue", overdue)
                    .withData("lastTick", beat.toString())
                    .withData("loopFailures", engine.loopFailures())
                    .withData("running", engine.runningCount()).build();
        }
    }
}
