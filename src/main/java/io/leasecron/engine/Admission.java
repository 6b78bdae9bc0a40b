package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.job.Delivery;
import io.leasecron.job.JobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Decides, for each due slot, whether it fires: the checks before the gate (one-time jobs that fired, planned skips,
 * suspension, the starting deadline, a stop), the {@link LeaderGate} itself, and the slots waiting for a claim.
 * Slots the gate lets fire go to the {@link Supervisor}.
 *
 * <p>Guarantees: slots are put to the gate in slot order within a pass, and once one waits for its claim every later
 * one waits behind it, so that a batch is claimed with one request; the gate is never asked about a slot after a
 * stop began (a slot the gate let fire is started, so that the final progress report covers it).
 */
final class Admission {
    private static final Logger LOG = Logger.getLogger(Engine.class);

    private final LeaderGate gate;
    private final JobTable jobs;
    private final Supervisor supervisor;
    private final Progress progress;
    private final Listeners listeners;
    private final AtomicLong loopFailures;
    private final Runnable wake;

    /** Slots waiting for a claim, in the order they came due (under this object's monitor). */
    private List<Candidate> pending = new ArrayList<>();
    /** The latest slot a claim was requested for and not yet resolved; null when none is outstanding. */
    private Instant claimRequested;

    Admission(LeaderGate gate, JobTable jobs, Supervisor supervisor, Progress progress, Listeners listeners,
            AtomicLong loopFailures, Runnable wake) {
        this.gate = gate;
        this.jobs = jobs;
        this.supervisor = supervisor;
        this.progress = progress;
        this.listeners = listeners;
        this.loopFailures = loopFailures;
        this.wake = wake;
    }

    /** Slots due outside a timer (a one-time job registered after its time): the next pass offers them. */
    synchronized void addPending(List<Candidate> due) {
        pending.addAll(due);
    }

    /** Takes the slots waiting for a claim, for a pass to offer them again. */
    synchronized List<Candidate> takePending() {
        List<Candidate> out = pending;
        pending = new ArrayList<>();
        return out;
    }


    /** A new pass at {@code now}. */
    Pass pass(Instant now) {
        return new Pass(now);
    }

    /**
     * One pass of candidates through the fire path, in slot order. Once a candidate waits for its claim, every
     * later one waits behind it; {@link #finish} requests one claim for all of them.
     */
    final class Pass {
        private final Instant now;
        private final List<Candidate> waiting = new ArrayList<>();

        private Pass(Instant now) {
            this.now = now;
        }

        void offer(Candidate c) {
            try {
                if (c.isVoid()) {
                    settle(c); // deleted, or rescheduled by an edit: its old slots are void
                    return;
                }
                if (!waiting.isEmpty() || !fire(c, now)) {
                    waiting.add(c);
                }
            } catch (RuntimeException e) {
                loopFailures.incrementAndGet();
                if (!c.released) {
                    open(c); // neither started nor decided against
                }
                LOG.errorf(e, "%s slot %s: fire failed inside the engine", c.spec.id(), c.slot);
            }
        }

        /** Keeps the waiting slots for the next pass and asks the gate for one claim that covers them all. */
        void finish() {
            Instant claim = null;
            synchronized (Admission.this) {
                if (!waiting.isEmpty()) {
                    waiting.addAll(pending);
                    pending = new ArrayList<>(waiting);
                    Instant latest = waiting.get(waiting.size() - 1).slot;
                    for (Candidate c : waiting) {
                        latest = c.slot.isAfter(latest) ? c.slot : latest;
                    }
                    if (claimRequested == null || latest.isAfter(claimRequested)) {
                        claimRequested = latest;
                        claim = latest;
                    }
                }
            }
            if (claim != null) {
                gate.requestClaim(claim, Admission.this::claimResolved);
            }
        }
    }

    private void claimResolved() {
        synchronized (this) {
            claimRequested = null;
        }
        wake.run();
    }

    /**
     * Gate, concurrency, run, publish: everything a slot goes through, in that order. Returns false if the slot
     * waits for its claim; otherwise it was handed to the {@link Supervisor}, settled (skipped, uncertain and not
     * fired again, started by an earlier term) or left open (a stop, a refusal for want of a lease: not started and
     * not decided against, so a successor must still see it as open).
     */
    private boolean fire(Candidate c, Instant now) {
        JobSpec spec = c.spec;
        Instant slot = c.slot;
        if (jobs.oneTimeFired(spec, slot)) {
            listeners.publish(JobTable.alreadyFired(spec));
            return settle(c);
        }
        if (c.skipReason != null) {
            listeners.publish(new SkippedExecution(spec.id(), slot, c.skipReason, c.skipDetail));
            return settle(c);
        }
        if (spec.suspend()) {
            listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.SUSPENDED, "job is suspended"));
            return settle(c);
        }
        if (c.waited && spec.startingDeadline().isPresent()
                && Duration.between(slot, now).compareTo(spec.startingDeadline().get()) > 0) {
            listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.DEADLINE_EXCEEDED, "waited for the lease claim until "
                    + Duration.between(slot, now).toMillis() + " ms late, past startingDeadlineSeconds " + spec.startingDeadline().get().toSeconds()));
            return settle(c);
        }
        if (supervisor.stopping()) {
            // Checked before the gate, never after it: a slot the gate let fire is started, so that the progress
            // reported when the pass ends covers it (see Engine.stopTakingSlots).
            listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.SHUTTING_DOWN, "replica is shutting down"));
            return open(c);
        }
        Decision decision = gate.authorise(slot);
        long term;
        if (decision instanceof Decision.Fire f) {
            term = f.term();
            progress.fired(term);
        } else if (decision instanceof Decision.Pending) {
            c.waited = true;
            return false;
        } else if (decision instanceof Decision.Refused r) {
            listeners.publish(new SkippedExecution(spec.id(), slot, r.reason(), r.detail()));
            // Only a slot an earlier term started is settled; any other refusal leaves it open, for a recovery.
            if (r.reason() == SkipReason.PREVIOUS_LEADER) {
                return settle(c);
            }
            JobTable.refused(c);
            return open(c);
        } else {
            Decision.Uncertain u = (Decision.Uncertain) decision;
            boolean refire = spec.delivery() == Delivery.AtLeastOnce;
            listeners.publish(new UncertainExecution(spec.id(), slot, u.term(), refire, u.detail()));
            if (!refire) {
                listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.UNCERTAIN, u.detail()
                        + "; delivery AtMostOnce does not fire it again"));
                return settle(c);
            }
            term = u.term();
            progress.fired(term);
        }
        supervisor.admit(c, term, now);
        return true;
    }

    /** The slot was deliberately not fired. */
    private boolean settle(Candidate c) {
        c.released = true;
        progress.settled(c.slot);
        return true;
    }

    /** The slot was not started and nobody decided against it: open in the latest term the gate let fire in. */
    private boolean open(Candidate c) {
        c.released = true;
        progress.open(progress.latestTerm(), c.slot);
        return true;
    }
}
