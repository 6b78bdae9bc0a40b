package io.leasecron.housekeeping;

import io.leasecron.engine.Clock;
import io.leasecron.observe.WatchActivity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Restarts a watch that has delivered nothing, not even a bookmark, for longer than a bound. Watches ask for
 * bookmarks, and the API server sends one about every minute on a quiet watch, so a watch silent for minutes is
 * hung (a half-open connection, a proxy that holds the stream) and edits made meanwhile are not being seen. Fabric8's
 * informers end each watch after 5 to 10 minutes themselves; this bound makes the worst case shorter and counts it.
 *
 * <p>Silence is measured with the injected clock's {@link Clock#nanoTime()} from the watch's latest start or
 * delivery, as {@link WatchActivity} recorded it; a watch not yet started counts from its registration here. A
 * restart counts as activity, so a watch that cannot be re-established (the API server is down) is restarted once per
 * bound, not at every check. Without a {@link WatchActivity} (WebSocket watches, whose messages interceptors do not
 * see) nothing is checked; the counters still exist, at 0.
 */
public final class StalledWatches {
    private static final Logger LOG = Logger.getLogger(StalledWatches.class);

    private record Watched(Runnable restart, Counter stalls) {
    }

    /** When each watch ({@link WatchActivity#key}) was last restarted here, to tell a first stall from one that goes on. */
    private final Map<String, Long> restartedAt = new ConcurrentHashMap<>();

    private final Optional<WatchActivity> seen;
    private final Clock clock;
    private final Duration bound;
    private final MeterRegistry registry;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();

    public StalledWatches(Optional<WatchActivity> activity, Clock clock, Duration bound, MeterRegistry registry) {
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("the watch stall timeout must be positive, got " + bound);
        }
        this.seen = activity;
        this.clock = clock;
        this.bound = bound;
        this.registry = registry;
    }

    /**
     * Checks a watch from now on, judged by its own traffic: {@code resource} ({@code configmaps}, {@code leases}) in
     * {@code namespace} (empty: a watch of every namespace); {@code restart} starts that watch again.
     */
    public void watch(String resource, String namespace, Runnable restart) {
        String key = WatchActivity.key(resource, namespace);
        seen.filter(a -> a.last(key).isEmpty()).ifPresent(a -> a.touch(key));
        watched.put(key, new Watched(restart, Counter.builder("leasecron.watch.stalls")
                .description("Watches restarted because they delivered nothing, not even a bookmark, for the stall timeout")
                .tag("resource", resource).register(registry)));
    }

    /**
     * One check, in memory (no request): restarts every watch silent for the bound or longer; returns their keys
     * ({@link WatchActivity#key}: {@code team-a/configmaps}).
     */
    public List<String> check() {
        List<String> restarted = new ArrayList<>();
        if (seen.isEmpty()) {
            return restarted;
        }
        WatchActivity activity = seen.get();
        long now = clock.nanoTime();
        watched.forEach((resource, w) -> {
            long silent = now - activity.last(resource).orElse(now);
            if (silent >= bound.toNanos()) {
                Long previous = restartedAt.put(resource, now);
                if (previous != null && activity.delivered(resource).orElse(Long.MIN_VALUE) < previous) {
                    // Nothing at all since the last restart: an API server whose watch cache has seen no change of this
                    // resource since it started sends no bookmarks. Said once as a warning, then quietly; still counted.
                    LOG.infof("the %s watch is still silent after its restart %d s ago: restarting it again", resource,
                            (now - previous) / 1_000_000_000L);
                } else {
                    LOG.warnf("the %s watch delivered nothing, not even a bookmark, for %d s (bound %d s): restarting it", resource,
                            silent / 1_000_000_000L, bound.toSeconds());
                }
                activity.touch(resource);
                w.stalls().increment();
                try {
                    w.restart().run();
                } catch (RuntimeException e) {
                    LOG.warnf("restarting the %s watch failed (%s); trying again after another %d s of silence", resource, e,
                            bound.toSeconds());
                }
                restarted.add(resource);
            }
        });
        return restarted;
    }

    public Duration bound() {
        return bound;
    }
}
