package io.leasecron.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for something another thread does (an informer delivering a ConfigMap, a watch event, an HTTP exchange, a
 * child process), checking an exact condition; never a wait for the scheduler, whose time tests move by hand.
 */
public final class Await {
    static final Duration LIMIT = Duration.ofSeconds(15);

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with {@code what} after 15 seconds. */
    public static void until(BooleanSupplier condition, String what) {
        until(condition, what, LIMIT);
    }

    /** Returns once {@code condition} holds; fails with {@code what} after {@code limit}. */
    public static void until(BooleanSupplier condition, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
