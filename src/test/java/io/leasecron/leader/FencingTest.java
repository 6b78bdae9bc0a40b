package io.leasecron.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.LeaderGate;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.execution.RunResult;
import io.leasecron.testing.Await;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.ObservedGate;
import io.leasecron.testing.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fencing argument at its edges: the elector and the engine of each replica together, against the Fabric8 mock
 * API server, every step taken by hand on fake clocks. Each test drives one interleaving the review found risky —
 * a stop in the middle of a timer pass, a step-down between a start and its progress report, a refusal past the
 * renew deadline, the first claim on a fresh Lease, a release that loses a race with the replica's own renewal —
 * and asserts on every slot: fired exactly once, or reported uncertain.
 */
class FencingTest {
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final Duration STEP = Duration.ofMillis(100);

    final MockApiServer api = new MockApiServer();
    final List<KubernetesClient> clients = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    /** Every action started, on any replica: "job@slot". */
    final List<String> fired = new CopyOnWriteArrayList<>();
    Instant now = T0;

    @AfterEach
    void close() throws InterruptedException {
        for (Thread t : threads) {
            t.join(10_000);
        }
        clients.forEach(KubernetesClient::close);
        api.close();
    }

    static Instant t(int seconds) {
        return T0.plusSeconds(seconds);
    }

    /** One replica: its elector and engine wired as {@code Replica} wires them, with hooks at the seams. */
    final class Node {
        final String identity;
        final FakeClock clock = new FakeClock(now);
        final AtomicBoolean cut;
        final LeaseStore real;
        final CuttableLeaseStore store;
        /** Runs just before a Lease update is sent: the API is slow, and time passes meanwhile. */
        volatile Consumer<LeaseRecord> beforeUpdate = r -> { };
        /** Runs when the engine asks the gate about a slot, before the elector answers. */
        volatile Consumer<Instant> beforeAuthorise = s -> { };
        /** While true, started actions wait in {@link #held} until the test runs them (a slow dispatch thread). */
        volatile boolean holdDispatch;
        final List<Runnable> held = new CopyOnWriteArrayList<>();
        /** Every progress report the engine made, in order. */
        final List<Instant> reported = new CopyOnWriteArrayList<>();
        final LeaderElector elector;
        final Engine engine;
        final RecordingListener events = new RecordingListener();
        boolean alive = true;
        /**
         * While true, the {@code acquired} listener's call of {@code engine.recover} waits in {@link #heldRecovery}
         * until the test makes it: in production it runs on the elector thread after leadership is set, and the
         * timer thread may run a pass in between.
         */
        volatile boolean holdRecovery;
        volatile Engine.Takeover heldRecovery;

        Node(String identity, Duration claimAhead) {
            this.identity = identity;
            KubernetesClient client = api.client("leasecron/" + identity);
            clients.add(client);
            real = new KubernetesLeaseStore(client, "test", "leasecron");
            store = new CuttableLeaseStore(real);
            cut = store.cut;
            store.beforeUpdate = r -> beforeUpdate.accept(r);
            elector = new LeaderElector(store, new LeaseSettings("test", "leasecron", identity, Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(500), claimAhead), clock);
            LeaderGate gate = new ObservedGate(elector, slot -> beforeAuthorise.accept(slot), reported::add);
            engine = new Engine(clock, gate, fire -> {
                fired.add(fire.spec().id() + "@" + fire.slot());
                return CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
            }, task -> {
                if (holdDispatch) {
                    held.add(task);
                } else {
                    task.run();
                }
            }, identity, EngineSettings.DEFAULTS, () -> 0.0);
            engine.addListener(events);
            elector.addListener(new LeaderElector.Listener() {
                @Override
                public void acquired(long term, Engine.Takeover predecessor) {
                    if (holdRecovery) {
                        heldRecovery = predecessor;
                    } else {
                        engine.recover(predecessor);
                    }
                }
            });
        }

        /** One turn, in the order {@code Replica.step} takes it. */
        void step() {
            elector.step();
            engine.tick();
            elector.step();
            engine.tick();
            elector.step();
        }

