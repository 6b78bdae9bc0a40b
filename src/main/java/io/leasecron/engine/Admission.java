package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.job.Delivery;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Decides, for each due slot, whether it fires: the checks before the gate (one-time jobs that fired, planned skips,
 * suspension, the starting deadline, a stop), the {@link LeaderGate} itself, and the slots waiting for a claim.
 * Slots the gate lets fire go to the {@link Supervisor}.
 *
 * <p>Guarantees: slots are put to the gate in slot order within a pass, and once one waits for its claim every later
 * one waits behind it, so that a batch is claimed with one request; the gate is never asked about a slot after a
 * stop began (a slot the gate let fire is started, so that the final progress report covers it).
 *
 * <p>Per term, one decision per (job, slot): a slot the gate answered in a term (let fire, or uncertain) is not put
 * through the fire path again in that term, and a slot one copy of which waits for a claim is not offered as a second
 * copy, whatever offers it again (the slots waiting for a claim, a takeover's recovery, a backlog). It is the second
 * line of defence against a slot planned twice (the first is that a recovery plans only slots passed without a
 * lease). Limits: skips decided before the gate (suspension, catch-up planning, a starting deadline) are not
 * recorded: they belong to no term, and a later term's recovery may rightly decide otherwise; a repeat of one is
 * reported again, never fired. The record is kept only above the progress reported to the gate, so that it stays
 * small: a repeat at or before that is not caught here. A planned copy holds progress back until it is decided, so
 * such a repeat would have to be planned after the slot was reported as started, which only a takeover's recovery
 * does, and that plans only slots this engine passed without a lease.
 */
final class Admission {
    private static final Logger LOG = Logger.getLogger(Admission.class);

    private final LeaderGate gate;
    private final JobTable jobs;
    private final Supervisor supervisor;
    private final Progress progress;
    private final Listeners listeners;
    private final AtomicLong loopFailures;
    private final Runnable wake;

    /** Why a job is paused (a sentence for its skips), or null when it is not. */
    private volatile Function<JobId, String> paused = id -> null;

    /** Slots waiting for a claim, in the order they came due (under this object's monitor). */
    private List<Candidate> pending = new ArrayList<>();
    /** The latest slot a claim was requested for and not yet resolved; null when none is outstanding. */
    private Instant claimRequested;

    // Decisions, touched only by the thread running a pass.
    private record SlotKey(JobId job, Instant slot) {
    }

    /** The term the recorded decisions belong to: the latest the gate answered with. */
    private long decidedTerm = Long.MIN_VALUE;
    /** The jobs whose slot at each time the gate answered in {@link #decidedTerm}, above the progress reported. */
    private final TreeMap<Instant, Set<JobId>> decided = new TreeMap<>();
    /** The latest term whose recovery has been applied. */
    private long recoveredTerm = Long.MIN_VALUE;
    /** Whether terms come with recoveries at all (Kubernetes mode); local mode leads one term, with none. */
    private volatile boolean takeovers;
    /** The copy of each (job, slot) that waits for a claim. */
    private final Map<SlotKey, Candidate> waitingCopy = new HashMap<>();

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

    /** Scheduled slots of a job {@code paused} names are skipped as suspended, with its sentence; manual runs are not. */
    void pausedBy(Function<JobId, String> paused) {
        this.paused = paused;
    }

    /** Slots due outside a timer (a one-time job registered after its time): the next pass offers them. */
    synchronized void addPending(List<Candidate> due) {
        pending.addAll(due);
    }

    /** A slot let fire in a term that ended before it started: the next pass offers it to the gate again. */
    void reoffer(Run run) {
        progress.planned(run.slot);
        addPending(List.of(run.manual ? Candidate.manual(run.reg, run.slot) : new Candidate(run.reg, run.spec, run.generation, run.slot)));
        wake.run();
    }

    /** Takes the slots waiting for a claim, for a pass to offer them again. */
    synchronized List<Candidate> takePending() {
        List<Candidate> out = pending;
        pending = new ArrayList<>();
        return out;
    }

    /**
     * Whether the takeover's recovery of {@link #decidedTerm} has been applied (or terms come with none): until it
     * has, decisions are kept even below the progress reported, for the recovery may plan those slots again (a pass
     * of a new term can run before its recovery is applied: the takeover and the recovery are two steps, on two
     * threads).
     */
    private boolean recovered() {
        return !takeovers || recoveredTerm >= decidedTerm;
    }

    /** A takeover was announced: from now on every term comes with a recovery, which may come after its first pass. */
    void takeoverAnnounced() {
        takeovers = true;
    }

    /** The recovery of the takeover that began {@code term} has been planned and offered, in the pass that just ended. */
    void recoveryApplied(long term) {
        long t = term == Engine.Takeover.UNKNOWN_TERM ? decidedTerm : term;
        recoveredTerm = Math.max(recoveredTerm, t);
    }

    /** A new pass at {@code now}; {@code recovering}: it offers a takeover's recovery. */
    Pass pass(Instant now, boolean recovering) {
        Instant reported = progress.reported();
        if (reported != null && recovered() && !recovering) {
            decided.headMap(reported, true).clear();
        }
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
                    waitingCopy.remove(new SlotKey(c.spec.id(), c.slot), c);
                    if (!c.reg.removed) {
                        listeners.publish(rescheduled(c));
                    }
                    settle(c); // deleted, or rescheduled by an edit: its old slots are void
                    return;
                }
                if (!waiting.isEmpty() || !fire(c, now)) {
                    waiting.add(c);
                }
            } catch (RuntimeException e) {
                loopFailures.incrementAndGet();
                waitingCopy.remove(new SlotKey(c.spec.id(), c.slot), c);
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
        SlotKey key = new SlotKey(spec.id(), slot);
        if (repeated(key, c)) {
            return settle(c); // the other copy is, or was, decided: nothing to publish twice
        }
        if (!c.manual && jobs.oneTimeFired(spec, slot)) {
            listeners.publish(JobTable.alreadyFired(spec));
            return settle(c);
        }
        if (c.skipReason != null) {
            // Planning skips it (missed, too late). A slot the predecessor claimed is uncertain all the same: it may
            // have run, which is for the delivery policy to weigh, not the catch-up policy.
            if (!supervisor.stopping() && gate.authorise(slot) instanceof Decision.Uncertain u) {
                return uncertain(c, key, u, now);
            }
            listeners.publish(new SkippedExecution(spec.id(), slot, c.skipReason, c.skipDetail));
            return settle(c);
        }
        if (!c.manual && spec.suspend()) {
            listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.SUSPENDED, "job is suspended (suspend: true in its spec)"));
            return settle(c);
        }
        String pause = c.manual ? null : paused.apply(spec.id());
        if (pause != null) {
            listeners.publish(new SkippedExecution(spec.id(), slot, SkipReason.SUSPENDED, pause));
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
        if (decision instanceof Decision.Pending) {
            c.waited = true;
            waitingCopy.put(key, c);
            return false;
        }
        waitingCopy.remove(key, c);
        if (decision instanceof Decision.Refused r) {
            listeners.publish(new SkippedExecution(spec.id(), slot, r.reason(), r.detail()));
            // Only a slot an earlier term started is settled; any other refusal leaves it open, for a recovery.
            if (r.reason() == SkipReason.PREVIOUS_LEADER) {
                return settle(c);
            }
            if (!c.manual) {
                JobTable.refused(c); // a manual slot is not the schedule's: no recovery plans it again
            }
            return open(c);
        }
        if (decision instanceof Decision.Uncertain u) {
            return uncertain(c, key, u, now);
        }
        long term = ((Decision.Fire) decision).term();
        decided(key, term);
        progress.fired(term);
        supervisor.admit(c, term, now);
        return true;
    }

    /**
     * A slot the predecessor claimed and may not have started: reported, then the delivery policy applies.
     * {@code AtMostOnce} does not fire it again; {@code AtLeastOnce} does, but no later than any slot may start.
     */
    private boolean uncertain(Candidate c, SlotKey key, Decision.Uncertain u, Instant now) {
        JobSpec spec = c.spec;
        waitingCopy.remove(key, c);
        decided(key, u.term());
        Duration late = Duration.between(c.slot, now);
        boolean tooLate = spec.startingDeadline().isPresent() && late.compareTo(spec.startingDeadline().get()) > 0;
        boolean refire = spec.delivery() == Delivery.AtLeastOnce && !tooLate && !supervisor.stopping();
        listeners.publish(new UncertainExecution(spec.id(), c.slot, u.term(), refire, u.detail()));
        if (spec.delivery() != Delivery.AtLeastOnce) {
            listeners.publish(new SkippedExecution(spec.id(), c.slot, SkipReason.UNCERTAIN, u.detail()
                    + "; delivery AtMostOnce does not fire it again"));
            return settle(c);
        }
        if (tooLate) {
            listeners.publish(new SkippedExecution(spec.id(), c.slot, SkipReason.DEADLINE_EXCEEDED, u.detail()
                    + "; delivery AtLeastOnce fires it again only within startingDeadlineSeconds "
                    + spec.startingDeadline().get().toSeconds() + ", and it would start " + late.toMillis() + " ms late"));
            return settle(c);
        }
        if (!refire) {
            listeners.publish(new SkippedExecution(spec.id(), c.slot, SkipReason.SHUTTING_DOWN, "replica is shutting down"));
            return open(c);
        }
        progress.fired(u.term());
        supervisor.admit(c, u.term(), now);
        return true;
    }

    /**
     * Whether another copy of this (job, slot) waits for its claim, or the gate already answered for it in the term
     * it is in now (asked again only for a slot it answered before, so a new term decides afresh).
     */
    private boolean repeated(SlotKey key, Candidate c) {
        Candidate other = waitingCopy.get(key);
        if (other != null && other != c && !other.isVoid()) {
            return true;
        }
        Set<JobId> jobs = decided.get(key.slot());
        if (jobs == null || !jobs.contains(key.job())) {
            return false;
        }
        Decision now = gate.authorise(key.slot());
        return Decision.firesIn(now).equals(OptionalLong.of(decidedTerm));
    }

    /** The gate answered for this (job, slot) in {@code term}; a later term's answer starts a new record. */
    private void decided(SlotKey key, long term) {
        if (term > decidedTerm) {
            decided.clear();
            decidedTerm = term;
        }
        if (term == decidedTerm) {
            decided.computeIfAbsent(key.slot(), t -> new HashSet<>(2)).add(key.job());
        }
    }

    /** The skip of a slot that came due under a schedule the job no longer has. */
    private static SkippedExecution rescheduled(Candidate c) {
        JobSpec now = c.reg.spec;
        return new SkippedExecution(c.spec.id(), c.slot, SkipReason.SCHEDULE_CHANGED, "the schedule was edited from \""
                + c.spec.scheduleText() + "\" (" + c.spec.timeZone() + ") to \"" + now.scheduleText() + "\" (" + now.timeZone()
                + ") " + (c.waited ? "while this slot waited for its lease claim" : "before this slot could fire")
                + "; slots of the old schedule do not fire");
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
