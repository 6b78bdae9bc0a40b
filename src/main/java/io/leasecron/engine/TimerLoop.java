package io.leasecron.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The thread that calls {@code tick} whenever the earliest timer is due, and sleeps in between. It is the only
 * part of the engine that waits in real time; everything it does between waits is {@code tick}, which a test or a
 * simulation calls directly instead of starting this thread.
 *
 * <p>Guarantee: the loop never dies. A tick that throws is counted and logged and the loop goes on. It ends once
 * {@code stopping} holds, without waiting for the next slot.
 */
final class TimerLoop {
    private static final Logger LOG = Logger.getLogger(TimerLoop.class);
    /** Longest the thread sleeps, so that a wall-clock step is noticed within this bound. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);
    /** How long before a due slot the thread stops sleeping and spins. */
    static final Duration SPIN = Duration.ofMillis(1);

    private final Clock clock;
    private final Supplier<Instant> tick;
    private final BooleanSupplier stopping;
    private final AtomicLong loopFailures;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private volatile boolean wakeRequested;
    private Thread thread;

    TimerLoop(Clock clock, Supplier<Instant> tick, BooleanSupplier stopping, AtomicLong loopFailures) {
        this.clock = clock;
        this.tick = tick;
        this.stopping = stopping;
        this.loopFailures = loopFailures;
    }

    /** Starts the thread; a second call does nothing. */
    void start() {
        lock.lock();
        try {
            if (thread != null) {
                return;
            }
            thread = new Thread(this::runUntilStopped, "leasecron-timer");
            thread.setDaemon(true);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Something changed before the time the thread waits for (a new job, a resolved claim, a retry, a stop). */
    void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean running() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** Waits up to {@code max} for the thread to end (a real-time wait, for shutdown). */
    void join(Duration max) {
        Thread t = thread;
        if (t != null) {
            try {
                t.join(max.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runUntilStopped() {
        while (true) {
            try {
                Instant next = tick.get();
                lock.lock();
                try {
                    if (stopping.getAsBoolean()) {
                        return;
                    }
                    // Sleep until just before the slot, then spin the last stretch: a sleeping thread is woken
                    // a few hundred microseconds late, a spinning one on time.
                    long waitNanos = Duration.between(clock.now(), next).toNanos() - SPIN.toNanos();
                    while (waitNanos > 0 && !wakeRequested && !stopping.getAsBoolean()) {
                        waitNanos = woken.awaitNanos(waitNanos);
                    }
                } finally {
                    lock.unlock();
                }
                while (!wakeRequested && !stopping.getAsBoolean() && clock.now().isBefore(next)) {
                    Thread.onSpinWait();
                }
                wakeRequested = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                // The loop never dies: count, log, and go on with the next tick.
                loopFailures.incrementAndGet();
                LOG.error("timer loop failed; continuing", t);
            }
        }
    }
}
