package io.leasecron.control;

import io.leasecron.engine.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The thread that runs {@link ManualRuns#reconcile}: when the store changes, when this replica becomes leader
 * ({@link #kick}), when a run comes due, and at least every {@code resync} (a missed notification costs no more). The
 * records of started and ended runs are written on it too ({@link #execute}), so that nothing on the engine's threads
 * waits for the API server.
 */
public final class ControlLoop implements java.util.concurrent.Executor, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlLoop.class);

    private final Clock clock;
    private final Duration resync;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leasecron-control");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile ManualRuns runs;
    /** The one timed turn waiting, replaced by every turn (touched only on the thread). */
    private java.util.concurrent.ScheduledFuture<?> timer;

    public ControlLoop(Clock clock, Duration resync) {
        this.clock = clock;
        this.resync = resync;
    }

    /** Starts turning {@code runs}. */
    public void start(ManualRuns runs) {
        this.runs = runs;
        kick();
    }

    /** Asks for a turn soon; turns asked for while one is queued are one. */
    public void kick() {
        if (runs != null && queued.compareAndSet(false, true)) {
            submit(this::turn, 0);
        }
    }

    @Override
    public void execute(Runnable task) {
        submit(task, 0);
    }

    private void turn() {
        queued.set(false);
        try {
            runs.reconcile();
        } catch (RuntimeException e) {
            LOG.errorf(e, "taking manual runs in failed; trying again in %s", resync);
        }
        long delay = resync.toMillis();
        Instant at = runs.wakeAt();
        if (at != null) {
            delay = Math.max(0, Math.min(delay, at.toEpochMilli() - clock.now().toEpochMilli()));
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timer = submit(this::kick, delay);
    }

    private java.util.concurrent.ScheduledFuture<?> submit(Runnable task, long delayMillis) {
        try {
            return thread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return null; // stopping
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