        /** The elector alone, until nothing is due at the current time. */
        void settle() {
            for (int i = 0; i < 5; i++) {
                elector.step();
            }
        }

        void runHeld() {
            holdDispatch = false;
            List<Runnable> tasks = List.copyOf(held);
            held.clear();
            tasks.forEach(Runnable::run);
        }

        Instant lastReported() {
            return reported.isEmpty() ? null : reported.get(reported.size() - 1);
        }
    }

    Node node(String identity) {
        return new Node(identity, Duration.ZERO);
    }

    /** Every live node takes one turn per 100 ms step of simulated time. */
    void run(Duration d, Node... nodes) {
        Instant until = now.plus(d);
        while (now.isBefore(until)) {
            now = now.plus(STEP);
            for (Node n : nodes) {
                if (n.alive) {
                    n.clock.set(now);
                    n.step();
                }
            }
        }
    }

    /** Moves simulated time to {@code t} without anyone taking a turn (the test takes it by hand). */
    void at(Instant t, Node... nodes) {
        now = t;
        for (Node n : nodes) {
            n.clock.set(t);
        }
    }

    static io.leasecron.job.JobSpec everySecond(String id, String delivery) {
        return Jobs.every(id, "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600", "delivery: " + delivery);
    }

    long count(String jobAtSlot) {
        return fired.stream().filter(jobAtSlot::equals).count();
    }

    /** Each slot of {@code job} from {@code first} to {@code last} seconds fired exactly once. */
    void assertEachOnce(String job, int first, int last) {
        List<String> wrong = IntStream.rangeClosed(first, last).mapToObj(s -> job + "@" + t(s))
                .filter(k -> count(k) != 1).map(k -> k + " x" + count(k)).toList();
        assertEquals(List.of(), wrong, "slots not fired exactly once; all fires: " + fired);
    }

    LeaseRecord lease() throws Exception {
        KubernetesClient c = api.client("test");
        clients.add(c);
        return new KubernetesLeaseStore(c, "test", "leasecron").get().orElseThrow();
    }

    // ---------------------------------------------------------------- graceful release

    @Test
    void a_release_never_withdraws_the_claim_on_a_slot_the_gate_let_fire() throws Exception {
        Node a = node("pod-a");
        a.settle();
        a.elector.requestClaim(t(5), () -> { });
        a.settle();
        // The engine was told to fire 10:00:05 and has started it; its progress report has not come in yet.
        assertEquals(new Decision.Fire(1), a.elector.authorise(t(5)));
        assertTrue(a.elector.release());
        assertEquals(t(5), lease().claimedUntil(), "the release keeps the claim on the slot it let fire");
        Node b = node("pod-b");
        b.settle();
        assertTrue(b.elector.isLeader());
        assertInstanceOf(Decision.Uncertain.class, b.elector.authorise(t(5)), "the successor must not claim it again");
    }

    @Test
    void a_graceful_stop_waits_for_the_timer_pass_in_progress_and_nothing_it_started_fires_again() throws Exception {
        Node a = node("pod-a");
        a.engine.upsert(everySecond("a/one", "AtMostOnce"));
        a.engine.upsert(everySecond("a/two", "AtMostOnce"));
        run(Duration.ofMillis(1900), a);
        assertEquals(List.of("a/one@" + t(1), "a/two@" + t(1)), fired);
        // 10:00:02, by hand: the claim lands, then the timer pass fires a/one@02 and asks the gate about a/two@02.
        at(t(2), a);
        a.elector.step();
        a.engine.tick();
        a.elector.step();
        AtomicBoolean stopReturned = new AtomicBoolean();
        AtomicReference<Instant> reportedAtStop = new AtomicReference<>();
        AtomicReference<Thread> stopper = new AtomicReference<>();
        a.beforeAuthorise = slot -> {
            if (stopper.get() != null || !fired.contains("a/one@" + t(2))) {
                return;
            }
            // SIGTERM arrives now, in the middle of the pass: Replica.shutdown's first two steps, on their own thread.
            Thread s = new Thread(() -> {
                a.engine.stopTakingSlots(Duration.ofSeconds(10));
                stopReturned.set(true);
                reportedAtStop.set(a.lastReported());
                a.elector.release();
            }, "sigterm");
            stopper.set(s);
            threads.add(s);
            s.start();
            // Either the stop returns and releases while this pass is still going, or it waits for the pass.
            Await.until(() -> s.getState() == Thread.State.TERMINATED
                    || !stopReturned.get() && s.getState() == Thread.State.TIMED_WAITING, "the stop finished or waits for the pass");
        };
        a.engine.tick();
        stopper.get().join(10_000);
        assertEquals(t(2), reportedAtStop.get(), "the progress reported by the stop covers every slot the pass started");
        Node b = node("pod-b");
        b.engine.upsert(everySecond("a/one", "AtMostOnce"));
        b.engine.upsert(everySecond("a/two", "AtMostOnce"));
        run(Duration.ofSeconds(3), b);
        assertTrue(b.elector.isLeader());
        assertEachOnce("a/one", 1, 4);
        assertEachOnce("a/two", 1, 4);
    }

