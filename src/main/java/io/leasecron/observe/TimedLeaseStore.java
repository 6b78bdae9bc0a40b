package io.leasecron.observe;

import io.leasecron.engine.Clock;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.leader.LeaseStore;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link LeaseStore} that times every request of the store it wraps, from the call until the answer or the
 * failure, in {@code leasecron_lease_request_duration_seconds{operation, outcome}}: the leader's renewals, claims
 * and progress are its updates, so their latency is the renew health. Nothing else changes: every answer and
 * exception passes through as it is. Watches are not requests and are not timed.
 */
public final class TimedLeaseStore extends Collector implements LeaseStore {
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final String[] OPERATIONS = {"get", "create", "update"};
    private static final String[] OUTCOMES = {"ok", "conflict", "error"};

    private final LeaseStore store;
    private final Clock clock;
    /** By operation, then outcome; each guarded by itself. */
    private final Histogram[][] latency = new Histogram[OPERATIONS.length][OUTCOMES.length];

    public TimedLeaseStore(LeaseStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
        for (Histogram[] byOutcome : latency) {
            for (int o = 0; o < byOutcome.length; o++) {
                byOutcome[o] = new Histogram(BUCKETS);
            }
        }
    }

    public TimedLeaseStore bindTo(CollectorRegistry registry) {
        registry.register(this);
        return this;
    }

    @Override
    public Optional<LeaseRecord> get() throws LeaseStoreException {
        long t0 = clock.nanoTime();
        int outcome = 2;
        try {
            Optional<LeaseRecord> r = store.get();
            outcome = 0;
            return r;
        } finally {
            record(0, outcome, t0);
        }
    }

    @Override
    public LeaseRecord create(LeaseRecord record) throws Conflict, LeaseStoreException {
        return timed(1, () -> store.create(record));
    }

    @Override
    public LeaseRecord update(LeaseRecord record) throws Conflict, LeaseStoreException {
        return timed(2, () -> store.update(record));
    }

    /** A conditional write to time. */
    @FunctionalInterface
    private interface Write {
        LeaseRecord run() throws Conflict, LeaseStoreException;
    }

    private LeaseRecord timed(int operation, Write write) throws Conflict, LeaseStoreException {
        long t0 = clock.nanoTime();
        int outcome = 2;
        try {
            LeaseRecord r = write.run();
            outcome = 0;
            return r;
        } catch (Conflict c) {
            outcome = 1;
            throw c;
        } finally {
            record(operation, outcome, t0);
        }
    }

    @Override
    public AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange) {
        return store.watch(onChange);
    }

    private void record(int operation, int outcome, long t0) {
        Duration d = Duration.ofNanos(Math.max(0, clock.nanoTime() - t0));
        Histogram h = latency[operation][outcome];
        synchronized (h) {
            h.record(d);
        }
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        for (int op = 0; op < OPERATIONS.length; op++) {
            for (int o = 0; o < OUTCOMES.length; o++) {
                Histogram h = latency[op][o];
                synchronized (h) {
                    if (h.count() == 0) {
                        continue; // a series per combination that happened, not 9 histograms of zeros
                    }
                    h.writeTo(samples, "leasecron_lease_request_duration_seconds", List.of("operation", "outcome"),
                            List.of(OPERATIONS[op], OUTCOMES[o]));
                }
            }
        }
        return List.of(new MetricFamilySamples("leasecron_lease_request_duration_seconds", Type.HISTOGRAM,
                "Latency of each request for the Lease, by operation and outcome", samples));
    }
}
