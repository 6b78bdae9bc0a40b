package io.leasecron.simulation;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.SkipReason;
import io.leasecron.execution.Fire;
import io.leasecron.job.CatchUp;
import io.leasecron.job.Delivery;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.schedule.Occurrence;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What must hold in every simulated run, checked as it happens (after every step) and once at the end:
 * <ol>
 * <li>an {@code AtMostOnce} slot starts at most once, across all replicas and terms; an {@code AtLeastOnce} slot
 * at most once per term; a one-time job at most once;</li>
 * <li>a slot fires only under a term that claimed it on the Lease (or, {@code AtLeastOnce}, as the uncertain slot
 * of the term before), and no term's write commits after a later term took the Lease: claims never overlap;</li>
 * <li>the target sees each attempt of a slot at most once (no hidden resend), always with the slot's one
 * {@code Idempotency-Key};</li>
 * <li>{@code dispatchedThrough} never covers a slot the term claimed and did not start: when a term records
 * progress through D, every slot of a {@code catchUp: All} job after its inherited claim up to D was started
 * (and its request left the process) or deliberately not fired by that term, and every slot any job fired
 * under that term up to D has left the process;</li>
 * <li>at the end, once every fault has healed and a leader has run for a while: every due slot of a
 * {@code catchUp: All} job was started or reported uncertain (or skipped past its starting deadline), and every
 * {@code AtLeastOnce} one was started.</li>
 * </ol>
 * Violations are collected as readable sentences; the simulation stops at the first.
 */
final class Invariants implements SimLeaseServer.Listener {
    /** Skips that settle a slot: decided against, not merely refused for want of a lease. */
    private static final Set<SkipReason> SETTLING = EnumSet.of(SkipReason.CONCURRENCY, SkipReason.LIMIT, SkipReason.SUSPENDED,
            SkipReason.MISSED, SkipReason.DEADLINE_EXCEEDED, SkipReason.ALREADY_FIRED, SkipReason.PREVIOUS_LEADER, SkipReason.UNCERTAIN,
            SkipReason.SCHEDULE_CHANGED);

    /** Everything known of one slot. */
    static final class SlotLog {
        final List<String> starts = new ArrayList<>();
        final Set<Long> startTerms = new HashSet<>();
        /** Terms under which an attempt-1 start left the process (on the wire, or an outcome). */
        final Set<Long> leftIn = new HashSet<>();
        /** Processes ("replica#incarnation") that started it, with the term: until it left. */
        final Map<String, Long> pendingBy = new HashMap<>();
        /** Processes whose attempt-1 start of it left the process. */
        final Set<String> leftBy = new HashSet<>();
        /** Processes that started it (attempt 1). */
        final Set<String> startedBy = new HashSet<>();
        final Set<String> settledBy = new HashSet<>();
        boolean uncertain;
        final Set<Long> uncertainIn = new HashSet<>();
        final Map<String, Integer> deliveries = new HashMap<>();
    }

    /** What a term inherited and claimed, from the Lease's history. */
    static final class Term {
        Instant inheritedClaim;
        Instant inheritedDispatched;
        Instant claimed;
        Instant dispatched;
        String process;
        /** The process that held the term before, if any. */
        String previousProcess;
    }

    private final Map<String, JobSpec> jobs = new HashMap<>();
    private final Map<String, SlotLog> slots = new HashMap<>();
    private final Map<Long, Term> terms = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long latestTerm;
    /** When each process registered its jobs, on its own clock: it knows no slot before that. */
    private final Map<String, Instant> registeredAt = new HashMap<>();
    /**
     * When the process that recorded the first claim ever on the Lease registered its jobs. Before the first claim
     * there is no durable record: slots due before this are not promised (docs/leader-election.md).
     */
    private Instant firstClaimFloor;


    void job(JobSpec spec) {
        jobs.put(spec.id().toString(), spec);
    }

    void registered(String process, Instant at) {
        registeredAt.put(process, at);
    }

    List<String> violations() {
        return violations;
    }

    private SlotLog slot(String job, Instant slot) {
        return slots.computeIfAbsent(SimTarget.key(job, slot), k -> new SlotLog());
    }

    private void violation(String text) {
        violations.add(text);
    }

    // ---------------------------------------------------------------- engine events, per process