    // ---------------------------------------------------------------- taking over from a crashed leader

    @Test
    void a_slot_due_between_taking_the_lease_and_recovering_fires_once_on_the_new_leader() {
        // The defaults: catchUp Latest, delivery AtMostOnce, concurrencyPolicy Allow.
        int taken = takeOverWithAPassBeforeTheRecovery(Jobs.every("a/job", "@every 1s"));
        assertEachOnce("a/job", taken, taken + 2);
    }

    @Test
    void catch_up_all_still_fires_every_slot_of_the_takeover_gap_when_a_pass_runs_before_the_recovery() {
        int taken = takeOverWithAPassBeforeTheRecovery(everySecond("a/job", "AtMostOnce"));
        assertEachOnce("a/job", 1, taken + 2);
    }

    /**
     * pod-a fires 10:00:01 and 10:00:02 and crashes; pod-b takes the Lease over, and one timer pass runs at its next
     * slot before the takeover's recovery is applied. Returns that slot's second.
     */
    int takeOverWithAPassBeforeTheRecovery(io.leasecron.job.JobSpec spec) {
        Node a = node("pod-a");
        a.engine.upsert(spec);
        run(Duration.ofMillis(2500), a);
        assertEquals(List.of("a/job@" + t(1), "a/job@" + t(2)), fired);
        a.alive = false; // crashes: no release
        Node b = node("pod-b");
        b.engine.upsert(spec);
        b.holdRecovery = true;
        while (!b.elector.isLeader()) {
            run(STEP, b);
        }
        assertTrue(b.heldRecovery != null, "took the Lease over from pod-a");
        // The pass at the next slot: the slot waits for b's first claim, and the engine's cursor passes it.
        Instant next = b.engine.status(spec.id()).orElseThrow().next().orElseThrow().time();
        at(next, b);
        b.engine.tick();
        b.engine.recover(b.heldRecovery);
        b.holdRecovery = false;
        run(Duration.ofSeconds(2), b);
        return (int) Duration.between(T0, next).toSeconds();
    }

    // ---------------------------------------------------------------- stepping down and taking the lease back

    /** 10:00:02 is authorised and handed to a slow dispatch thread; then the API goes away for three seconds. */
    Node startedThenCutOff() {
        Node a = node("pod-a");
        a.engine.upsert(everySecond("a/job", "AtMostOnce"));
        run(Duration.ofMillis(1900), a);
        a.holdDispatch = true;
        run(Duration.ofMillis(100), a);
        assertEquals(1, a.held.size(), "10:00:02 authorised, its start still queued");
        a.cut.set(true);
        run(Duration.ofSeconds(3), a);
        assertFalse(a.elector.isLeader(), "stepped down at the renew deadline");
        return a;
    }

