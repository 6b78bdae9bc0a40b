package io.leasecron.simulation;

import io.leasecron.engine.EngineSettings;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.leader.PendingCall;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One deterministic simulated run of a leasecron cluster: 3 to 5 replica processes of the real elector and engine
 * ({@link SimReplica}) against a simulated Lease ({@link SimLeaseServer}) and target ({@link SimTarget}), all in
 * one thread. Every source of nondeterminism is drawn from the seed: which thread of which process takes the next
 * step, how far time moves, the replicas' clock skews, drift and steps, the API's answers (lost after commit,
 * refused, stale), watch gaps, how requests to the target go (refused, sent, answered, failed, hanging), and the
 * faults: SIGKILL, SIGSTOP for longer than the lease, a VM suspended (its monotonic clock stops too), SIGTERM at any
 * step. After every step the {@link Invariants} are checked; at the end every fault is healed, a leader runs for a
 * while, and nothing may have been lost. The same seed replays the same run, step for step.
 */
final class Simulation {
    /** The simulation's true time, in nanoseconds since the epoch. */
    interface TrueTime {
        long nanos();
    }

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    /** The longest clock skew drawn; slots are judged only once every replica's clock has passed them. */
    static final long MAX_SKEW = 2 * S;

    private final long seed;
    private final Random rng;
    private final Config config;
    private final List<SimReplica> replicas = new ArrayList<>();
    private final SimLeaseServer server;
    private final SimTarget target;
    private final Invariants invariants;
    private final ArrayDeque<String> trace;
    private final boolean traceAll;
    private final List<JobSpec> jobs;
    private final LeaseSettings leaseTemplate;
    private final EngineSettings engineSettings;
    private long now = T0.getEpochSecond() * S;
    private long steps;
    private int faults;
    private boolean healed;
    private int nextName;
    private String failure;

    /** What varies between runs besides the order of steps. */
    record Config(Duration runFor, Duration quietFor, int maxFaults) {
        static final Config DEFAULT = new Config(Duration.ofSeconds(30), Duration.ofSeconds(15), 6);
    }

    Simulation(long seed, Config config, boolean traceAll) {
        this.seed = seed;
        this.rng = new Random(seed);
        this.config = config;
        this.traceAll = traceAll;
        this.trace = new ArrayDeque<>();
        this.target = new SimTarget((d, process) -> invariants().delivered(d, process));
        this.invariants = new Invariants();
        this.server = new SimLeaseServer(this::apiFault, invariants);
        this.jobs = workload();
        jobs.forEach(invariants::job);
        Duration ahead = pick(Duration.ZERO, Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(2));
        this.leaseTemplate = new LeaseSettings("sim", "leasecron", "template", Duration.ofSeconds(3), Duration.ofSeconds(2),
                Duration.ofMillis(500), ahead);
        int limit = pick(0, 0, 0, 2);
        this.engineSettings = new EngineSettings(Duration.ofSeconds(5), 10_000, Duration.ofSeconds(5), limit,
                rng.nextBoolean() ? EngineSettings.LimitMode.Wait : EngineSettings.LimitMode.Skip);
        note("sim", "seed " + seed + ": claim ahead " + ahead.toMillis() + " ms, limit " + limit + " " + engineSettings.limitMode());
        int n = 3 + rng.nextInt(3);
        for (int i = 0; i < n; i++) {
            start("pod-" + nextName++, 1);
        }
    }

    private Invariants invariants() {
        return invariants;
    }

