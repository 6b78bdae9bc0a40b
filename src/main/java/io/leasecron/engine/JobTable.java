package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.SlotPlanner.Planned;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The registered jobs, each with its generation and one timer for its next slot, in a queue ordered by time, and
 * the one-time jobs that fired. Taking a due timer plans the job's due slots (with the {@link SlotPlanner}) and sets
 * the timer to the slot after them, so there is no periodic scan of all jobs. Every slot it plans is outstanding for
 * {@link Progress} from the moment it is planned. Its own monitor guards it; holding it, it calls only
 * {@link Progress#planned}, which takes no other lock.
 */
final class JobTable {
    private static final Logger LOG = Logger.getLogger(JobTable.class);

    private final SlotPlanner planner;
    private final Progress progress;
    private final AtomicLong loopFailures;
    private final Map<JobId, Registration> jobs = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long sequence;
    /**
     * The {@code runAt} of every one-time job this engine has started (or queued to start), by job, kept after the
     * job is removed: a one-time job registered again — the same spec pushed again, its ConfigMap deleted and
     * re-created — is not fired a second time. In memory only: what earlier processes fired is the gate's to know
     * (the Lease's dispatched-through record; in local mode, the replica's start). One small entry per one-time job
     * that fired, for the life of the process.
     */
    private final Map<JobId, Instant> oneTimeFired = new ConcurrentHashMap<>();

    private record Timer(Instant time, long seq, Registration reg, long generation, Occurrence slot)
            implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = time.compareTo(o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    JobTable(SlotPlanner planner, Progress progress, AtomicLong loopFailures) {
        this.planner = planner;
        this.progress = progress;
        this.loopFailures = loopFailures;
    }

    /**
     * Registers or replaces a job. An edit that keeps the slots keeps the timer (and returns null); any other
     * registration starts a new generation from {@code now} and returns the slots that are due at once: those of a
     * one-time job whose {@code runAt} has already passed, planned by its catch-up policy.
     *
     * @return null if the edit kept the slots, else the slots due at once (usually none)
     */
    synchronized List<Candidate> upsert(JobSpec spec, Instant now) {
        Registration reg = jobs.get(spec.id());
        if (reg != null && sameSlots(reg.spec, spec)) {
            reg.spec = spec;
            return null;
        }
        if (reg == null) {
            reg = new Registration();
            jobs.put(spec.id(), reg);
        }
        reg.spec = spec;
        reg.generation++;
        reg.cursor = now;
        synchronized (reg) {
            reg.recoverableThrough = now;
            reg.registeredAt = now;
        }
        List<Candidate> due = new ArrayList<>(0);
        if (spec.oneTime() && !spec.runAt().get().isAfter(now)) {
            reg.next = null;
            reg.cursor = spec.runAt().get();
            candidates(reg, spec, planner.planPastRunAt(spec, now), due);
        } else {
            schedule(reg, spec.schedule().next(now));
        }
        return due;
    }

    /** Unregisters a job: its slots planned so far are void. */
    synchronized void remove(JobId id) {
        Registration reg = jobs.remove(id);
        if (reg != null) {
            reg.generation++;
            reg.removed = true;
        }
    }

    synchronized Optional<Registration> registration(JobId id) {
        return Optional.ofNullable(jobs.get(id));
    }

    synchronized Optional<Engine.JobStatus> status(JobId id) {
        Registration reg = jobs.get(id);
        if (reg == null) {
            return Optional.empty();
        }
        int n;
        synchronized (reg) {
            n = reg.runs == null ? 0 : reg.runs.size();
        }
        return Optional.of(new Engine.JobStatus(reg.spec, Optional.ofNullable(reg.next), n));
    }

    /** The next {@code count} slots of a registered job, starting with the one its timer waits for. */
    List<Occurrence> upcoming(JobId id, int count) {
        JobSpec spec;
        Occurrence next;
        synchronized (this) {
            Registration reg = jobs.get(id);
            if (reg == null || reg.next == null || count <= 0) {
                return List.of();
            }
            spec = reg.spec;
            next = reg.next;
        }
        List<Occurrence> out = new ArrayList<>(count);
        out.add(next);
        out.addAll(spec.schedule().next(next.time(), count - 1));
        return out;
    }

    synchronized int size() {
        return jobs.size();
    }

    /** Every attempt in progress of a registered job. */
    synchronized List<Run> runs() {
        List<Run> out = new ArrayList<>();
        for (Registration reg : jobs.values()) {
            synchronized (reg) {
                if (reg.runs != null) {
                    out.addAll(reg.runs);
                }
            }
        }
        return out;
    }

    /** When the earliest timer is due, or null if none is set. */
    synchronized Instant nextTime() {
        Timer t = timers.peek();
        return t == null ? null : t.time;
    }

    /**
     * Takes the earliest timer if it is due at {@code now}: the job's due slots, planned by its catch-up policy, and
     * its timer set to the slot after them. Returns null when no timer is due; an empty list for a timer of a
     * generation that is no more.
     */
    synchronized List<Candidate> takeDue(Instant now) {
        Timer t = timers.peek();
        if (t == null || t.time.isAfter(now)) {
            return null;
        }
        timers.poll();
        List<Candidate> due = new ArrayList<>(1);
        if (t.generation != t.reg.generation) {
            return due;
        }
        Registration reg = t.reg;
        try {
            JobSpec spec = reg.spec;
            SlotPlanner.Backlog backlog = planner.backlog(spec, t.slot, now);
            if (backlog.beyondCap()) {
                LOG.warnf("%s: more than %d slots came due at once; slots between %s and %s are skipped as missed",
                        spec.id(), backlog.slots().size(), backlog.slots().get(backlog.slots().size() - 1).time(), now);
            }
            reg.cursor = backlog.cursor(now);
            schedule(reg, backlog.next());
            candidates(reg, spec, planner.plan(spec, backlog.slots(), now), due);
        } catch (RuntimeException e) {
            // A schedule that throws must not take the other jobs down with it.
            loopFailures.incrementAndGet();
            Duration later = Engine.MAX_WAIT;
            LOG.errorf(e, "%s slot %s: computing the next slots failed; the job is retried in %s", reg.spec.id(), t.slot.time(), later);
            timers.add(new Timer(now.plus(later), ++sequence, reg, reg.generation, t.slot));
        }
        return due;
    }

    /**
     * A takeover's recovery, applied to every job: the slots each job passed without a lease, after
     * {@code dispatched}, planned again (see {@link SlotPlanner#recover}). Summary skips go to {@code missed}.
     */
    synchronized List<Candidate> recover(Instant dispatched, Instant claimedUntil, Instant now, List<SkippedExecution> missed) {
        List<Candidate> out = new ArrayList<>();
        for (Registration reg : jobs.values()) {
            JobSpec spec = reg.spec;
            Instant through;
            synchronized (reg) {
                through = reg.recoverableThrough;
            }
            if (through == null) {
                continue;
            }
            try {
                // Nothing ever claimed (no Lease, or one no leader claimed on): every slot this engine passed
                // without a lease since the job's registration was handled by nobody.
                Instant floor = claimedUntil == null ? reg.registeredAt : null;
                SlotPlanner.Recovered planned = floor != null ? planner.recover(spec, floor, floor, through, now)
                        : planner.recover(spec, dispatched, claimedUntil, through, now);
                for (Occurrence o : planned.uncertain()) {
                    // Claimed by the predecessor, maybe not started: the gate answers Uncertain for these.
                    progress.planned(o.time());
                    out.add(new Candidate(reg, spec, reg.generation, o.time()));
                }
                planned.missed().ifPresent(missed::add);
                candidates(reg, spec, planned.caughtUp(), out);
            } catch (RuntimeException e) {
                loopFailures.incrementAndGet();
                LOG.errorf(e, "%s: recovering slots after %s failed; they are not fired", spec.id(), claimedUntil);
            }
        }
        return out;
    }

    /** The gate refused {@code slot} for want of a lease: a recovery may plan the job up to it again. */
    static void refused(Candidate c) {
        synchronized (c.reg) {
            if (c.generation == c.reg.generation && (c.reg.recoverableThrough == null || c.slot.isAfter(c.reg.recoverableThrough))) {
                c.reg.recoverableThrough = c.slot;
            }
        }
    }

    /** Whether this one-time job's {@code runAt} has already fired (or been queued to fire) in this process. */
    boolean oneTimeFired(JobSpec spec, Instant slot) {
        return spec.oneTime() && slot.equals(oneTimeFired.get(spec.id()));
    }

    /** Records that the one-time job's {@code runAt} fires now; false if it already did. Atomic per job. */
    boolean claimOneTime(JobSpec spec, Instant slot) {
        boolean[] first = {false};
        oneTimeFired.compute(spec.id(), (id, fired) -> {
            first[0] = !slot.equals(fired);
            return slot;
        });
        return first[0];
    }

    /** A one-time run that will not start after all: its {@code runAt} may fire later (a successor, a new registration). */
    void unclaimOneTime(JobSpec spec, Instant slot) {
        if (spec.oneTime()) {
            oneTimeFired.remove(spec.id(), slot);
        }
    }

    /** The skip of a one-time job whose {@code runAt} has already fired in this process. */
    static SkippedExecution alreadyFired(JobSpec spec) {
        Instant at = spec.runAt().orElseThrow();
        return new SkippedExecution(spec.id(), at, SkipReason.ALREADY_FIRED, "runAt " + at
                + " has already fired on this replica; a one-time job fires once, also when it is registered again");
    }

    private void schedule(Registration reg, Optional<Occurrence> next) {
        reg.next = next.orElse(null);
        if (next.isPresent()) {
            timers.add(new Timer(next.get().time(), ++sequence, reg, reg.generation, next.get()));
        }
    }

    /** Candidates for planned slots, each outstanding for {@link Progress} from now on. */
    private void candidates(Registration reg, JobSpec spec, List<Planned> planned, List<Candidate> out) {
        for (Planned p : planned) {
            progress.planned(p.slot().time());
            out.add(new Candidate(reg, spec, reg.generation, p.slot().time(), p.fire() ? null : p.reason(), p.detail()));
        }
    }

    /** Two specs that produce the same slots: an edit between them keeps the timer. */
    private static boolean sameSlots(JobSpec a, JobSpec b) {
        if (a.oneTime() || b.oneTime()) {
            return a.runAt().equals(b.runAt()); // one instant: its time zone or spelling changes nothing
        }
        return a.scheduleText().equals(b.scheduleText()) && a.cronType() == b.cronType()
                && a.timeZone().equals(b.timeZone()) && a.dstPolicy() == b.dstPolicy() && a.runAt().equals(b.runAt())
                && a.schedule().equals(b.schedule());
    }
}