    @Test
    void a_slot_started_just_before_stepping_down_is_not_fired_again_when_the_same_replica_takes_the_lease_back() {
        Node a = startedThenCutOff();
        a.runHeld(); // the start, and its progress report, land after the step-down
        a.cut.set(false);
        run(Duration.ofSeconds(3), a);
        assertTrue(a.elector.isLeader(), "took its own lease back, nobody led in between");
        assertEachOnce("a/job", 1, 7);
        assertEquals(List.of(), a.events.of(UncertainExecution.class), "it knows it started 10:00:02");
    }

    @Test
    void a_slot_whose_start_is_reported_only_after_taking_the_lease_back_is_uncertain_not_fired_again() {
        Node a = startedThenCutOff();
        a.cut.set(false);
        at(now.plus(Duration.ofMillis(200)), a); // past the retry backoff
        for (int i = 0; i < 3 && !a.elector.isLeader(); i++) {
            a.elector.step();
        }
        assertTrue(a.elector.isLeader());
        a.engine.tick(); // applies the recovery while 10:00:02 has still not started
        a.runHeld();
        run(Duration.ofSeconds(2), a);
        assertEachOnce("a/job", 1, 7);
        assertEquals(List.of(t(2)), a.events.of(UncertainExecution.class).stream().map(UncertainExecution::slot).toList());
    }

    // ---------------------------------------------------------------- refusals past the renew deadline

    @Test
    void a_claimed_slot_refused_after_a_pause_past_the_renew_deadline_is_caught_up_not_lost() {
        Node a = node("pod-a");
        a.engine.upsert(everySecond("a/job", "AtMostOnce"));
        run(Duration.ofMillis(1900), a);
        at(t(2), a);
        a.elector.step();
        a.engine.tick();
        a.elector.step();
        assertEquals(t(2), a.elector.status().claimedUntil(), "10:00:02 claimed, not fired yet");
        // A pause of 3 s before the timer thread gets to fire it: the gate refuses, the elector has not stepped down.
        at(t(5), a);
        a.engine.tick();
        run(Duration.ofSeconds(3), a);
        assertTrue(a.elector.isLeader());
        assertEachOnce("a/job", 1, 7);
    }

    @Test
    void slots_refused_while_a_renewal_was_in_flight_past_the_deadline_are_not_recorded_as_progress() {
        Node a = new Node("pod-a", Duration.ofSeconds(2));
        a.engine.upsert(everySecond("a/job", "AtMostOnce"));
        run(Duration.ofMillis(1500), a);
        assertEquals(t(3), a.elector.status().claimedUntil(), "claims reach 2 s ahead");
        AtomicBoolean slow = new AtomicBoolean(true);
        a.beforeUpdate = r -> {
            if (!slow.get() || !r.claimedUntil().equals(t(3))) {
                return;
            }
            slow.set(false);
            // This renewal takes 1.6 s. Meanwhile the renew deadline of the previous one passes, and the timer
            // thread is refused claimed slots.
            Instant previous = a.elector.status().renewedAt();
            at(previous.plus(Duration.ofMillis(2100)), a);
            a.engine.tick();
        };
        run(Duration.ofSeconds(8), a);
        assertFalse(slow.get(), "the slow renewal happened");
        assertTrue(a.elector.isLeader());
        assertEachOnce("a/job", 1, 9);
    }

    // ---------------------------------------------------------------- the first claim on a fresh Lease

    @Test
    void slots_claimed_by_the_first_leader_of_a_fresh_lease_are_uncertain_after_it_crashes() {
        Node a = node("pod-a");
        Node b = node("pod-b");
        for (Node n : List.of(a, b)) {
            n.engine.upsert(everySecond("a/most", "AtMostOnce"));
            n.engine.upsert(everySecond("a/least", "AtLeastOnce"));
        }
        run(Duration.ofMillis(500), a, b);
        assertTrue(a.elector.isLeader());
        at(t(1), a, b);
        a.elector.step();
        a.engine.tick();
        a.elector.step();
        assertEquals(t(1), a.elector.status().claimedUntil());
        // a dies between its first claim and its first fire: nothing of it was started.
        a.alive = false;
        a.cut.set(true);
        assertEquals(List.of(), fired);
        run(Duration.ofSeconds(5), b);
        assertTrue(b.elector.isLeader());
        assertEquals(List.of(t(1), t(1)), b.events.of(UncertainExecution.class).stream().map(UncertainExecution::slot).toList(),
                "both slots of 10:00:01 are reported uncertain");
        assertEquals(0, count("a/most@" + t(1)), "AtMostOnce: not fired again");
        assertEquals(1, count("a/least@" + t(1)), "AtLeastOnce: fired again by the successor");
        assertEachOnce("a/most", 2, 5);
        assertEachOnce("a/least", 1, 5);
    }

