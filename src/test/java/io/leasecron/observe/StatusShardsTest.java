package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.job.JobId;
import io.leasecron.observe.JobStatuses.Status;
import io.leasecron.observe.RunHistory.Record;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stored form of job status: stable shards, unique keys, a lossless round trip, and the sizes that
 * docs/architecture.md#job-status quotes (measured here, printed by {@link #sizes_at_10_1000_and_10000_jobs}).
 */
class StatusShardsTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void a_job_always_lands_in_the_same_shard_and_keys_never_collide() {
        StatusShards layout = new StatusShards(16, 20, StatusShards.DEFAULT_BUDGET);
        assertEquals(6, layout.shardOf(JobId.parse("billing/nightly-invoices")), "CRC-32 of the id, modulo 16: fixed forever");
        assertEquals("billing.nightly-invoices.1912852e0cec", StatusShards.key(JobId.parse("billing/nightly-invoices")));
        // The same readable part, different ids: the hash tells them apart.
        assertNotEquals(StatusShards.key(JobId.parse("a.b/c")), StatusShards.key(JobId.parse("a/b.c")));
        String longKey = StatusShards.key(new JobId("team", "c".repeat(253), "k".repeat(253)));
        assertEquals(253, longKey.length(), "cut to fit a ConfigMap key");
    }

    @Test
    void what_is_encoded_decodes_to_the_same_status() {
        StatusShards layout = new StatusShards(1, 20, StatusShards.DEFAULT_BUDGET);
        JobId job = JobId.parse("team/ns/export");
        Status s = new Status(T0.plusSeconds(2), T0.plusMillis(1500), List.of(
                new Record(T0.plusSeconds(2), "failed", "pod-a", 4, 2, Duration.ofMillis(900), "HTTP 503", true),
                new Record(T0.plusSeconds(1), "uncertain", null, 3, 0, Duration.ZERO, "claimed by the previous leader", false),
                new Record(T0, "skipped:concurrency", null, 0, 0, Duration.ZERO, null, false)));
        Map<String, String> data = layout.encode(Map.of(job, s));
        assertEquals(Map.of(StatusShards.key(job), "{\"id\":\"team/ns/export\",\"lastScheduleTime\":\"2026-12-01T10:00:02Z\","
                + "\"lastSuccessfulTime\":\"2026-12-01T10:00:01.500Z\",\"runs\":[{\"slot\":\"2026-12-01T10:00:02Z\",\"outcome\":\"failed\","
                + "\"replica\":\"pod-a\",\"term\":4,\"attempt\":2,\"durationMs\":900,\"detail\":\"HTTP 503\",\"willRetry\":true},"
                + "{\"slot\":\"2026-12-01T10:00:01Z\",\"outcome\":\"uncertain\",\"term\":3,\"detail\":\"claimed by the previous leader\"},"
                + "{\"slot\":\"2026-12-01T10:00:00Z\",\"outcome\":\"skipped:concurrency\"}]}"), data);
        assertEquals(Map.of(job, s), StatusShards.decode(data, (k, m) -> { throw new AssertionError(k + ": " + m); }));

        List<String> unreadable = new ArrayList<>();
        Map<String, String> broken = new HashMap<>(data);
        broken.put("edited-by-hand", "{not json");
        assertEquals(Map.of(job, s), StatusShards.decode(broken, (k, m) -> unreadable.add(k)));
        assertEquals(List.of("edited-by-hand"), unreadable, "one unreadable key is reported and the others are read");
    }

    @Test
    void resource_versions_compare_as_the_etcd_storage_makes_them() {
        assertTrue(ClusterStatus.older("99", "100"));
        assertTrue(!ClusterStatus.older("100", "99"));
        assertTrue(!ClusterStatus.older("abc", "100"), "not integers: taken as they come");
    }

    /**
     * The sizes in docs/architecture.md: jobs with ids like {@code billing/nightly-invoices-0042}, each with 20
     * successful runs by a pod named as a Deployment's are ({@code leasecron-7d9f8c6b5-x2x9z}), detail {@code HTTP 200},
     * in the default 16 shards of at most 512 KiB.
     */
    @Test
    void sizes_at_10_1000_and_10000_jobs() {
        for (int[] setting : new int[][] {{10, 16}, {1000, 16}, {10000, 16}, {10000, 64}}) {
            int jobs = setting[0];
            StatusShards layout = new StatusShards(setting[1], 20, StatusShards.DEFAULT_BUDGET);
            List<Map<JobId, Status>> shards = new ArrayList<>();
            for (int i = 0; i < setting[1]; i++) {
                shards.add(new HashMap<>());
            }
            for (int n = 0; n < jobs; n++) {
                JobId id = JobId.parse(String.format("billing/nightly-invoices-%04d", n));
                List<Record> runs = new ArrayList<>();
                for (int r = 19; r >= 0; r--) {
                    Instant slot = T0.plus(Duration.ofMinutes(r));
                    runs.add(new Record(slot, "succeeded", "leasecron-7d9f8c6b5-x2x9z", 12, 1, Duration.ofMillis(180 + r), "HTTP 200", false));
                }
                shards.get(layout.shardOf(id)).put(id, new Status(T0.plus(Duration.ofMinutes(19)),
                        T0.plus(Duration.ofMinutes(19)).plusMillis(199), runs));
            }
            long total = 0;
            long largest = 0;
            long started = System.nanoTime();
            int fewestRuns = 20;
            for (Map<JobId, Status> shard : shards) {
                Map<String, String> data = layout.encode(shard);
                long bytes = data.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum();
                total += bytes;
                largest = Math.max(largest, bytes);
                for (Status s : StatusShards.decode(data, (k, m) -> { }).values()) {
                    fewestRuns = Math.min(fewestRuns, s.runs().size());
                }
                assertTrue(bytes <= StatusShards.DEFAULT_BUDGET, bytes + " bytes");
            }
            System.out.printf("status size: %d jobs in %d shards: %d bytes in all, largest shard %d bytes, fewest runs kept per job %d"
                    + " (encoded and decoded in %d ms)%n", jobs, setting[1], total, largest, fewestRuns, (System.nanoTime() - started) / 1_000_000);
            if (jobs <= 1000) {
                assertEquals(20, fewestRuns, "up to 1,000 jobs every job keeps all 20 runs");
            } else if (setting[1] == 64) {
                assertEquals(20, fewestRuns, "64 shards at 10,000 jobs keep every run");
            } else {
                assertEquals(4, fewestRuns, "at 10,000 jobs the 512 KiB shards keep the newest 4 of each job");
            }
        }
    }
}
