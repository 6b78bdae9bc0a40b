package io.leasecron.engine;

import java.time.Duration;

/**
 * Engine tuning, validated here so that a bad combination fails at startup with the rule it breaks.
 *
 * @param missedThreshold under {@code catchUp: None}, a slot later than this counts as missed and is not fired
 * @param backlogCap most slots of one job enumerated at once when the engine fell far behind; later ones are
 *        counted as missed without being listed
 * @param shutdownGrace how long shutdown waits for attempts in progress before cancelling them
 * @param maxConcurrentRuns most attempts running at once on this replica, all jobs together; 0 for no limit
 * @param limitMode what a fire does when that limit is reached
 */
public record EngineSettings(Duration missedThreshold, int backlogCap, Duration shutdownGrace, int maxConcurrentRuns,
        LimitMode limitMode) {
    public static final EngineSettings DEFAULTS = new EngineSettings(Duration.ofSeconds(5), 10_000, Duration.ofSeconds(25), 0,
            LimitMode.Wait);

    /** At the concurrency limit: {@code Wait} queues the fire (in slot order) until a run ends, {@code Skip} skips it. */
    public enum LimitMode {
        Wait, Skip
    }

    public EngineSettings {
        if (missedThreshold.isNegative() || missedThreshold.isZero()) {
            throw new IllegalArgumentException("leasecron.engine.missed-threshold must be positive, got " + missedThreshold);
        }
        if (backlogCap < 1) {
            throw new IllegalArgumentException("leasecron.engine.backlog-cap must be at least 1, got " + backlogCap);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("leasecron.engine.shutdown-grace must not be negative, got " + shutdownGrace);
        }
        if (maxConcurrentRuns < 0) {
            throw new IllegalArgumentException("LEASECRON_ENGINE_MAX_CONCURRENT_RUNS must be 0 (no limit) or more, got " + maxConcurrentRuns);
        }
    }

    /** The same settings with a limit on concurrent runs. */
    public EngineSettings withLimit(int max, LimitMode mode) {
        return new EngineSettings(missedThreshold, backlogCap, shutdownGrace, max, mode);
    }
}