    // ---------------------------------------------------------------- progress with a claim window

    /**
     * Issue 12, finding 3, end to end. Claims reach 2 s ahead. pod-a's engine stalls for 4 s while its elector goes on
     * renewing; one pass then fires a/alpha's backlog up to the claim, and a/beta's slots, claimed as well, wait behind
     * the first slot that needs a new claim. pod-a writes that claim, with its progress, and crashes. No slot of a/beta
     * may be recorded as started: each slot of both jobs fired once or was reported uncertain by pod-b.
     */
    @Test
    void one_jobs_backlog_does_not_record_another_jobs_claimed_unstarted_slots_as_started() {
        Node a = new Node("pod-a", Duration.ofSeconds(2));
        a.engine.upsert(everySecond("a/alpha", "AtMostOnce"));
        a.engine.upsert(everySecond("a/beta", "AtMostOnce"));
        run(Duration.ofMillis(1500), a);
        assertEquals(t(3), a.elector.status().claimedUntil(), "the claim of 10:00:01 reaches 2 s ahead");
        Instant until = now.plusSeconds(4);
        while (now.isBefore(until)) { // the engine stalls, the elector renews
            now = now.plus(STEP);
            a.clock.set(now);
            a.elector.step();
        }
        a.engine.tick();
        assertEquals(List.of("a/alpha@" + t(1), "a/beta@" + t(1), "a/alpha@" + t(2), "a/alpha@" + t(3)), fired);
        a.elector.step(); // the claim for the slots that wait, and the progress, in one write
        a.alive = false;
        a.cut.set(true);
        Node b = node("pod-b");
        b.engine.upsert(everySecond("a/alpha", "AtMostOnce"));
        b.engine.upsert(everySecond("a/beta", "AtMostOnce"));
        run(Duration.ofSeconds(5), b);
        assertTrue(b.elector.isLeader());
        List<String> uncertain = b.events.of(UncertainExecution.class).stream().map(u -> u.job() + "@" + u.slot()).toList();
        List<String> lost = new ArrayList<>();
        for (String job : List.of("a/alpha", "a/beta")) {
            for (int s = 1; s <= 9; s++) {
                String key = job + "@" + t(s);
                if (count(key) > 1 || count(key) == 0 && !uncertain.contains(key)) {
                    lost.add(key + " x" + count(key));
                }
            }
        }
        assertEquals(List.of(), lost, "neither fired once nor reported uncertain; fires " + fired + ", uncertain " + uncertain);
    }

    // ---------------------------------------------------------------- release racing the elector's own write

    @Test
    void a_release_that_loses_the_race_with_its_own_renewal_is_retried_and_followers_take_over_at_once() throws Exception {
        Node a = node("pod-a");
        a.settle();
        AtomicBoolean raced = new AtomicBoolean();
        a.beforeUpdate = r -> {
            if (r.held() || raced.getAndSet(true)) {
                return;
            }
            // The elector thread's renewal, sent before the release, lands first.
            try {
                LeaseRecord current = a.real.get().orElseThrow();
                a.real.update(current.renewed(current.renewTime().plusMillis(1), current.claimedUntil(), current.dispatchedThrough()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        assertTrue(a.elector.release(), "released after re-reading the Lease");
        assertTrue(raced.get());
        assertNull(lease().holder());
        Node b = node("pod-b");
        b.settle();
        assertTrue(b.elector.isLeader(), "no wait for expiry");
    }
}
