package io.leasecron.simulation;

import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.LeaderGate;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.job.JobSpec;
import io.leasecron.job.SecretResolver;
import io.leasecron.leader.LeaderElector;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.leader.PendingCall;
import io.leasecron.testing.ObservedGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One replica process in a simulation: the real {@link LeaderElector} and {@link Engine}, built as the service
 * builds them, with every thread of the process replaced by a queue the simulation steps: the elector thread
 * (its listener calls, then prepare, perform and complete of one Lease request), the timer thread (a tick), the
 * dispatch threads (any queued task, in any order), the watch thread (the next Lease version, or a gap) and the
 * HTTP client (the real runner over a {@link SimTransport}). A step of one never runs inside a step of another.
 */
final class SimReplica {
    enum State {
        RUNNING, PAUSED, SUSPENDED, STOPPING, DEAD
    }

    /** Where a graceful stop (SIGTERM) is: the engine stops taking slots, then the Lease is released, then it exits. */
    enum Stop {
        ENGINE, RELEASE, DRAIN
    }

    final String identity;
    final int incarnation;
    final String process;
    final SimClock clock;
    final LeaderElector elector;
    final Engine engine;
    final SimTransport transport;
    final Deque<Runnable> electorQueue = new ArrayDeque<>();
    final List<Runnable> dispatchQueue = new ArrayList<>();
    final SimLeaseServer.Watch watch;
    PendingCall call;
    /** When (monotonic) the elector last found nothing to do yet asked to run again at once. */
    long idleAt = Long.MIN_VALUE;
    boolean performed;
    Instant timerNext = Instant.MIN;
    State state = State.RUNNING;
    Stop stop;
    /** True time at which a pause, suspension or drain ends, or the stop began. */
    long untilNanos;
    long stopBeganNanos;

    SimReplica(String identity, int incarnation, SimClock clock, SimLeaseServer server, LeaseSettings lease, EngineSettings settings,
            SimTarget target, Simulation.TrueTime time, Random random, List<JobSpec> jobs, Consumer<ExecutionEvent> events,
            Consumer<Instant> progress) {
        this.identity = identity;
        this.incarnation = incarnation;
        this.process = identity + "#" + incarnation;
        this.clock = clock;
        this.elector = new LeaderElector(server.storeFor(process), lease, clock);
        this.transport = new SimTransport(target, time, process);
        HttpActionRunner runner = new HttpActionRunner(transport, "leasecron/" + identity, SecretResolver.none("no Secrets here"));
        LeaderGate gate = new ObservedGate(elector, slot -> { }, progress);
        this.engine = new Engine(clock, gate, runner, dispatchQueue::add, identity, settings, random::nextDouble);
        engine.addListener(events::accept);
        elector.addListener(new LeaderElector.Listener() {
            @Override
            public void acquired(long term, Engine.Takeover predecessor) {
                // On the elector thread, after the lock is released: the timer thread may run a pass first.
                electorQueue.add(() -> engine.recover(predecessor));
            }
        });
        for (JobSpec spec : jobs) {
            engine.upsert(spec);
        }
        elector.watchLease();
        this.watch = server.watches().get(server.watches().size() - 1);
    }

    boolean alive() {
        return state != State.DEAD;
    }

    /** Whether its threads run: not dead, paused or suspended. */
    boolean runs() {
        return state == State.RUNNING || state == State.STOPPING;
    }

    /** A graceful stop: the engine takes no new slot from now on (the non-blocking start of its stop). */
    void sigterm(long trueNanos) {
        state = State.STOPPING;
        stop = Stop.ENGINE;
        stopBeganNanos = trueNanos;
        engine.stopTakingSlots(Duration.ZERO);
    }

    /** The process is gone: its threads stop, its watch closes, requests not yet on the wire never leave. */
    void die() {
        state = State.DEAD;
        watch.open = false;
        electorQueue.clear();
        dispatchQueue.clear();
        transport.flights.clear();
        call = null;
    }

    @Override
    public String toString() {
        return process;
    }
}
