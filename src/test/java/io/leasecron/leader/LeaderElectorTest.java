package io.leasecron.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.engine.Engine;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.engine.SkipReason;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The elector against the Fabric8 mock API server (real HTTP, real compare-and-swap), driven step by step with
 * fake clocks: no sleeps, every timing decision is made from the clock a test moves.
 */
class LeaderElectorTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    final MockApiServer api = new MockApiServer();
    final List<KubernetesClient> clients = new ArrayList<>();

    @AfterEach
    void close() {
        clients.forEach(KubernetesClient::close);
        api.close();
    }

    /** A replica's elector with its own client and clock; {@code cut} makes its Lease calls fail. */
    final class Node {
        final FakeClock clock = new FakeClock(T0);
        final AtomicBoolean cut;
        final AtomicInteger calls;
        final CuttableLeaseStore store;
        final LeaderElector elector;
        final List<String> events = new ArrayList<>();

        Node(String identity) {
            KubernetesClient client = api.client("leasecron/" + identity);
            clients.add(client);
            LeaseStore real = new KubernetesLeaseStore(client, "test", "leasecron");
            store = new CuttableLeaseStore(real);
            cut = store.cut;
            calls = store.calls;
            elector = new LeaderElector(store, new LeaseSettings("test", "leasecron", identity, Duration.ofSeconds(15),
                    Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ZERO), clock);
            elector.addListener(new LeaderElector.Listener() {
                @Override
                public void acquired(long term, Engine.Takeover p) {
                    events.add("acquired " + term + " after " + p.claimedUntil());
                }

                @Override
                public void lost(long term, String reason) {
                    events.add("lost " + term);
                }
            });
        }

        /** Steps until nothing is due at the current time (each step does at most one API call). */
        void settle() {
            for (int i = 0; i < 5; i++) {
                elector.step();
            }
        }

        void advance(Duration d) {
            clock.advance(d);
            settle();
        }

        /**
         * Runs the elector as its thread does for {@code d} of fake time: step, then move the clock to the time the
         * step asked to be woken at. Returns the number of steps (a step asking to run again at once, without the
         * clock moving, would be a busy loop; at most 10,000 are taken).
         */
        int runFor(Duration d) {
            long end = clock.nanoTime() + d.toNanos();
            int steps = 0;
            while (clock.nanoTime() < end && steps < 10_000) {
                long next = elector.step();
                steps++;
                long now = clock.nanoTime();
                if (next > now) {
                    clock.advance(Duration.ofNanos(Math.min(next, end) - now));
                }
            }
            return steps;
        }

        Decision gate(String slot) {
            return elector.authorise(Instant.parse(slot));
        }

        void claim(String slot) {
            AtomicInteger resolved = new AtomicInteger();
            elector.requestClaim(Instant.parse(slot), resolved::incrementAndGet);
            settle();
            assertEquals(1, resolved.get(), "the claim resolved once");
        }
    }

    /** Waits for something that happens on another thread (a watch event), never for the clock. */
    static void awaitCondition(java.util.function.BooleanSupplier condition, String what) {
        io.leasecron.testing.Await.until(condition, what);
    }

    LeaseRecord lease() throws Exception {
        KubernetesClient c = api.client("test");
        clients.add(c);
        return new KubernetesLeaseStore(c, "test", "leasecron").get().orElseThrow();
    }

    @Test
    void the_first_replica_creates_the_lease_and_holds_term_1() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        assertTrue(a.elector.isLeader());
        LeaseRecord l = lease();
        assertEquals("pod-a", l.holder());
        assertEquals(1, l.term());
        assertEquals(15, l.leaseDurationSeconds());
        assertNull(l.claimedUntil());
        assertEquals(List.of("acquired 1 after null"), a.events);
    }

    @Test
    void the_leader_renews_every_retry_period_and_a_follower_waits_the_whole_lease_duration() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        Node b = new Node("pod-b");
        b.settle();
        String first = lease().resourceVersion();
        a.advance(Duration.ofSeconds(2));
        assertTrue(!first.equals(lease().resourceVersion()), "renewed");
        // b keeps seeing changes, so it never takes over while a renews.
        for (int i = 0; i < 20; i++) {
            a.advance(Duration.ofSeconds(2));
            b.advance(Duration.ofSeconds(2));
        }
        assertTrue(a.elector.isLeader());
        assertFalse(b.elector.isLeader());
        assertInstanceOf(Decision.Refused.class, b.gate("2026-12-01T10:00:30Z"));
    }

    @Test
    void a_released_lease_is_taken_over_at_once() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        Node b = new Node("pod-b");
        b.elector.watchLease();
        b.settle();
        assertTrue(a.elector.release());
        assertNull(lease().holder());
        // No time passes on b's clock: the watch delivers the release, and b acts on it.
        awaitCondition(() -> b.elector.status().holderIdentity() == null, "b sees the release");
        b.settle();
        assertTrue(b.elector.isLeader());
        assertEquals(2, lease().term());
        assertEquals(1, lease().transitions());
    }

    @Test
    void losing_a_compare_and_swap_race_is_not_an_error() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        Node b = new Node("pod-b");
        Node c = new Node("pod-c");
        b.settle();
        c.settle();
        a.cut.set(true); // a stops renewing: both b and c see the lease expire
        b.advance(Duration.ofSeconds(16));
        c.clock.advance(Duration.ofSeconds(16));
        c.elector.step(); // c's update carries the version b has already replaced: 409
        c.settle();
        assertTrue(b.elector.isLeader());
        assertFalse(c.elector.isLeader());
        assertNull(c.elector.status().lastError(), "a lost race is the normal way to lose, not an error");
        assertEquals("pod-b", lease().holder());
    }

    @Test
    void the_gate_refuses_once_the_renew_deadline_has_passed_without_a_renewal() {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:05Z");
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:05Z"));
        a.cut.set(true);
        a.clock.advance(Duration.ofSeconds(9));
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:05Z"), "still within the renew deadline");
        a.clock.advance(Duration.ofSeconds(1));
        Decision d = a.gate("2026-12-01T10:00:05Z");
        assertInstanceOf(Decision.Refused.class, d);
        assertEquals(SkipReason.NOT_LEADER, ((Decision.Refused) d).reason());
        a.settle();
        assertFalse(a.elector.isLeader());
        assertEquals(List.of("acquired 1 after null", "lost 1"), a.events);
    }

    @Test
    void a_replica_that_stepped_down_acquires_again_and_fires_again() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:01Z");
        a.cut.set(true);
        a.advance(Duration.ofSeconds(11));
        assertFalse(a.elector.isLeader());
        a.cut.set(false);
        a.advance(Duration.ofSeconds(2)); // a retry period after its last failed look; nobody else took over, a takes its lease back
        assertTrue(a.elector.isLeader());
        assertEquals(2, lease().term());
        a.claim("2026-12-01T10:00:12Z");
        assertEquals(new Decision.Fire(2), a.gate("2026-12-01T10:00:12Z"));
    }

    @Test
    void slots_are_fired_only_once_claimed_and_a_successor_starts_after_the_claim() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        assertEquals(Decision.PENDING, a.gate("2026-12-01T10:00:05Z"));
        a.claim("2026-12-01T10:00:05Z");
        assertEquals(Instant.parse("2026-12-01T10:00:05Z"), lease().claimedUntil());
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:05Z"));
        assertEquals(Decision.PENDING, a.gate("2026-12-01T10:00:06Z"));
        // a started everything up to 10:00:04 and crashed while starting 10:00:05.
        a.elector.dispatched(Instant.parse("2026-12-01T10:00:04Z"));
        a.settle();
        a.cut.set(true);
        Node b = new Node("pod-b");
        b.settle();
        b.advance(Duration.ofSeconds(16));
        assertTrue(b.elector.isLeader());
        assertEquals(List.of("acquired 2 after 2026-12-01T10:00:05Z"), b.events);
        assertEquals(SkipReason.PREVIOUS_LEADER, ((Decision.Refused) b.gate("2026-12-01T10:00:04Z")).reason());
        assertInstanceOf(Decision.Uncertain.class, b.gate("2026-12-01T10:00:05Z"));
        assertEquals(Decision.PENDING, b.gate("2026-12-01T10:00:06Z"));
        // The old leader comes back: its claim write conflicts, it steps down, and it fires nothing new.
        a.cut.set(false);
        AtomicInteger resolved = new AtomicInteger();
        a.elector.requestClaim(Instant.parse("2026-12-01T10:00:06Z"), resolved::incrementAndGet);
        a.settle();
        assertEquals(1, resolved.get());
        assertFalse(a.elector.isLeader());
        assertInstanceOf(Decision.Refused.class, a.gate("2026-12-01T10:00:05Z"));
        assertInstanceOf(Decision.Refused.class, a.gate("2026-12-01T10:00:06Z"));
    }

    @Test
    void while_the_api_is_unreachable_a_follower_asks_once_per_retry_period_and_nobody_spins() throws Exception {
        Node a = new Node("pod-a");
        Node b = new Node("pod-b");
        a.settle();
        b.settle();
        assertTrue(a.elector.isLeader());
        a.cut.set(true);
        b.cut.set(true);
        a.calls.set(0);
        b.calls.set(0);

        int followerSteps = b.runFor(Duration.ofSeconds(20));
        assertTrue(b.calls.get() <= 11, "a follower looks at most once per retry period of 2 s, not " + b.calls.get()
                + " times in 20 s");
        assertTrue(followerSteps <= 2 * b.calls.get() + 2, followerSteps + " steps for " + b.calls.get() + " calls: a busy loop");

        int leaderSteps = a.runFor(Duration.ofSeconds(20));
        assertFalse(a.elector.isLeader(), "stepped down at the renew deadline");
        // Renewal retries every 500 ms until the 10 s deadline (about 20), then a follower's 2 s cadence (about 5).
        assertTrue(a.calls.get() <= 27, "the leader retried " + a.calls.get() + " times in 20 s");
        assertTrue(leaderSteps <= 2 * a.calls.get() + 4, leaderSteps + " steps for " + a.calls.get() + " calls: a busy loop");
    }

    @Test
    void settings_are_validated_with_the_rule_they_break() {
        Duration s = Duration.ofSeconds(1);
        assertEquals("LEASECRON_LEASE_DURATION must be greater than LEASECRON_RENEW_DEADLINE: 10s is not greater than 10s",
                assertThrows(IllegalArgumentException.class, () -> new LeaseSettings("ns", "leasecron", "pod", s.multipliedBy(10),
                        s.multipliedBy(10), s.multipliedBy(2), Duration.ZERO)).getMessage());
        assertEquals("LEASECRON_RENEW_DEADLINE must be greater than 1.2 x LEASECRON_RETRY_PERIOD: 2s is not greater than 1.2 x 2s",
                assertThrows(IllegalArgumentException.class, () -> new LeaseSettings("ns", "leasecron", "pod", s.multipliedBy(15),
                        s.multipliedBy(2), s.multipliedBy(2), Duration.ZERO)).getMessage());
        assertEquals("LEASECRON_LEASE_DURATION must be whole seconds (the Lease stores leaseDurationSeconds), got 15.5s",
                assertThrows(IllegalArgumentException.class, () -> new LeaseSettings("ns", "leasecron", "pod", Duration.ofMillis(15500),
                        s.multipliedBy(10), s.multipliedBy(2), Duration.ZERO)).getMessage());
        assertEquals("the replica identity is empty; set POD_NAME (the Downward API's metadata.name)",
                assertThrows(IllegalArgumentException.class, () -> new LeaseSettings("ns", "leasecron", " ", s.multipliedBy(15),
                        s.multipliedBy(10), s.multipliedBy(2), Duration.ZERO)).getMessage());
        assertEquals("LEASECRON_LEASE_NAME \"Lease_1\" is not a valid Lease name; use lower-case letters, digits, '-' and '.'",
                assertThrows(IllegalArgumentException.class, () -> new LeaseSettings("ns", "Lease_1", "pod", s.multipliedBy(15),
                        s.multipliedBy(10), s.multipliedBy(2), Duration.ZERO)).getMessage());
    }

    @Test
    void a_claim_found_on_the_lease_after_its_answer_was_lost_is_resolved_and_the_elector_waits_for_its_next_step() {
        Node a = new Node("pod-a");
        a.settle();
        assertTrue(a.elector.isLeader());
        AtomicInteger resolved = new AtomicInteger();
        a.store.loseAnswers.set(1);
        a.elector.requestClaim(T0.plusSeconds(5), resolved::incrementAndGet);
        a.elector.step(); // the claim is written, its answer lost
        assertEquals(0, resolved.get());
        a.clock.advance(Duration.ofMillis(500)); // the renewal backoff: a quarter of the retry period
        long next = a.elector.step(); // the claim again: 409, and the Lease shows our own claim
        assertEquals(1, resolved.get(), "the engine's batch is told its claim resolved");
        assertEquals(new Decision.Fire(1), a.elector.authorise(T0.plusSeconds(5)));
        assertTrue(next > a.clock.nanoTime(), "nothing is due now: the elector thread sleeps instead of spinning");
    }

    @Test
    void a_stop_while_an_acquisition_is_in_flight_releases_the_lease_that_acquisition_took() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        assertTrue(a.elector.release()); // the Lease exists and is free: the next acquisition is an update
        Node b = new Node("pod-b");
        b.elector.step(); // looks at the Lease
        java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        b.store.beforeUpdate = r -> {
            if (r.held()) { // the acquisition, not the release
                sent.countDown();
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Thread elector = new Thread(b.elector::step, "elector");
        elector.start();
        assertTrue(sent.await(10, java.util.concurrent.TimeUnit.SECONDS), "the acquisition is on its way");
        AtomicBoolean released = new AtomicBoolean();
        Thread sigterm = new Thread(() -> released.set(b.elector.release()), "sigterm");
        sigterm.start();
        // The release has either returned or waits for the acquisition in flight: then the acquisition is answered.
        awaitCondition(() -> sigterm.getState() != Thread.State.RUNNABLE && sigterm.getState() != Thread.State.NEW,
                "the release returned or waits");
        answer.countDown();
        elector.join(10_000);
        sigterm.join(10_000);
        assertFalse(lease().held(), "the Lease the stopping replica acquired is released, not left to expire");
        assertEquals(2, lease().term());
        assertTrue(released.get());
        assertFalse(b.elector.isLeader());
        assertEquals(List.of("acquired 2 after null", "lost 2"), b.events);
    }

    @Test
    void a_leader_resumed_from_a_suspended_vm_fires_nothing_until_it_renews() {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:05Z");
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:05Z"));
        // Suspended for 30 s: the monotonic clock stopped with the VM, the wall clock is set right on resume.
        a.clock.stepWall(Duration.ofSeconds(30));
        Decision d = a.gate("2026-12-01T10:00:05Z");
        assertInstanceOf(Decision.Refused.class, d, "a successor may have taken over meanwhile");
        assertEquals(SkipReason.NOT_LEADER, ((Decision.Refused) d).reason());
        assertFalse(a.elector.isLeader());
        a.settle(); // steps down, and (nobody else being there) takes the Lease again with a new term
        assertEquals(List.of("acquired 1 after null", "lost 1", "acquired 2 after 2026-12-01T10:00:05Z"), a.events);
    }

    @Test
    void a_wall_clock_step_backwards_changes_nothing_for_the_leader() {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:05Z");
        a.clock.stepWall(Duration.ofSeconds(-30));
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:05Z"));
        a.advance(Duration.ofSeconds(2));
        assertTrue(a.elector.isLeader());
        assertEquals(List.of("acquired 1 after null"), a.events);
    }

    @Test
    void a_slot_left_uncertain_by_a_crashed_leader_stays_uncertain_when_its_successor_takes_its_own_lease_back() throws Exception {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:12Z");
        assertEquals(new Decision.Fire(1), a.gate("2026-12-01T10:00:12Z"));
        a.cut.set(true); // pod-a dies before recording that it started the slot
        Node b = new Node("pod-b");
        b.settle();
        b.advance(Duration.ofSeconds(16));
        assertTrue(b.elector.isLeader());
        assertInstanceOf(Decision.Uncertain.class, b.gate("2026-12-01T10:00:12Z"));
        // pod-b loses the API past its renew deadline and takes its own Lease back, nobody in between.
        b.cut.set(true);
        b.advance(Duration.ofSeconds(11));
        assertFalse(b.elector.isLeader());
        b.cut.set(false);
        b.advance(Duration.ofSeconds(2));
        assertTrue(b.elector.isLeader());
        assertEquals(3, lease().term());
        assertInstanceOf(Decision.Uncertain.class, b.gate("2026-12-01T10:00:12Z"),
                "still pod-a's slot, which pod-a may have started: never fired as pod-b's own");
    }

    @Test
    void a_term_the_gate_found_past_its_renew_deadline_is_over_even_if_the_wall_clock_steps_back() {
        Node a = new Node("pod-a");
        a.settle();
        a.claim("2026-12-01T10:00:05Z");
        a.clock.stepWall(Duration.ofSeconds(11)); // resumed from a suspension: past the renew deadline
        assertInstanceOf(Decision.Refused.class, a.gate("2026-12-01T10:00:05Z"));
        a.clock.stepWall(Duration.ofSeconds(-11)); // and NTP steps the wall clock back before the elector runs
        assertInstanceOf(Decision.Refused.class, a.gate("2026-12-01T10:00:05Z"),
                "the engine has moved past the refused slot: only a new term catches it up");
        a.settle();
        assertEquals(List.of("acquired 1 after null", "lost 1", "acquired 2 after 2026-12-01T10:00:04.999999999Z"), a.events,
                "a new term, whose recovery plans the refused slot again");
    }

    /** A stalled Lease watch is replaced: the old one closed, a new one opened; nothing before the first or after close. */
    @Test
    void a_restarted_lease_watch_closes_the_old_watch_and_opens_a_new_one() {
        List<String> log = new ArrayList<>();
        AtomicInteger watches = new AtomicInteger();
        LeaseStore store = new LeaseStore() {
            @Override
            public java.util.Optional<LeaseRecord> get() {
                return java.util.Optional.empty();
            }

            @Override
            public LeaseRecord create(LeaseRecord r) throws LeaseStore.LeaseStoreException {
                throw new LeaseStore.LeaseStoreException("not in this test", null);
            }

            @Override
            public LeaseRecord update(LeaseRecord r) throws LeaseStore.LeaseStoreException {
                throw new LeaseStore.LeaseStoreException("not in this test", null);
            }

            @Override
            public AutoCloseable watch(java.util.function.Consumer<java.util.Optional<LeaseRecord>> onChange) {
                int n = watches.incrementAndGet();
                log.add("watch " + n);
                return () -> log.add("close " + n);
            }
        };
        LeaderElector elector = new LeaderElector(store, new LeaseSettings("test", "leasecron", "pod-a", Duration.ofSeconds(15),
                Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ZERO), new FakeClock(T0));
        elector.restartLeaseWatch();
        elector.watchLease();
        elector.restartLeaseWatch();
        elector.close();
        elector.restartLeaseWatch();
        assertEquals(List.of("watch 1", "close 1", "watch 2", "close 2"), log);
    }
}
