package io.leasecron.simulation;

import java.time.Instant;

/**
 * The HTTP endpoint every simulated job calls: each request that reaches it, with the contract's headers as the
 * replica sent them, goes to the invariants. What arrives here is what happened, whatever the replicas believe.
 */
final class SimTarget {
    /** One request as it arrived. */
    record Delivery(String job, Instant slot, int attempt, long term, String replica, String idempotencyKey, long trueNanos) {
    }

    /** Told about every request that arrives, with the process that sent it. */
    interface Listener {
        void delivered(Delivery d, String process);
    }

    private final Listener listener;

    SimTarget(Listener listener) {
        this.listener = listener;
    }

    static String key(String job, Instant slot) {
        return job + "@" + slot;
    }

    void deliver(String job, Instant slot, int attempt, long term, String replica, String idempotencyKey, String process,
            long trueNanos) {
        listener.delivered(new Delivery(job, slot, attempt, term, replica, idempotencyKey, trueNanos), process);
    }
}