    /** The jobs of every run: each catch-up and delivery policy, a deadline, Forbid, retries, a one-time job. */
    private static List<JobSpec> workload() {
        return List.of(
                Jobs.every("sim/all", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600", "timeout: 3s"),
                Jobs.every("sim/at-least-once", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600", "delivery: AtLeastOnce", "timeout: 3s",
                        "retry: {attempts: 2, backoff: 500ms}"),
                Jobs.every("sim/latest", "@every 2s", "timeout: 3s"),
                Jobs.every("sim/none", "*/3 * * * * *", "catchUp: None", "timeout: 2s"),
                Jobs.every("sim/deadline", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 2", "timeout: 2s"),
                Jobs.every("sim/forbid", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600", "concurrencyPolicy: Forbid", "timeout: 1500ms"),
                Jobs.spec("sim/once", "runAt: \"" + T0.plusSeconds(7) + "\"\nhttp: {url: \"http://127.0.0.1:9/once\"}\n"));
    }

    // ---------------------------------------------------------------- running

    /** Runs to the end; returns null if every invariant held, else the first violation. */
    String run() {
        long healAt = now + config.runFor().toNanos();
        long endAt = healAt + config.quietFor().toNanos();
        while (now < endAt && failure == null) {
            if (!healed && now >= healAt) {
                heal();
            }
            step();
            steps++;
            if (!invariants.violations().isEmpty()) {
                failure = invariants.violations().get(0);
            }
        }
        if (failure == null) {
            invariants.endOfRun(T0.plusNanos(MAX_SKEW), Instant.ofEpochSecond(0, healAt).plusSeconds(4));
            if (!invariants.violations().isEmpty()) {
                failure = invariants.violations().get(0);
            }
        }
        return failure;
    }

    long steps() {
        return steps;
    }

    Invariants result() {
        return invariants;
    }

    /** The steps that led here, oldest first (all of them with tracing on, else the last few hundred). */
    List<String> trace() {
        return new ArrayList<>(trace);
    }

    /** Every fault ends: paused and suspended processes go on, dead ones start again, the API answers. */
    private void heal() {
        healed = true;
        note("sim", "heal: every fault ends (targets answer from now on)");
        for (SimReplica r : new ArrayList<>(replicas)) {
            if (r.state == SimReplica.State.PAUSED || r.state == SimReplica.State.SUSPENDED) {
                resume(r);
            }
        }
        int alive = 0;
        for (SimReplica r : replicas) {
            alive += r.alive() ? 1 : 0;
        }
        if (alive == 0) {
            start("pod-" + nextName++, 1);
        }
    }

    private void start(String identity, int incarnation) {
        long skew = healed ? 0 : (long) ((rng.nextDouble() * 2 - 1) * MAX_SKEW);
        double rate = 1 + (rng.nextDouble() * 2 - 1) * 0.002;
        SimClock clock = new SimClock(now, skew, rate);
        LeaseSettings lease = new LeaseSettings("sim", "leasecron", identity, leaseTemplate.leaseDuration(), leaseTemplate.renewDeadline(),
                leaseTemplate.retryPeriod(), leaseTemplate.claimAhead());
        String process = identity + "#" + incarnation;
        SimReplica r = new SimReplica(identity, incarnation, clock, server, lease, engineSettings, target, () -> now, rng, jobs,
                e -> {
                    if (traceAll) {
                        note(process, "engine: " + e);
                    }
                    invariants.on(process, e);
                }, through -> {
                    if (traceAll) {
                        note(process, "engine: progress reported through " + through);
                    }
                });
        replicas.add(r);
        invariants.registered(process, clock.now());
        note(process, "started, clock " + (skew / MS) + " ms off, rate " + String.format("%.4f", rate));
    }

    /** One step: a thread of some process, the clock, or a fault. */
    private void step() {
        List<Choice> choices = new ArrayList<>();
        boolean due = false;
        for (SimReplica r : replicas) {
            if (!r.runs()) {
                continue;
            }
            if (!r.electorQueue.isEmpty()) {
                choices.add(new Choice(r, Kind.CALLBACK, 5));
                due = true;
            } else if (r.call == null) {
                boolean electorDue = r.elector.nextStep() <= r.clock.nanoTime();
                choices.add(new Choice(r, Kind.PREPARE, electorDue ? 5 : 0.2));
                due |= electorDue;
            } else {
                choices.add(new Choice(r, r.performed ? Kind.COMPLETE : Kind.PERFORM, 3));
                due = true;
            }
            boolean timerDue = !r.clock.now().isBefore(r.timerNext);
            choices.add(new Choice(r, Kind.TICK, timerDue ? 5 : 0.3));
            due |= timerDue;
            if (!r.dispatchQueue.isEmpty()) {
                choices.add(new Choice(r, Kind.DISPATCH, 4));
                due = true;
            }
            if (!r.transport.movable().isEmpty()) {
                choices.add(new Choice(r, Kind.HTTP, 3));
                due = true;
            }
            if (!r.watch.queue.isEmpty()) {
                choices.add(new Choice(r, Kind.WATCH, 3));
                due = true;
            }
        }
        choices.add(new Choice(null, Kind.TIME, due ? 0.5 : 50));
        if (!healed && faults < config.maxFaults()) {
            choices.add(new Choice(null, Kind.FAULT, 0.02));
        }
        double total = 0;
        for (Choice c : choices) {
            total += c.weight;
        }
        double x = rng.nextDouble() * total;
        Choice chosen = choices.get(choices.size() - 1);
        for (Choice c : choices) {
            x -= c.weight;
            if (x < 0) {
                chosen = c;
                break;
            }
        }
        take(chosen, due);
        progressStops();
    }

    enum Kind {
        CALLBACK, PREPARE, PERFORM, COMPLETE, TICK, DISPATCH, HTTP, WATCH, TIME, FAULT
    }

    record Choice(SimReplica r, Kind kind, double weight) {
    }

    private void take(Choice c, boolean due) {
        SimReplica r = c.r();
        switch (c.kind()) {
            case CALLBACK -> {
                r.electorQueue.poll().run();
                note(r, "elector: leadership listener (the engine's recovery)");
            }
            case PREPARE -> {
                PendingCall call = r.elector.prepare();
                if (call == null) {
                    // Asking to run again at once is fine after a change (a step-down); twice in a row at the same
                    // instant, with nothing done in between, is a thread that spins.
                    if (r.state != SimReplica.State.STOPPING && r.elector.nextStep() <= r.clock.nanoTime()) {
                        if (r.idleAt == r.clock.nanoTime()) {
                            invariants.violations().add(r + ": the elector had nothing to do and asked to run again at once, "
                                    + "twice in a row (its thread would spin)");
                        }
                        r.idleAt = r.clock.nanoTime();
                    }
                    if (traceAll) {
                        note(r, "elector: nothing due");
                    }
                } else {
                    r.call = call;
                    r.performed = false;
                    note(r, "elector: sends " + call);
                }
            }
            case PERFORM -> {
                r.elector.perform(r.call);
                r.performed = true;
                note(r, "api: " + r.call);
            }
            case COMPLETE -> {
                PendingCall call = r.call;
                r.call = null;
                r.elector.complete(call);
                note(r, "elector: answer taken in" + (r.elector.isLeader() ? " (leader)" : ""));
            }
            case TICK -> {
                r.timerNext = r.engine.tick();
                if (traceAll) {
                    note(r, "timer: tick, next " + r.timerNext);
                }
            }
            case DISPATCH -> {
                Runnable task = r.dispatchQueue.remove(rng.nextInt(r.dispatchQueue.size()));
                task.run();
                if (traceAll) {
                    note(r, "dispatch: a task");
                }
            }
            case HTTP -> {
                List<SimTransport.Flight> movable = r.transport.movable();
                SimTransport.Flight f = movable.get(rng.nextInt(movable.size()));
                note(r, "http: " + r.transport.advance(f, move(f)));
            }
            case WATCH -> {
                var v = r.watch.queue.poll();
                if (rng.nextInt(20) == 0) {
                    note(r, "watch: gap, lost " + v.map(l -> "term " + l.term() + " v" + l.resourceVersion()).orElse("deletion"));
                } else {
                    r.watch.consumer.accept(v);
                    if (traceAll) {
                        note(r, "watch: " + v);
                    }
                }
            }
            case TIME -> advance(due);
            case FAULT -> fault();
            default -> throw new IllegalStateException();
        }
    }

    private SimTransport.Move move(SimTransport.Flight f) {
        int x = rng.nextInt(100);
        if (healed) {
            // Targets heal too: a backlog queued behind hanging calls drains before the end.
            return f.stage == SimTransport.Stage.CONNECTING ? SimTransport.Move.WRITE
                    : x < 90 ? SimTransport.Move.ANSWER_200 : SimTransport.Move.ANSWER_500;
        }
        if (f.stage == SimTransport.Stage.CONNECTING) {
            return x < 4 ? SimTransport.Move.REFUSED : SimTransport.Move.WRITE;
        }
        return x < 82 ? SimTransport.Move.ANSWER_200 : x < 90 ? SimTransport.Move.ANSWER_500
                : x < 95 ? SimTransport.Move.CLOSE_AFTER_READ : SimTransport.Move.HANG;
    }

    /** Moves true time: a little while a thread has something due, else to about when the next thing is due. */
    private void advance(boolean due) {
        long delta;
        if (due) {
            delta = 1 + rng.nextInt(5) * MS;
        } else {
            long next = Long.MAX_VALUE;
            for (SimReplica r : replicas) {
                if (r.runs()) {
                    next = Math.min(next, Math.max(0, r.elector.nextStep() - r.clock.nanoTime()));
                    if (r.timerNext != Instant.MIN) {
                        long wall = r.clock.now().getEpochSecond() * S + r.clock.now().getNano();
                        long t = r.timerNext.getEpochSecond() * S + r.timerNext.getNano();
                        next = Math.min(next, Math.max(0, t - wall));
                    }
                }
                if (r.state == SimReplica.State.PAUSED || r.state == SimReplica.State.SUSPENDED || r.state == SimReplica.State.DEAD) {
                    next = Math.min(next, Math.max(0, r.untilNanos - now));
                }
            }
            delta = Math.min(next, 500 * MS) + rng.nextInt(20) * MS + 1;
        }
        now += delta;
        server.trueNanos = now;
        for (SimReplica r : replicas) {
            if (r.alive()) {
                r.clock.advance(delta);
            }
        }
        for (SimReplica r : new ArrayList<>(replicas)) {
            if ((r.state == SimReplica.State.PAUSED || r.state == SimReplica.State.SUSPENDED) && now >= r.untilNanos) {
                resume(r);
            } else if (r.state == SimReplica.State.DEAD && r.untilNanos > 0 && now >= r.untilNanos) {
                r.untilNanos = 0;
                restart(r);
            }
        }
        if (traceAll) {
            note("sim", "time +" + delta / MS + " ms");
        }
    }

    private void resume(SimReplica r) {
        if (r.state == SimReplica.State.SUSPENDED) {
            r.clock.resume();
        }
        r.state = r.stop != null ? SimReplica.State.STOPPING : SimReplica.State.RUNNING;
        note(r, "resumed");
    }

    private void restart(SimReplica dead) {
        boolean sameName = rng.nextBoolean();
        if (sameName) {
            start(dead.identity, dead.incarnation + 1);
        } else {
            start("pod-" + nextName++, 1);
        }
    }

    /** A process fault, at any step. */
    private void fault() {
        List<SimReplica> candidates = new ArrayList<>();
        for (SimReplica r : replicas) {
            if (r.state == SimReplica.State.RUNNING) {
                candidates.add(r);
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        // Leaders are where the interesting faults are: pick the leader half of the time.
        SimReplica r = candidates.get(rng.nextInt(candidates.size()));
        for (SimReplica c : candidates) {
            if (c.elector.isLeader() && rng.nextBoolean()) {
                r = c;
            }
        }
        faults++;
        switch (rng.nextInt(5)) {
            case 0 -> {
                r.die();
                r.untilNanos = now + (1 + rng.nextInt(5)) * S;
                note(r, "SIGKILL");
            }
            case 1 -> {
                r.state = SimReplica.State.PAUSED;
                r.untilNanos = now + (200 + rng.nextInt(6000)) * MS;
                note(r, "SIGSTOP for " + (r.untilNanos - now) / MS + " ms");
            }
            case 2 -> {
                r.state = SimReplica.State.SUSPENDED;
                r.clock.suspend();
                r.untilNanos = now + (200 + rng.nextInt(6000)) * MS;
                note(r, "VM suspended for " + (r.untilNanos - now) / MS + " ms");
            }
            case 3 -> {
                r.sigterm(now);
                note(r, "SIGTERM");
            }
            default -> {
                long step = (long) ((rng.nextDouble() * 2 - 1) * 3 * S);
                r.clock.stepWall(step);
                note(r, "wall clock stepped " + step / MS + " ms");
            }
        }
    }

    /** Moves every graceful stop along, as the service's shutdown sequence would. */
    private void progressStops() {
        for (SimReplica r : replicas) {
            if (r.state != SimReplica.State.STOPPING) {
                continue;
            }
            if (r.stop == SimReplica.Stop.ENGINE && (r.engine.startingCount() == 0 || now - r.stopBeganNanos >= S)) {
                r.stop = SimReplica.Stop.RELEASE;
                boolean release = r.elector.beginRelease();
                note(r, "stop: the engine has stopped taking slots; " + (release ? "releasing the Lease" : "nothing to release"));
            } else if (r.stop == SimReplica.Stop.RELEASE && r.call == null && r.elector.handedOver()) {
                r.stop = SimReplica.Stop.DRAIN;
                r.untilNanos = now + 2 * S;
                note(r, "stop: handed over, running attempts may finish");
            } else if (r.stop == SimReplica.Stop.DRAIN && (r.engine.runningCount() == 0 || now >= r.untilNanos)) {
                r.die();
                r.untilNanos = healed ? now : now + (1 + rng.nextInt(3)) * S;
                note(r, "exited");
            }
        }
        if (healed) {
            for (SimReplica r : new ArrayList<>(replicas)) {
                if (r.state == SimReplica.State.DEAD && r.untilNanos > 0) {
                    r.untilNanos = 0;
                    restart(r);
                }
            }
        }
    }

    private SimLeaseServer.Fault apiFault(String replica, String operation) {
        if (healed) {
            return SimLeaseServer.Fault.NONE;
        }
        int x = rng.nextInt(100);
        return x < 3 ? SimLeaseServer.Fault.NOT_APPLIED : x < 6 ? SimLeaseServer.Fault.ANSWER_LOST
                : x < 8 ? SimLeaseServer.Fault.STALE_READ : SimLeaseServer.Fault.NONE;
    }

    @SafeVarargs
    private <T> T pick(T... options) {
        return options[rng.nextInt(options.length)];
    }

    private void note(Object who, String what) {
        String line = String.format("%9.3f %-8s %s", (now - T0.getEpochSecond() * S) / 1e9, who, what);
        trace.add(line);
        if (!traceAll && trace.size() > 400) {
            trace.poll();
        }
    }
}
