package io.leasecron.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The replica's limit on attempts running at once, all jobs together: a run either gets a permit, or waits for one
 * in slot order ({@code Wait}: every waiting run eventually gets one, one-time jobs included), or is refused
 * ({@code Skip}). Without a limit every run starts. Its own monitor guards it; it never calls out.
 */
final class Limiter {
    /** What became of a run that asked for a permit. */
    enum Answer {
        STARTS, QUEUED, REFUSED
    }

    private final int max;
    private final EngineSettings.LimitMode mode;
    private int inUse;
    private final PriorityQueue<Run> queued = new PriorityQueue<>(Comparator.comparing((Run r) -> r.slot).thenComparingLong(r -> r.seq));

    Limiter(EngineSettings settings) {
        this.max = settings.maxConcurrentRuns();
        this.mode = settings.limitMode();
    }

    /** Asks for a permit for {@code run}; a queued run records when it began to wait. */
    synchronized Answer acquire(Run run, Instant now) {
        if (max == 0) {
            return Answer.STARTS;
        }
        if (inUse < max) {
            inUse++;
            run.permit = true;
            return Answer.STARTS;
        }
        if (mode == EngineSettings.LimitMode.Wait) {
            run.queuedAt = now;
            queued.add(run);
            return Answer.QUEUED;
        }
        return Answer.REFUSED;
    }

    /**
     * A run holding a permit has ended: the permit passes to the earliest queued run, which is returned (it holds
     * the permit now), or goes back if none waits.
     */
    synchronized Run release() {
        Run next = queued.poll();
        if (next == null) {
            inUse--;
            return null;
        }
        next.permit = true;
        return next;
    }

    /** Takes a run out of the queue (it ended before it started: replaced, cancelled). */
    synchronized void remove(Run run) {
        queued.remove(run);
    }

    /** Empties the queue and returns what waited in it, in slot order (a stop). */
    synchronized List<Run> drain() {
        List<Run> out = new ArrayList<>(queued.size());
        while (!queued.isEmpty()) {
            out.add(queued.poll());
        }
        return out;
    }

    synchronized int queuedCount() {
        return queued.size();
    }
}
