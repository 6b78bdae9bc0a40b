package io.leasecron.housekeeping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.execution.KubernetesJobSweep;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The chores' settings are checked at startup; the sweep runs on the leader only; a failed clock check is skipped. */
class HousekeepingTest {

    @Test
    void settings_that_break_a_rule_are_refused_with_the_variable_and_the_rule() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Housekeeping.Settings(Duration.ofMinutes(1),
                Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMinutes(10), Optional.empty()));
        assertEquals("LEASECRON_WATCH_STALL_TIMEOUT (5000ms) must be at least 10s: the API server sends a bookmark about every"
                + " minute on a quiet watch; 2m or more is advised", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Housekeeping.Settings(Duration.ofMinutes(1), Duration.ZERO,
                Duration.ofMinutes(3), Duration.ofMinutes(10), Optional.empty()));
        assertEquals("LEASECRON_CLOCK_MAX_OFFSET (0ms) must be positive", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Housekeeping.Settings(Duration.ofMillis(500),
                Duration.ofSeconds(2), Duration.ofMinutes(3), Duration.ofMinutes(10), Optional.empty()));
        assertEquals("LEASECRON_CLOCK_CHECK_INTERVAL (500ms) must be at least 1s: the scheduler that runs it checks its"
                + " triggers once a second", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Housekeeping.Settings(Duration.ofMinutes(1),
                Duration.ofSeconds(2), Duration.ofMinutes(3), Duration.ofMillis(999), Optional.empty()));
        assertEquals("LEASECRON_JOB_SWEEP_INTERVAL (999ms) must be at least 1s: the scheduler that runs it checks its"
                + " triggers once a second", e.getMessage());
        assertEquals(Duration.ofSeconds(1), new Housekeeping.Settings(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMinutes(3), Duration.ofSeconds(1), Optional.empty()).clockCheckInterval());
    }

    @Test
    void stalled_watches_are_looked_for_every_tenth_of_the_bound_between_1_and_5_seconds() {
        assertEquals(Duration.ofSeconds(5), Housekeeping.Settings.DEFAULTS.watchCheckInterval());
        assertEquals(Duration.ofSeconds(3), new Housekeeping.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2),
                Duration.ofSeconds(30), Duration.ofMinutes(10), Optional.empty()).watchCheckInterval());
        assertEquals(Duration.ofSeconds(1), new Housekeeping.Settings(Duration.ofMinutes(1), Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofMinutes(10), Optional.empty()).watchCheckInterval());
    }

    @Test
    void only_the_leader_sweeps_and_an_unanswered_clock_check_is_skipped() {
        List<String> requests = new CopyOnWriteArrayList<>();
        try (MockApiServer api = new MockApiServer();
                KubernetesClient client = MockApiServer.client(api.url(), "leasecron/pod-a", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        requests.add(request.method() + " " + request.uri().getPath());
                    }
                })) {
            FakeClock clock = new FakeClock(Instant.parse("2026-12-01T10:00:00Z"));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            AtomicBoolean leader = new AtomicBoolean();
            ClockCheck check = new ClockCheck(() -> {
                throw new java.io.IOException("no answer");
            }, clock, Duration.ofSeconds(2), (m, k) -> { });
            Housekeeping chores = new Housekeeping(Housekeeping.Settings.DEFAULTS, check,
                    new StalledWatches(Optional.empty(), clock, Duration.ofMinutes(3), registry),
                    new KubernetesJobSweep(client, "test", List.of("test"), ns -> true, List::of, registry), leader::get);

            assertEquals(Optional.empty(), chores.sweepJobs());
            assertEquals(List.of(), requests, "a follower makes no request");
            leader.set(true);
            assertEquals(Optional.of(new KubernetesJobSweep.Result(0, 0, 0)), chores.sweepJobs());
            assertEquals(List.of("GET /apis/batch/v1/namespaces/test/jobs"), requests);

            assertEquals(Optional.empty(), chores.checkClock());
            assertEquals(List.of(), chores.checkWatches(), "nothing to check without seeing the watches' traffic");
        }
    }
}
