package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.leasecron.leader.LeaseRecord;
import io.leasecron.leader.LeaseStore;
import io.leasecron.testing.FakeClock;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Lease request latency by operation and outcome, timed with the replica's clock; answers pass through unchanged. */
class TimedLeaseStoreTest {
    final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T10:00:00Z"));
    static final LeaseRecord RECORD = new LeaseRecord("pod-a", 15, null, null, 0, 1, null, null, "7");

    /** Each call takes the next scripted time on the clock, then answers with the next scripted outcome. */
    final class ScriptedStore implements LeaseStore {
        final Deque<Duration> took = new ArrayDeque<>();
        final Deque<Object> answers = new ArrayDeque<>();

        Object answer() {
            clock.advance(took.removeFirst());
            return answers.removeFirst();
        }

        @Override
        @SuppressWarnings("unchecked")
        public Optional<LeaseRecord> get() throws LeaseStoreException {
            Object a = answer();
            if (a instanceof LeaseStoreException e) {
                throw e;
            }
            return (Optional<LeaseRecord>) a;
        }

        @Override
        public LeaseRecord create(LeaseRecord record) throws Conflict, LeaseStoreException {
            return write();
        }

        @Override
        public LeaseRecord update(LeaseRecord record) throws Conflict, LeaseStoreException {
            return write();
        }

        private LeaseRecord write() throws Conflict, LeaseStoreException {
            Object a = answer();
            if (a instanceof Conflict c) {
                throw c;
            }
            if (a instanceof LeaseStoreException e) {
                throw e;
            }
            return (LeaseRecord) a;
        }

        @Override
        public AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange) {
            return () -> { };
        }

        void script(Duration d, Object answer) {
            took.add(d);
            answers.add(answer);
        }
    }

    Double sample(String suffix, String operation, String outcome, String... le) {
        String[] names = le.length == 0 ? new String[] {"operation", "outcome"} : new String[] {"operation", "outcome", "le"};
        String[] values = le.length == 0 ? new String[] {operation, outcome} : new String[] {operation, outcome, le[0]};
        return registry.getSampleValue("leasecron_lease_request_duration_seconds" + suffix, names, values);
    }

    final CollectorRegistry registry = new CollectorRegistry();

    @Test
    void times_each_request_by_operation_and_outcome_and_passes_every_answer_through() throws Exception {
        ScriptedStore real = new ScriptedStore();
        TimedLeaseStore store = new TimedLeaseStore(real, clock).bindTo(registry);
        real.script(Duration.ofMillis(8), Optional.of(RECORD));
        real.script(Duration.ofMillis(20), RECORD);
        real.script(Duration.ofMillis(40), RECORD);
        real.script(Duration.ofMillis(3), new LeaseStore.Conflict("another replica wrote first"));
        real.script(Duration.ofSeconds(8), new LeaseStore.LeaseStoreException("cannot update lease jobs/leasecron: timed out", null));

        assertSame(RECORD, store.get().orElseThrow());
        assertSame(RECORD, store.update(RECORD));
        assertSame(RECORD, store.update(RECORD));
        assertEquals("another replica wrote first", assertThrows(LeaseStore.Conflict.class, () -> store.update(RECORD)).getMessage());
        assertEquals("cannot update lease jobs/leasecron: timed out",
                assertThrows(LeaseStore.LeaseStoreException.class, () -> store.update(RECORD)).getMessage());

        assertEquals(1.0, sample("_count", "get", "ok"));
        assertEquals(1.0, sample("_bucket", "get", "ok", "0.01"));
        assertEquals(0.0, sample("_bucket", "get", "ok", "0.005"));
        assertEquals(2.0, sample("_count", "update", "ok"));
        assertEquals(0.06, sample("_sum", "update", "ok"), 1e-9);
        assertEquals(1.0, sample("_bucket", "update", "ok", "0.05") - sample("_bucket", "update", "ok", "0.025"), "40 ms");
        assertEquals(1.0, sample("_count", "update", "conflict"));
        assertEquals(1.0, sample("_bucket", "update", "error", "10.0"));
        assertEquals(0.0, sample("_bucket", "update", "error", "5.0"));
        assertNull(sample("_count", "create", "ok"), "no series for what never happened");
    }
}
