package io.leasecron.housekeeping;

import io.leasecron.execution.KubernetesJobSweep;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * A replica's periodic, non-critical work in Kubernetes mode: the clock check, the stalled-watch check and the
 * Kubernetes Job sweep. The service runs each from the Quarkus scheduler (a tick a second, per instance: fine for
 * this, never used for fires); tests call the methods by hand. None of them is on the fire path, and each one catches
 * at its boundary, logs, and leaves the engine alone.
 */
public final class Housekeeping {
    private static final Logger LOG = Logger.getLogger(Housekeeping.class);

    /**
     * @param clockCheckInterval how often the clock is compared with the API server's
     * @param maxClockOffset the offset beyond which the replica is reported as skewed
     * @param watchStallTimeout how long a watch may deliver nothing, not even a bookmark, before it is restarted
     * @param jobSweepInterval how often the leader sweeps the Kubernetes Jobs it created
     * @param podUid this replica's Pod uid (POD_UID), so that Events on the Pod show in {@code kubectl describe pod}
     */
    public record Settings(Duration clockCheckInterval, Duration maxClockOffset, Duration watchStallTimeout,
            Duration jobSweepInterval, Optional<String> podUid) {
        public static final Settings DEFAULTS = new Settings(Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofMinutes(3),
                Duration.ofMinutes(10), Optional.empty());

        /** Checks the rules with messages that name the setting. */
        public Settings {
            atLeastASecond("LEASECRON_CLOCK_CHECK_INTERVAL", clockCheckInterval);
            positive("LEASECRON_CLOCK_MAX_OFFSET", maxClockOffset);
            atLeastASecond("LEASECRON_JOB_SWEEP_INTERVAL", jobSweepInterval);
            if (watchStallTimeout.compareTo(Duration.ofSeconds(10)) < 0) {
                throw new IllegalArgumentException("LEASECRON_WATCH_STALL_TIMEOUT (" + watchStallTimeout.toMillis() + "ms) must be"
                        + " at least 10s: the API server sends a bookmark about every minute on a quiet watch; 2m or more is advised");
            }
        }

        /** The Quarkus scheduler's simple implementation runs the chores, and looks at its triggers once a second. */
        private static void atLeastASecond(String name, Duration d) {
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(name + " (" + d.toMillis() + "ms) must be at least 1s: the scheduler that"
                        + " runs it checks its triggers once a second");
            }
        }

        private static void positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " (" + d.toMillis() + "ms) must be positive");
            }
        }

        /** How often stalled watches are looked for: a check is in memory, so often; at most a tenth of the bound. */
        public Duration watchCheckInterval() {
            Duration tenth = watchStallTimeout.dividedBy(10);
            return tenth.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : tenth.compareTo(Duration.ofSeconds(5)) > 0
                    ? Duration.ofSeconds(5) : tenth;
        }
    }

    private final Settings settings;
    private final ClockCheck clock;
    private final StalledWatches watches;
    private final KubernetesJobSweep sweep;
    private final BooleanSupplier leader;

    public Housekeeping(Settings settings, ClockCheck clock, StalledWatches watches, KubernetesJobSweep sweep,
            BooleanSupplier leader) {
        this.settings = settings;
        this.clock = clock;
        this.watches = watches;
        this.sweep = sweep;
        this.leader = leader;
    }

    public Settings settings() {
        return settings;
    }

    /** Compares the clock with the API server's once; an unanswered request is logged at debug level and skipped. */
    public Optional<ClockCheck.Sample> checkClock() {
        try {
            return Optional.of(clock.check());
        } catch (Exception e) {
            LOG.debugf("clock check skipped: %s", e);
            return Optional.empty();
        }
    }

    /** Restarts every watch silent for longer than the bound; returns their resources. Nothing with WebSocket watches. */
    public List<String> checkWatches() {
        try {
            return watches.check();
        } catch (RuntimeException e) {
            LOG.warn("stalled-watch check failed", e);
            return List.of();
        }
    }

    /** On the leader only: one sweep of the Kubernetes Jobs; empty on a follower. */
    public Optional<KubernetesJobSweep.Result> sweepJobs() {
        if (!leader.getAsBoolean()) {
            return Optional.empty();
        }
        try {
            return Optional.of(sweep.sweep());
        } catch (RuntimeException e) {
            LOG.warn("Kubernetes Job sweep failed", e);
            return Optional.empty();
        }
    }

    public ClockCheck clock() {
        return clock;
    }
}
