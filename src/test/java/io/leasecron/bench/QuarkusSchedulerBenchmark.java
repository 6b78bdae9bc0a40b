package io.leasecron.bench;

import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The Quarkus scheduler (quarkus-scheduler, the simple in-memory implementation) with programmatic jobs, in its
 * own Quarkus application: it evaluates its triggers once a second. Prints figures, asserts nothing.
 */
@QuarkusTest
@TestProfile(QuarkusSchedulerBenchmark.Forced.class)
@EnabledIf("selected")
class QuarkusSchedulerBenchmark {

    /** Decided before the application starts, so that {@code -Dbench.scenarios=startup} does not boot it. */
    static boolean selected() {
        return System.getProperty("bench.peers", "quarkus").contains("quarkus") && Scenarios.anyInProcess();
    }

    /** Starts the scheduler although the application declares no {@code @Scheduled} method. */
    public static class Forced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                // No jobs of leasecron's own in this application: only the Quarkus scheduler's are measured.
                java.nio.file.Path empty = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target", "bench-no-jobs"));
                return Map.of("quarkus.scheduler.start-mode", "forced", "leasecron.jobs-dir", empty.toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Inject
    Scheduler scheduler;

    @Test
    void fire_lateness_bursts_and_heap_per_job() throws Exception {
        List<String> lines = new ArrayList<>();
        try (Peer peer = new QuarkusPeer(scheduler)) {
            Scenarios.runAll(peer, lines);
        }
        Scenarios.report("quarkus-scheduler.txt", lines);
    }

    static final class QuarkusPeer implements Peer {
        private final Scheduler scheduler;
        private final List<String> ids = new ArrayList<>();

        QuarkusPeer(Scheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public String name() {
            return "Quarkus scheduler";
        }

        @Override
        public void everyMinuteAtSpreadSeconds(int count, Samples lateness) {
            for (int i = 0; i < count; i++) {
                add("m" + i, (i % 60) + " * * * * ?", lateness, null);
            }
        }

        @Override
        public void burstAt(int count, Instant at, Samples lateness) {
            var t = at.atZone(ZoneOffset.UTC);
            String cron = t.getSecond() + " " + t.getMinute() + " " + t.getHour() + " " + t.getDayOfMonth() + " " + t.getMonthValue() + " ?";
            for (int i = 0; i < count; i++) {
                add("b" + i, cron, lateness, at);
            }
        }

        @Override
        public void registerOnly(int count) {
            for (int i = 0; i < count; i++) {
                add("r" + i, "0 " + (i % 60) + " " + (i / 60 % 24) + " ? * " + (i % 7 + 1), null, null);
            }
        }

        private void add(String id, String cron, Samples lateness, Instant at) {
            scheduler.newJob(id).setCron(cron).setTimeZone("UTC").setTask(execution -> {
                if (lateness != null) {
                    Instant due = at != null ? at : execution.getScheduledFireTime();
                    lateness.add(Duration.between(due, Instant.now()).toNanos() / 1000);
                }
            }).schedule();
            ids.add(id);
        }

        @Override
        public void clear() {
            ids.forEach(scheduler::unscheduleJob);
            ids.clear();
        }

        @Override
        public void close() {
            clear();
        }
    }
}