    void on(String process, ExecutionEvent event) {
        String job = event.job().toString();
        JobSpec spec = jobs.get(job);
        SlotLog s = slot(job, event.slot());
        if (event instanceof ExecutionEvent.FiredExecution f) {
            if (f.attempt() != 1) {
                return;
            }
            if (spec.delivery() == Delivery.AtMostOnce && !s.starts.isEmpty()) {
                violation(job + " slot " + f.slot() + " (AtMostOnce) started twice: " + s.starts + " and " + process + "/term " + f.term());
            } else if (s.startTerms.contains(f.term())) {
                violation(job + " slot " + f.slot() + " started twice in term " + f.term() + ": " + s.starts + " and " + process);
            }
            if (spec.oneTime() && !s.starts.isEmpty()) {
                violation("one-time job " + job + " started twice: " + s.starts + " and " + process + "/term " + f.term());
            }
            fenced(job, f.slot(), f.term(), s);
            s.starts.add(process + "/term " + f.term());
            s.startTerms.add(f.term());
            s.pendingBy.put(process, f.term());
            s.startedBy.add(process);
        } else if (event instanceof ExecutionEvent.UncertainExecution u) {
            s.uncertain = true;
            s.uncertainIn.add(u.term());
        } else if (event instanceof ExecutionEvent.SkippedExecution k) {
            if (SETTLING.contains(k.reason())) {
                s.settledBy.add(process);
                summarised(job, spec, k, process);
            }
        } else if (event instanceof ExecutionEvent.SucceededExecution || event instanceof ExecutionEvent.FailedExecution
                || event instanceof ExecutionEvent.TimedOutExecution) {
            left(s, process);
            s.settledBy.add(process); // an outcome is reported: the slot is not silently lost
        }
    }

    private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("^slots from (\\S+) to (\\S+) were missed");

    /**
     * A catch-up that skips a long run of slots reports it in one event, naming the first and the last: every slot
     * in between is settled too.
     */
    private void summarised(String job, JobSpec spec, ExecutionEvent.SkippedExecution k, String process) {
        java.util.regex.Matcher m = RANGE.matcher(k.detail());
        if (!m.find()) {
            return;
        }
        Instant last = Instant.parse(m.group(2));
        Instant after = Instant.parse(m.group(1));
        Optional<Occurrence> o;
        while ((o = spec.schedule().next(after)).isPresent() && !o.get().time().isAfter(last)) {
            after = o.get().time();
            slot(job, after).settledBy.add(process);
        }
    }

    /** An attempt of {@code process} reached the target, or ended: its slot's start has left the process. */
    private void left(SlotLog s, String process) {
        Long term = s.pendingBy.remove(process);
        if (term != null) {
            s.leftIn.add(term);
            s.leftBy.add(process);
        }
    }

    /** Invariant 2: the term claimed the slot, or it is the uncertain slot of the term before. */
    private void fenced(String job, Instant slot, long termNo, SlotLog s) {
        Term t = terms.get(termNo);
        if (t == null) {
            violation(job + " slot " + slot + " started under term " + termNo + ", which never held the Lease");
            return;
        }
        // A process that takes the Lease back with nobody in between continues its own claims (its ledger keeps what
        // it let fire uncertain); invariant 1 checks that nothing fires twice that way.
        boolean continued = t.process != null && t.process.equals(t.previousProcess);
        boolean own = (t.inheritedClaim == null || continued || slot.isAfter(t.inheritedClaim)) && t.claimed != null
                && !slot.isAfter(t.claimed);
        boolean uncertainRefire = s.uncertainIn.contains(termNo) && t.inheritedClaim != null && !slot.isAfter(t.inheritedClaim)
                && (t.inheritedDispatched == null || slot.isAfter(t.inheritedDispatched));
        if (!own && !uncertainRefire) {
            violation(job + " slot " + slot + " started under term " + termNo + ", which did not claim it (inherited claim "
                    + t.inheritedClaim + ", own claims through " + t.claimed + ")");
        }
    }

    /** A request reached the target. */
    void delivered(SimTarget.Delivery d, String process) {
        SlotLog s = slot(d.job(), d.slot());
        String attempt = d.attempt() + "/term " + d.term();
        int n = s.deliveries.merge(attempt, 1, Integer::sum);
        if (n > 1) {
            violation(d.job() + " slot " + d.slot() + ": attempt " + attempt + " reached the target " + n + " times (a hidden resend)");
        }
        if (!d.idempotencyKey().equals(Fire.idempotencyKey(d.job(), d.slot()))) {
            violation(d.job() + " slot " + d.slot() + ": Idempotency-Key " + d.idempotencyKey() + " is not the slot's key");
        }
        if (d.attempt() == 1) {
            left(s, process);
        }
    }

    // ---------------------------------------------------------------- the Lease

