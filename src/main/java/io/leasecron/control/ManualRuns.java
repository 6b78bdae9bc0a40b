package io.leasecron.control;

import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * Manual runs, from request to outcome. Any replica records a request ({@link #request}); the leader takes every due
 * request in ({@link #reconcile}): it assigns it a slot under its own term, with a conditional write, and puts that
 * slot through the engine's fire path, where the gate, the claim on the Lease and the fencing treat it like any
 * scheduled slot; the replica that fired it records when it started and how it ended; the leader deletes a run
 * {@code retention} after it ended.
 *
 * <p>Why a run fires at most once: its slot is a time no scheduled slot of the job has, chosen after the claims the
 * term's predecessor left ({@code claimedUntil}), so the term's own claim on the Lease covers it and no other term's
 * does. A run that an earlier term assigned and did not record as started is taken over by the next leader: if its
 * slot is after the claims that leader inherited, nobody can have fired it, and it gets a new slot; otherwise the gate
 * decides it exactly as it decides that term's scheduled slots (started: not again; claimed and perhaps not started:
 * uncertain, and the job's {@code delivery} policy applies). The assignment is a write conditional on the record's
 * version, so two leaders cannot both take a run in: the second write fails and that leader reads the run again.
 */
public final class ManualRuns implements ExecutionListener {
    private static final Logger LOG = Logger.getLogger(ManualRuns.class);
    /** How long after its last possible attempt a run that never reported an outcome is deleted. */
    static final Duration UNFINISHED_GRACE = Duration.ofHours(1);
    /** How long after a started run's last attempt could have ended its outcome is still waited for. */
    static final Duration OUTCOME_GRACE = Duration.ofMinutes(1);

    /** Whether this replica leads, as the gate sees it now. */
    @FunctionalInterface
    public interface Leadership {
        Optional<Term> leading();
    }

    /**
     * A term this replica leads in. {@code inherited}: the latest slot time any earlier term claimed, as this term found
     * it on the Lease (null if none ever claimed): a slot after it was fired by nobody before this term.
     */
    public record Term(long term, Instant inherited) {
    }

    private final ControlStore store;
    private final Engine engine;
    private final Clock clock;
    private final Leadership leadership;
    private final Duration retention;
    private final Executor writer;
    /** The runs this replica's engine was given, by (job, slot), with the record's name. */
    private final Map<Slot, String> ours = new ConcurrentHashMap<>();
    /** The latest slot this replica assigned per job, in {@link #assignedTerm}: two runs of one job never share one. */
    private final Map<JobId, Instant> lastAssigned = new HashMap<>();
    private long assignedTerm = Long.MIN_VALUE;
    /** The earliest time {@link #reconcile} has something to do without being told (a due run, a deletion); or null. */
    private volatile Instant wakeAt;

    private record Slot(JobId job, Instant slot) {
    }

    /**
     * @param writer where the records of started and ended runs are written (never on the engine's threads: the
     *        listener is called there)
     */
    public ManualRuns(ControlStore store, Engine engine, Clock clock, Leadership leadership, Duration retention, Executor writer) {
        this.store = store;
        this.engine = engine;
        this.clock = clock;
        this.leadership = leadership;
        this.retention = retention;
        this.writer = writer;
    }

    /** Records a request to run {@code job} at {@code runAt} (now if empty), asked for by {@code by}. */
    public RunRecord request(JobId job, Optional<Instant> runAt, String by) {
        Instant now = clock.now();
        String name = "leasecron-run-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return store.create(RunRecord.requested(name, job, runAt.orElse(now).truncatedTo(ChronoUnit.MILLIS), by, now));
    }

    /** The run as stored now (not this replica's copy): what was answered on any replica reads back here. */
    public Optional<RunRecord> read(String name) {
        return store.readRun(name);
    }

    /** This replica's copy of every run kept. */
    public java.util.Collection<RunRecord> known() {
        return store.runs();
    }

    /** The time at which {@link #reconcile} should next run without being told, or null. */
    public Instant wakeAt() {
        return wakeAt;
    }

    /**
     * The leader's turn: takes every due request in, hands over the runs an earlier term left, deletes runs past their
     * retention. Does nothing on a replica that does not lead. Calls the API server; one thread at a time.
     */
    public synchronized void reconcile() {
        Optional<Term> lead = leadership.leading();
        wakeAt = null;
        if (lead.isEmpty()) {
            return;
        }
        Term term = lead.get();
        if (term.term() != assignedTerm) {
            lastAssigned.clear();
            assignedTerm = term.term();
        }
        Instant now = clock.now();
        for (RunRecord r : store.runs()) {
            try {
                reconcile(r, term, now);
            } catch (ControlStoreException e) {
                LOG.warnf("manual run %s of %s: %s; trying again shortly", r.name(), r.job(), e.getMessage());
                wake(now.plusSeconds(1));
            }
        }
    }

    private void reconcile(RunRecord r, Term term, Instant now) {
        if (r.finished()) {
            collect(r, r.finishedAt().plus(retention), now);
            return;
        }
        Optional<JobSpec> spec = engine.status(r.job()).map(Engine.JobStatus::spec);
        if (r.slot() == null) {
            if (spec.isEmpty()) {
                unregistered(r);
            } else if (r.runAt().isAfter(now)) {
                wake(r.runAt());
            } else {
                assign(r, term, spec.get(), now);
            }
            return;
        }
        Duration longest = spec.map(ManualRuns::longestRun).orElse(Duration.ZERO);
        if (r.startedAt() != null) {
            // Whoever started it records how it ended, within the job's longest run (its timeouts cancel it); past
            // that, its replica stopped or lost the API server before it could.
            Instant giveUp = r.startedAt().plus(longest).plus(OUTCOME_GRACE);
            if (now.isBefore(giveUp)) {
                wake(giveUp);
            } else if (store.replace(r.withOutcome(RunRecord.UNKNOWN, "started on " + r.replica() + " at " + r.startedAt()
                    + ", which recorded no outcome within the job's longest run (" + Durations.format(longest)
                    + ", timeouts and retries included); that replica stopped or lost the API server", now))) {
                LOG.infof("manual run %s of %s: no outcome from %s; recorded as unknown", r.name(), r.job(), r.replica());
            }
            return;
        }
        Instant lastChance = r.slot().plus(longest).plus(UNFINISHED_GRACE);
        if (r.term() >= term.term()) {
            // Ours (in the engine) or a newer leader's: its outcome is written by whoever fires it.
            collect(r, lastChance, now);
            return;
        }
        if (spec.isEmpty()) {
            unregistered(r);
            return;
        }
        if (term.inherited() == null || r.slot().isAfter(term.inherited())) {
            assign(r, term, spec.get(), now); // nobody claimed its slot, so nobody fired it: a new slot under this term
        } else {
            take(r, term, r.slot()); // perhaps fired: the gate decides, from what this term inherited
        }
    }

    /** A new slot for the run under {@code term}: after the inherited claims, on no slot of the job's schedule. */
    private void assign(RunRecord r, Term term, JobSpec spec, Instant now) {
        Instant slot = now.truncatedTo(ChronoUnit.MILLIS);
        if (term.inherited() != null && !slot.isAfter(term.inherited())) {
            slot = term.inherited().plusMillis(1);
        }
        Instant last = lastAssigned.get(r.job());
        if (last != null && !slot.isAfter(last)) {
            slot = last.plusMillis(1);
        }
        while (onSchedule(spec, slot)) {
            slot = slot.plusMillis(1);
        }
        if (slot.isAfter(now)) {
            wake(slot); // the predecessor claimed ahead of the clock: the slot comes due in a moment
            return;
        }
        take(r, term, slot);
    }

    /** Whether {@code slot} is one of the job's scheduled slots (to the millisecond: what names a slot). */
    private static boolean onSchedule(JobSpec spec, Instant slot) {
        return spec.schedule().next(slot.minusMillis(1)).map(o -> o.time().toEpochMilli() == slot.toEpochMilli()).orElse(false);
    }

    /**
     * Assigns {@code slot} to the run under {@code term} and hands it to the engine: reserved first, so that this
     * replica's progress cannot pass the slot between the write and the offer.
     */
    private void take(RunRecord r, Term term, Instant slot) {
        Optional<Engine.ManualSlot> reserved = engine.reserve(r.job(), slot);
        if (reserved.isEmpty()) {
            return; // removed a moment ago: the next turn finishes the run
        }
        boolean written;
        try {
            written = store.replace(r.assigned(term.term(), slot));
        } catch (ControlStoreException e) {
            engine.drop(reserved.get());
            throw e;
        }
        if (!written) {
            engine.drop(reserved.get()); // it changed: the watch brings the new version, and the next turn
            return;
        }
        lastAssigned.merge(r.job(), slot, (a, b) -> a.isAfter(b) ? a : b);
        ours.put(new Slot(r.job(), slot), r.name());
        LOG.infof("manual run %s of %s: slot %s in term %d", r.name(), r.job(), slot, term.term());
        engine.offer(reserved.get());
    }

    /** The run's job is gone from the engine: it ends skipped, saying so. */
    private void unregistered(RunRecord r) {
        store.update(r.name(), RunRecord.ended(RunRecord.SKIPPED, "job " + r.job() + " is not registered: it was deleted, or its"
                + " spec is invalid", clock.now()));
    }

    private void collect(RunRecord r, Instant at, Instant now) {
        if (now.isBefore(at)) {
            wake(at);
            return;
        }
        store.delete(r.name());
        if (!r.finished()) {
            LOG.infof("manual run %s of %s: deleted without an outcome (assigned slot %s; whoever fired it never reported)",
                    r.name(), r.job(), r.slot());
        }
    }

    private void wake(Instant at) {
        Instant w = wakeAt;
        if (w == null || at.isBefore(w)) {
            wakeAt = at;
        }
    }

    /** Longest a run of the job can take from its slot to its last attempt's end (timeouts and backoffs). */
    private static Duration longestRun(JobSpec spec) {
        Duration d = spec.timeout().multipliedBy(spec.retry().attempts());
        for (int a = 2; a <= spec.retry().attempts(); a++) {
            d = d.plus(spec.retry().delayBefore(a));
        }
        return d;
    }

    // ---------------------------------------------------------------- what the engine did with our runs

    @Override
    public void on(ExecutionEvent e) {
        Slot key = new Slot(e.job(), e.slot());
        String name = ours.get(key);
        if (name == null) {
            return;
        }
        Map<String, String> fields = fields(e);
        // A slot an earlier term started (or deliberately did not): that replica records how; if it never did, the
        // run says so, unless a record of its start or end arrives first.
        boolean earlier = e instanceof ExecutionEvent.SkippedExecution s && s.reason() == SkipReason.PREVIOUS_LEADER;
        if (earlier) {
            fields = RunRecord.ended(RunRecord.UNKNOWN, "started under an earlier term, whose replica did not record how it ended ("
                    + ((ExecutionEvent.SkippedExecution) e).detail() + ")", clock.now());
        }
        if (fields != null && fields.containsKey(RunRecord.OUTCOME)) {
            ours.remove(key, name);
        }
        if (fields != null) {
            Map<String, String> write = fields;
            writer.execute(() -> {
                try {
                    if (earlier) {
                        store.settle(name, write);
                    } else {
                        store.update(name, write);
                    }
                } catch (ControlStoreException ex) {
                    LOG.warnf("manual run %s of %s: could not record %s: %s", name, e.job(), write, ex.getMessage());
                }
            });
        }
    }

    private Map<String, String> fields(ExecutionEvent e) {
        if (e instanceof ExecutionEvent.FiredExecution f) {
            return f.attempt() == 1 ? RunRecord.started(f.firedAt(), f.replica()) : null;
        }
        if (e instanceof ExecutionEvent.SucceededExecution s) {
            return RunRecord.ended(RunRecord.SUCCEEDED, s.detail(), clock.now());
        }
        if (e instanceof ExecutionEvent.FailedExecution f) {
            return f.willRetry() ? null : RunRecord.ended(RunRecord.FAILED, f.error(), clock.now());
        }
        if (e instanceof ExecutionEvent.TimedOutExecution t) {
            return t.willRetry() ? null : RunRecord.ended(RunRecord.TIMED_OUT, "cancelled after its timeout of "
                    + t.timeout().toMillis() + " ms", clock.now());
        }
        return e instanceof ExecutionEvent.SkippedExecution s ? skipped(s) : null;
    }

    /**
     * A skip ends the run, except one that leaves the slot open (this replica lost the lease or is stopping before it
     * could start it: the next leader decides it) and one of a slot an earlier term started (that replica reports it).
     */
    private Map<String, String> skipped(ExecutionEvent.SkippedExecution s) {
        return switch (s.reason()) {
            case NOT_LEADER, SHUTTING_DOWN, PREVIOUS_LEADER -> null;
            default -> RunRecord.ended(RunRecord.SKIPPED, s.reason().label() + ": " + s.detail(), clock.now());
        };
    }
}
