package io.leasecron.simulation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP endpoint every simulated job calls: it records each request that reached it, by slot, with the
 * contract's headers as the replica sent them. What arrives here is what happened, whatever the replicas believe.
 */
final class SimTarget {
    /** One request as it arrived. */
    record Delivery(String job, Instant slot, int attempt, long term, String replica, String idempotencyKey, long trueNanos) {
    }

    /** Told about every request that arrives, with the process that sent it. */
    interface Listener {
        void delivered(Delivery d, String process);
    }

    private final Map<String, List<Delivery>> bySlot = new HashMap<>();
    private final Listener listener;

    SimTarget(Listener listener) {
        this.listener = listener;
    }
    private final List<Delivery> all = new ArrayList<>();

    static String key(String job, Instant slot) {
        return job + "@" + slot;
    }

    Delivery deliver(String job, Instant slot, int attempt, long term, String replica, String idempotencyKey, String process,
            long trueNanos) {
        Delivery d = new Delivery(job, slot, attempt, term, replica, idempotencyKey, trueNanos);
        bySlot.computeIfAbsent(key(d.job(), d.slot()), k -> new ArrayList<>()).add(d);
        all.add(d);
        listener.delivered(d, process);
        return d;
    }

    List<Delivery> of(String job, Instant slot) {
        return bySlot.getOrDefault(key(job, slot), List.of());
    }

    int count() {
        return all.size();
    }
}