    @Override
    public void committed(SimLeaseServer.Commit c, LeaseRecord before) {
        LeaseRecord r = c.record();
        if (r.term() < latestTerm) {
            violation("term " + r.term() + " wrote the Lease after term " + latestTerm + " had taken it: claims overlap");
            return;
        }
        Term t = terms.get(r.term());
        if (t == null) {
            // An acquisition: what it inherits is what the Lease said before it.
            t = new Term();
            t.inheritedClaim = before == null ? null : before.claimedUntil();
            t.inheritedDispatched = before == null ? null
                    : before.dispatchedThrough() != null ? before.dispatchedThrough() : before.claimedUntil();
            t.dispatched = t.inheritedDispatched;
            t.process = c.writer();
            Term previous = terms.get(latestTerm);
            t.previousProcess = previous == null ? null : previous.process;
            t.claimed = t.inheritedClaim;
            terms.put(r.term(), t);
            latestTerm = r.term();
            return;
        }
        if (firstClaimFloor == null && r.claimedUntil() != null) {
            firstClaimFloor = registeredAt.get(t.process);
        }
        if (r.held() && r.claimedUntil() != null && (t.claimed == null || r.claimedUntil().isAfter(t.claimed))) {
            t.claimed = r.claimedUntil();
        }
        Instant d = r.dispatchedThrough();
        if (d != null && (t.dispatched == null || d.isAfter(t.dispatched))) {
            progress(r.term(), t, t.dispatched, d);
            t.dispatched = d;
        }
    }

    /** Invariant 4: the term records progress from {@code from} (exclusive) through {@code through}. */
    private void progress(long termNo, Term t, Instant from, Instant through) {
        // A first term (nothing inherited) knows slots only from its jobs' registration on. A term that continues
        // its process's own previous one is answerable for that term's claims too, from what it had started.
        boolean continued = t.process != null && t.process.equals(t.previousProcess);
        Instant inherited = continued ? t.inheritedDispatched : t.inheritedClaim;
        Instant floor = later(from, inherited == null ? registeredAt.get(t.process) : inherited);
        for (JobSpec spec : jobs.values()) {
            String job = spec.id().toString();
            Instant after = floor;
            Optional<Occurrence> o;
            int n = 0;
            while (n++ < 10_000 && (o = spec.schedule().next(after)).isPresent() && !o.get().time().isAfter(through)) {
                Instant slot = o.get().time();
                after = slot;
                SlotLog s = slots.get(SimTarget.key(job, slot));
                // A term that continues its process's own answers for what that process started before too.
                boolean started = s != null && (s.startTerms.contains(termNo) || continued && s.startedBy.contains(t.process));
                boolean left = s != null && (s.leftIn.contains(termNo) || continued && s.leftBy.contains(t.process));
                if (started && !left) {
                    violation("term " + termNo + " recorded " + job + " slot " + slot + " as started (dispatched through " + through
                            + ") while its request had not left " + t.process);
                } else if (spec.catchUp() == CatchUp.All && !started && (s == null || !s.settledBy.contains(t.process))) {
                    violation("term " + termNo + " recorded progress through " + through + " past " + job + " slot " + slot
                            + ", which it claimed and neither started nor skipped");
                }
            }
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    // ---------------------------------------------------------------- the end

    /** Invariant 5, for slots due in {@code (from, through]} (wall-clock slot times). */
    void endOfRun(Instant from, Instant through) {
        if (firstClaimFloor != null && firstClaimFloor.isAfter(from)) {
            from = firstClaimFloor;
        }
        for (JobSpec spec : jobs.values()) {
            if (spec.catchUp() != CatchUp.All || spec.oneTime()) {
                continue;
            }
            String job = spec.id().toString();
            Instant after = from;
            Optional<Occurrence> o;
            while ((o = spec.schedule().next(after)).isPresent() && !o.get().time().isAfter(through)) {
                Instant slot = o.get().time();
                after = slot;
                SlotLog s = slots.get(SimTarget.key(job, slot));
                boolean started = s != null && !s.leftIn.isEmpty();
                boolean skipped = s != null && !s.settledBy.isEmpty();
                if (spec.delivery() == Delivery.AtLeastOnce ? !started && !skipped : !started && !skipped && (s == null || !s.uncertain)) {
                    violation(job + " slot " + slot + " (" + spec.delivery() + ", catchUp All) was lost: never started"
                            + (spec.delivery() == Delivery.AtMostOnce ? " nor reported uncertain" : "")
                            + (s == null ? "" : "; starts " + s.starts + ", uncertain " + s.uncertain));
                }
            }
        }
    }

    int slotsStarted() {
        int n = 0;
        for (SlotLog s : slots.values()) {
            n += s.starts.isEmpty() ? 0 : 1;
        }
        return n;
    }

    int uncertainSlots() {
        int n = 0;
        for (SlotLog s : slots.values()) {
            n += s.uncertain ? 1 : 0;
        }
        return n;
    }

    long terms() {
        return terms.size();
    }

}
