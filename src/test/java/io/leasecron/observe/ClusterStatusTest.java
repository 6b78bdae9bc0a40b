package io.leasecron.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.leasecron.observe.JobStatuses.Status;
import io.leasecron.observe.RunHistory.Record;
import io.leasecron.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Job status in shard ConfigMaps, against a map that behaves as the API server does (versions, 409 on a stale write,
 * watches that may lag): writes batched per shard and flush, trimmed to the byte budget, merged after a conflict, a
 * new leader starting from what is stored, and removal of a job's status.
 */
class ClusterStatusTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final StatusShards LAYOUT = new StatusShards(4, 20, StatusShards.DEFAULT_BUDGET);

    final FakeClock clock = new FakeClock(T0);
    final MapShardStore store = new MapShardStore();
    final Set<JobId> catalogue = new HashSet<>();

    /** A replica's status, leading or not, with the jobs of {@link #catalogue}. */
    final class Node {
        final MapShardStore.Watcher view = store.watcher();
        final AtomicBoolean leader = new AtomicBoolean();
        final ClusterStatus status;

        Node(boolean leads, StatusShards layout) {
            leader.set(leads);
            status = new ClusterStatus(view, layout, clock, leader::get, catalogue::contains);
            status.start();
        }

        /** One fire of {@code job}'s slot at {@code second}, started and succeeded on this replica. */
        void fire(JobId job, int second, String replica) {
            Instant slot = T0.plusSeconds(second);
            status.on(new FiredExecution(job, slot, 1, 3, replica, slot, Duration.ZERO, Duration.ZERO, false));
            clock.advance(Duration.ofMillis(20));
            status.on(new SucceededExecution(job, slot, 1, 3, replica, Duration.ofMillis(20), "HTTP 200"));
        }
    }

    static JobId job(int n) {
        return JobId.parse("team/job-" + n);
    }

    static Record ok(int second, String replica) {
        return new Record(T0.plusSeconds(second), "succeeded", replica, 3, 1, Duration.ofMillis(20), "HTTP 200", false);
    }

    @Test
    void many_fires_in_one_interval_make_one_write_per_changed_shard() {
        IntStream.range(0, 10).forEach(n -> catalogue.add(job(n)));
        Node leader = new Node(true, LAYOUT);
        for (int second = 0; second < 5; second++) {
            for (int n = 0; n < 10; n++) {
                leader.fire(job(n), second, "pod-a");
            }
        }
        Set<Integer> shards = new TreeSet<>();
        IntStream.range(0, 10).forEach(n -> shards.add(LAYOUT.shardOf(job(n))));
        assertEquals(Set.of(0, 1, 2, 3), shards, "the ten jobs spread over the four shards");
        assertEquals(List.of(), store.writes, "recording writes nothing: the fire path never waits for the API");

        assertEquals(4, leader.status.flush(), "100 outcomes of 10 jobs, one write per changed shard");
        assertEquals(List.of("0@null", "1@null", "2@null", "3@null"), store.writes);
        assertEquals(0, leader.status.flush(), "nothing changed since: no write");

        leader.fire(job(0), 5, "pod-a");
        leader.fire(job(0), 6, "pod-a");
        assertEquals(1, leader.status.flush(), "two fires of one job: its shard only");
        assertEquals(5, store.writes.size());
        assertEquals(List.of(ok(6, "pod-a"), ok(5, "pod-a"), ok(4, "pod-a")), leader.status.status(job(0)).runs().subList(0, 3));

        Node follower = new Node(false, LAYOUT);
        assertEquals(leader.status.status(job(0)), follower.status.status(job(0)), "a follower reads the same from the shards");
        assertEquals(T0.plusSeconds(6), follower.status.status(job(0)).lastScheduleTime());
        assertEquals(T0.plusMillis(52 * 20), follower.status.status(job(0)).lastSuccessfulTime(),
                "the clock when the 52nd attempt, the job's last, ended");
        assertEquals(0, follower.status.flush(), "a follower that fired nothing writes nothing");
    }

    @Test
    void a_shard_over_its_budget_keeps_every_jobs_times_and_drops_runs_oldest_first() {
        StatusShards small = new StatusShards(1, 20, 16 * 1024);
        IntStream.range(0, 5).forEach(n -> catalogue.add(job(n)));
        Node leader = new Node(true, small);
        String detail = "HTTP 503: " + "x".repeat(300);
        for (int second = 0; second < 20; second++) {
            for (int n = 0; n < 5; n++) {
                Instant slot = T0.plusSeconds(second);
                leader.status.on(new FiredExecution(job(n), slot, 1, 3, "pod-a", slot, Duration.ZERO, Duration.ZERO, false));
                leader.status.on(new FailedExecution(job(n), slot, 1, 3, "pod-a", Duration.ofMillis(7), detail, false));
            }
        }
        leader.status.flush();

        var data = store.shards.get(0).data();
        int bytes = data.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
        assertTrue(bytes <= 16 * 1024, bytes + " bytes");
        for (int n = 0; n < 5; n++) {
            Status s = leader.status.status(job(n));
            assertEquals(T0.plusSeconds(19), s.lastScheduleTime(), "times are kept");
            assertNull(s.lastSuccessfulTime(), "never succeeded");
            // 100 runs of about 330 bytes do not fit in 16 KiB: each job keeps its newest 9, the most that fit.
            assertEquals(IntStream.iterate(19, x -> x - 1).limit(9).mapToObj(T0::plusSeconds).toList(),
                    s.runs().stream().map(Record::slot).toList(), "job " + n);
            assertEquals("HTTP 503: " + "x".repeat(189) + "…", s.runs().get(0).detail(), "a detail is cut to 200 characters");
        }
        Node fresh = new Node(false, small);
        assertEquals(leader.status.status(job(3)), fresh.status.status(job(3)));
    }

    @Test
    void a_write_refused_with_a_conflict_reads_the_shard_again_and_keeps_both_replicas_runs() {
        catalogue.add(job(1));
        Node a = new Node(true, LAYOUT);
        Node b = new Node(false, LAYOUT);
        b.view.paused = true; // b's watch lags: it has not seen a's write
        a.fire(job(1), 0, "pod-a");
        assertEquals(1, a.status.flush());

        // b led before a and its last attempt ended after the handover: it writes its own outcome.
        b.fire(job(1), 1, "pod-b");
        assertEquals(1, b.status.flush());
        int index = LAYOUT.shardOf(job(1));
        assertEquals(List.of(index + "@null", index + "@null", index + "@101"), store.writes,
                "b's create was refused (the shard exists), b read it and wrote onto version 101");
        assertEquals(1, b.status.conflicts());
        assertEquals(List.of(ok(1, "pod-b"), ok(0, "pod-a")), a.status.status(job(1)).runs(), "no run was lost");
        b.view.resume();
        assertEquals(a.status.status(job(1)), b.status.status(job(1)));
    }

    @Test
    void a_new_leader_starts_from_the_stored_status_and_adds_to_it() {
        catalogue.add(job(1));
        Node old = new Node(true, LAYOUT);
        old.fire(job(1), 0, "pod-a");
        old.fire(job(1), 1, "pod-a");
        old.status.flush();
        old.status.close();

        Node next = new Node(true, LAYOUT); // a replica started after a rollout: nothing in its memory
        next.status.acquired();
        assertEquals(List.of(ok(1, "pod-a"), ok(0, "pod-a")), next.status.status(job(1)).runs(), "loaded from the shard");
        assertEquals(0, next.status.flush(), "taking over writes nothing when nothing changed");
        next.fire(job(1), 2, "pod-b");
        assertEquals(1, next.status.flush());
        assertEquals(List.of(ok(2, "pod-b"), ok(1, "pod-a"), ok(0, "pod-a")), new Node(false, LAYOUT).status.status(job(1)).runs(),
                "stored: the new run on top of the old ones, never an empty history over them");
    }

    @Test
    void a_job_removed_from_the_catalogue_loses_its_status_and_a_new_leader_removes_what_was_missed() {
        catalogue.addAll(List.of(job(1), job(2), job(3)));
        Node leader = new Node(true, LAYOUT);
        Node follower = new Node(false, LAYOUT);
        leader.fire(job(1), 0, "pod-a");
        leader.fire(job(2), 0, "pod-a");
        leader.fire(job(3), 0, "pod-a");
        leader.status.flush();
        int writes = store.writes.size();

        catalogue.remove(job(1)); // deleted from its ConfigMap: every replica's catalogue drops it
        follower.status.forget(job(1));
        leader.status.forget(job(1));
        assertEquals(Status.NONE, leader.status.status(job(1)), "the leader shows it gone at once");
        assertEquals(1, leader.status.flush());
        assertEquals(writes + 1, store.writes.size());
        assertFalse(store.shards.get(LAYOUT.shardOf(job(1))).data().containsKey(StatusShards.key(job(1))));
        assertEquals(Status.NONE, follower.status.status(job(1)));
        assertEquals(0, follower.status.flush(), "followers do not write removals");

        // Removed while no replica led (or the leader's write failed): the next leader removes it after taking over.
        catalogue.remove(job(2));
        Node next = new Node(true, LAYOUT);
        assertEquals(0, next.status.flush(), "nothing to do before it takes the Lease");
        next.status.acquired();
        assertEquals(1, next.status.flush());
        assertEquals(Status.NONE, follower.status.status(job(2)));
        assertEquals(List.of(ok(0, "pod-a")), follower.status.status(job(3)).runs(), "the other jobs stay");
    }

    @Test
    void outcomes_of_a_job_no_longer_in_the_catalogue_are_not_written() {
        catalogue.add(job(1));
        Node leader = new Node(true, LAYOUT);
        leader.fire(job(1), 0, "pod-a");
        catalogue.remove(job(1)); // removed before the flush; the catalogue's remove reaches forget() a moment later
        assertEquals(0, leader.status.flush());
        assertEquals(List.of(), store.writes);
        leader.status.on(new SkippedExecution(job(1), T0, SkipReason.NOT_LEADER, "not the leader"));
        assertEquals(0, leader.status.flush(), "and nothing is left waiting");
    }

    @Test
    void the_settings_state_their_rules() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ClusterStatus.Settings(Duration.ofMillis(500), 16));
        assertEquals("LEASECRON_STATUS_FLUSH_INTERVAL (500ms) must be at least 1s: the scheduler that runs it checks its triggers"
                + " once a second", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ClusterStatus.Settings(Duration.ofSeconds(5), 0));
        assertEquals("LEASECRON_STATUS_SHARDS (0) must be between 1 and 1000", e.getMessage());
    }
}
