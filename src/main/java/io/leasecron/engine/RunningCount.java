package io.leasecron.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How many attempts are in progress on this replica, and the one real-time wait of a shutdown: until none is.
 * Starting and ending an attempt take no lock shared with the timer thread, so workers never wait for it.
 */
final class RunningCount {
    private final AtomicInteger running = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition drained = lock.newCondition();

    void started() {
        running.incrementAndGet();
    }

    /** An attempt ended; whoever waits is woken when it was the last. */
    void ended() {
        if (running.decrementAndGet() == 0) {
            signal();
        }
    }

    int get() {
        return running.get();
    }

    /** Wakes a waiter to look again (a stop began). */
    void signal() {
        lock.lock();
        try {
            drained.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no attempt runs, or until {@code deadlineNanos} ({@link System#nanoTime()}): a real-time wait. */
    void awaitNone(long deadlineNanos) {
        lock.lock();
        try {
            while (running.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                drained.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
