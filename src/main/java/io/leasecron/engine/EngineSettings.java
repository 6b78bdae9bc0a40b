package io.leasecron.engine;

import java.time.Duration;

/**
 * Engine tuning, validated here so that a bad combination fails at startup with the rule it breaks.
 *
 * @param missedThreshold under {@code catchUp: None}, a slot later than this counts as missed and is not fired
 * @param backlogCap most slots of one job enumerated at once when the engine fell far behind; later ones are
 *        counted as missed without being listed
 * @param shutdownGrace how long shutdown waits for attempts in progress before cancelling them
 */
public record EngineSettings(Duration missedThreshold, int backlogCap, Duration shutdownGrace) {
    public static final EngineSettings DEFAULTS = new EngineSettings(Duration.ofSeconds(5), 10_000, Duration.ofSeconds(25));

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
    }
}
