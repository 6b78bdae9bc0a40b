package io.leasecron.leader;

import io.leasecron.engine.Engine;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.engine.SkipReason;
import io.leasecron.leader.LeaseCall.Answer;
import io.leasecron.leader.LeaseCall.Request;
import io.leasecron.schedule.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The election as a state machine, client-go's algorithm: it says which request to make next ({@link #next}) and
 * takes in its answer ({@link #answered}) and the Lease versions a watch delivers ({@link #watched}). It makes no
 * API call, takes no lock, starts no thread and reads no clock: every reading of time is passed in, so a test or
 * a simulation can put any number of events between a request and its answer. At most one request is in flight.
 *
 * <p>Expiry is judged from this replica's own monotonic clock, from the moment it saw the Lease change; the
 * leader's renew deadline counts from when it sent its last successful write. Timestamps written by other
 * replicas are never compared with this replica's clock. What slots a term may fire is the {@link TermLedger}'s.
 */
final class Election {

    private static final Logger LOG = Logger.getLogger(LeaderElector.class);

    /** Told about changes of leadership; the facade turns these into listener calls. */
    interface Observer {
        void acquired(long term, Engine.Takeover predecessor, StepEffects fx);

        void lost(long term, String reason, StepEffects fx);
    }

    private final LeaseSettings settings;
    private final Observer observer;
    private final long leaseNanos;
    private final long renewDeadlineNanos;
    private final long retryNanos;
    private final long backoffNanos;

    // What the Lease looked like, and when (local monotonic time) it was last seen to change.
    private Optional<LeaseRecord> observed;
    private long observedAtNanos;
    private long lastPollNanos;
    private long retryAfterNanos;
    private String lastError;
    private boolean inFlight;

    // Leading.
    private boolean leading;
    private long term;
    private LeaseRecord mine;
    private TermLedger ledger;
    private long lastRenewSentNanos;
    /** The wall-clock time of that send: a suspended VM's monotonic clock stops, its wall clock is set right after. */
    private Instant lastRenewSentAt;
    /**
     * The renew deadline was found passed: the term is over for good, even if the wall clock steps back (the engine
     * has moved past the slots the gate refused meanwhile, and only a new term's recovery catches them up).
     */
    private boolean lapsed;
    private long lastWriteSentNanos;
    private Instant since;
    private Instant renewedAt;
    private TermLedger.Remembered lastOwn;
    private Handover handover;
    /** Stopped (a crash in tests, or a handover): nothing more fires. */
    private boolean stopped;

    private long acquisitions;
    private long renewFailures;
    private long writes;

    Election(LeaseSettings settings, Observer observer, long nowNanos) {
        this.settings = settings;
        this.observer = observer;
        this.leaseNanos = settings.leaseDuration().toNanos();
        this.renewDeadlineNanos = settings.renewDeadline().toNanos();
        this.retryNanos = settings.retryPeriod().toNanos();
        this.backoffNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(50), retryNanos / 4);
        this.lastPollNanos = nowNanos - retryNanos;
        this.retryAfterNanos = nowNanos;
    }

    // ---------------------------------------------------------------- the gate (local state only)

    Decision authorise(Instant slot, long n, Instant now) {
        if (!leading) {
            String holder = observed != null ? observed.map(LeaseRecord::holder).orElse(null) : null;
            return new Decision.Refused(SkipReason.NOT_LEADER, holder == null || holder.isEmpty()
                    ? "this replica does not hold the lease (nobody does right now)"
                    : "this replica does not hold the lease; " + holder + " does");
        }
        if (stopped) {
            // Releasing: what the release keeps claimed is fixed now, nothing more may fire under it.
            return new Decision.Refused(SkipReason.SHUTTING_DOWN, "this replica is releasing the lease");
        }
        long silent = silent(n, now);
        if (lapsed || silent >= renewDeadlineNanos) {
            lapsed = true;
            return new Decision.Refused(SkipReason.NOT_LEADER, "the lease was not renewed for "
                    + Durations.format(Duration.ofNanos(silent).truncatedTo(ChronoUnit.MILLIS)) + ", past the renew deadline; not firing until it is");
        }
        TermLedger.Authorised a = ledger.authorise(slot, mine.claimedUntil() != null);
        ledger = a.ledger();
        return a.decision();
    }

    /** The engine waits for a claim through {@code through}; false if it must be told at once (covered, or not leading). */
    boolean requestClaim(Instant through) {
        if (!leading || ledger.covers(through)) {
            return false;
        }
        ledger = ledger.want(through);
        return true;
    }

    /** The engine started every claimed slot up to {@code through}; true if there is something new to write. */
    boolean dispatched(Instant through) {
        if (leading) {
            TermLedger before = ledger;
            ledger = ledger.started(through);
            return ledger != before;
        }
        if (lastOwn != null && lastOwn.term() == term && ledger != null && ledger.claimed() != null) {
            // Started under the term this replica just stepped down from: it counts should this replica take the
            // Lease back with nobody in between. (Nobody else ever relies on it: it is not on the Lease.)
            Instant t = through.isAfter(ledger.claimed()) ? ledger.claimed() : through;
            lastOwn = lastOwn.withStarted(t);
        }
        return false;
    }

    // ---------------------------------------------------------------- requests

    /**
     * The request to make now, or null: renew, claim or record progress as leader; look at the Lease or take it
     * over as follower; release it during a handover. May step down (past the renew deadline) instead.
     */
    Request next(long n, Instant now, boolean mayCampaign, StepEffects fx) {
        if (inFlight) {
            return null;
        }
        Request r = decide(n, now, mayCampaign, fx);
        if (r != null) {
            inFlight = true;
            if (!(r instanceof Request.Poll)) {
                writes++;
            }
        }
        return r;
    }

    private Request decide(long n, Instant now, boolean mayCampaign, StepEffects fx) {
        if (handover != null) {
            return leading ? handover.next(this, now) : null;
        }
        if (leading) {
            if (lapsed || silent(n, now) >= renewDeadlineNanos) {
                stepDown("no successful renewal within the renew deadline of " + Durations.format(settings.renewDeadline()), fx);
                return null;
            }
            if (n < retryAfterNanos) {
                return null;
            }
            boolean renew = n - lastWriteSentNanos >= retryNanos;
            if (!ledger.claimPending() && !ledger.progressPending() && !renew) {
                return null;
            }
            return ledger.renewal(mine, now, settings.claimAhead());
        }
        if (n < retryAfterNanos) {
            return null; // the last call failed: not again before its backoff, whatever else is due
        }
        if (observed == null) {
            return new Request.Poll();
        }
        if (!canAcquire(n) || !mayCampaign) {
            return n - lastPollNanos >= retryNanos ? new Request.Poll() : null;
        }
        LeaseRecord prev = observed.orElse(null);
        long nextTerm = prev == null ? 1 : prev.term() + 1;
        boolean ownTerm = prev != null && lastOwn != null && lastOwn.term() == prev.term();
        int transitions = prev == null ? 0 : prev.transitions() + (settings.identity().equals(prev.holder()) ? 0 : 1);
        LeaseRecord record = new LeaseRecord(settings.identity(), (int) settings.leaseDuration().toSeconds(), now, now, transitions,
                nextTerm, prev == null ? null : prev.claimedUntil(), prev == null ? null : prev.dispatchedThrough(),
                prev == null ? null : prev.resourceVersion());
        return new Request.Acquire(record, prev == null, ownTerm);
    }

    /** Free, released, ours from an earlier incarnation, or unchanged for a whole lease duration as seen here. */
    private boolean canAcquire(long n) {
        if (observed.isEmpty()) {
            return true;
        }
        LeaseRecord r = observed.get();
        if (!r.held() || settings.identity().equals(r.holder())) {
            return true;
        }
        return n - observedAtNanos >= durationOf(r);
    }

    private long durationOf(LeaseRecord r) {
        return r.leaseDurationSeconds() > 0 ? TimeUnit.SECONDS.toNanos(r.leaseDurationSeconds()) : leaseNanos;
    }

    /**
     * The answer to the request {@link #next} returned, which was sent at {@code sent} (monotonic); {@code n} is
     * now. Exactly one answer per request.
     */
    void answered(Request request, Answer answer, long sent, Instant sentAt, long n, Instant now, StepEffects fx) {
        inFlight = false;
        if (request instanceof Request.Release r) {
            handover.answered(this, r, answer, fx);
        } else if (request instanceof Request.Poll) {
            if (answer instanceof Answer.Read read) {
                lastPollNanos = sent;
                lastError = null;
                observe(read.lease(), n, fx);
            } else {
                failed(((Answer.Failed) answer).message(), sent, false);
            }
        } else if (request instanceof Request.Acquire a) {
            if (answer instanceof Answer.Committed c) {
                becomeLeader(c.written(), a, sent, sentAt, fx);
            } else if (answer instanceof Answer.Lost lost) {
                LOG.debugf("taking over lease %s lost a race: %s", settings.name(), lost.message());
                if (lost.current() == null) {
                    failed(lost.message() + "; the Lease could not be read afterwards", sent, false);
                } else {
                    lastPollNanos = sent;
                    observe(lost.current(), n, fx);
                }
            } else {
                failed(message(answer), sent, false);
            }
        } else {
            wrote((Request.Write) request, answer, sent, sentAt, n, now, fx);
        }
    }

    private void wrote(Request.Write w, Answer answer, long sent, Instant sentAt, long n, Instant now, StepEffects fx) {
        if (answer instanceof Answer.Committed c) {
            if (leading && w.record().term() == term && !expiredWhileWaiting(c.written(), sent, n, now, fx)) {
                renewed(c.written(), sent, sentAt);
                ledger = ledger.committed(w.claim(), w.progress());
                claimSettled(fx);
            }
        } else if (answer instanceof Answer.Landed l) {
            if (leading && l.current().term() == term && !expiredWhileWaiting(l.current(), sent, n, now, fx)) {
                // Our own earlier write landed although its answer was lost: continue from what is there. The
                // claim it carried is as good as one answered, so the engine's batch does not wait for another
                // write. The renew deadline still counts from the last write whose answer came (when this one was
                // sent is unknown).
                mine = l.current();
                observed = Optional.of(mine);
                ledger = ledger.landed(mine);
                claimSettled(fx);
            }
        } else if (answer instanceof Answer.Lost lost) {
            String who = lost.current() == null ? "unknown (the Lease could not be read)"
                    : lost.current().map(r -> r.held() ? r.holder() + " (term " + r.term() + ")" : "nobody").orElse("nobody: it was deleted");
            stepDown("lost the lease: " + lost.message() + "; it is now held by " + who, fx);
            if (lost.current() != null) {
                observe(lost.current(), sent, fx);
            }
        } else {
            renewFailures++;
            failed(message(answer), sent, true);
        }
    }

    private static String message(Answer a) {
        return a instanceof Answer.Failed f ? f.message() : a.toString();
    }

    /** The claim the engine waited for is written: its waiters are told. */
    private void claimSettled(StepEffects fx) {
        if (ledger.wanted() != null && !ledger.claimPending()) {
            ledger = ledger.claimSatisfied();
            fx.resolveWaiters = true;
        }
    }

    /**
     * A successful write whose answer came after the renew deadline of the previous one: meanwhile the gate refused
     * slots for want of a valid lease, and the engine moved past them. The term is over, as it would be had this
     * write failed; the replica steps down and takes the Lease back with a new term, whose catch-up covers them.
     */
    private boolean expiredWhileWaiting(LeaseRecord written, long sent, long n, Instant now, StepEffects fx) {
        if (!lapsed && silent(n, now) < renewDeadlineNanos) {
            return false;
        }
        mine = written;
        observed = Optional.of(written);
        observedAtNanos = sent;
        stepDown("the lease was renewed only after the renew deadline had passed; taking it again with a new term", fx);
        return true;
    }

    private void becomeLeader(LeaseRecord written, Request.Acquire a, long sent, Instant sentAt, StepEffects fx) {
        leading = true;
        lapsed = false;
        term = written.term();
        renewed(written, sent, sentAt);
        since = written.acquireTime();
        ledger = a.ownTerm() ? TermLedger.ownTerm(term, lastOwn, written) : TermLedger.takeover(term, written);
        acquisitions++;
        Engine.Takeover takeover = ledger.base();
        LOG.infof("%s acquired lease %s/%s: term %d, taking over after %s (claimed until %s, dispatched through %s)",
                settings.identity(), settings.namespace(), settings.name(), term, a.ownTerm() ? "its own term" : "the previous holder",
                takeover.claimedUntil(), takeover.dispatchedThrough());
        observer.acquired(term, takeover, fx);
    }

    /** A write of this term, sent at {@code sent} ({@code sentAt} on the wall clock), was answered: the Lease is renewed. */
    private void renewed(LeaseRecord written, long sent, Instant sentAt) {
        mine = written;
        observed = Optional.of(written);
        observedAtNanos = sent;
        lastRenewSentNanos = sent;
        lastRenewSentAt = sentAt;
        lastWriteSentNanos = sent;
        renewedAt = written.renewTime();
        lastError = null;
    }

    /**
     * A call that failed (not a lost race): a renewal is tried again after a short backoff, to renew before the
     * deadline; anything else after the retry period, so that replicas cut off from a struggling API server do not
     * add to its load.
     */
    private void failed(String message, long sent, boolean renewal) {
        retryAfterNanos = sent + (renewal ? backoffNanos : retryNanos);
        if (!message.equals(lastError)) {
            LOG.warnf("%s: %s; retrying%s", settings.identity(), message, renewal
                    ? " (firing stops if no renewal succeeds within " + Durations.format(settings.renewDeadline()) + ")" : "");
        }
        lastError = message;
    }

    /** Records a version of the Lease; a leader that sees another holder steps down at once. */
    private void observe(Optional<LeaseRecord> r, long n, StepEffects fx) {
        if (leading && r.isPresent() && (r.get().term() < term || stopped && r.get().term() == term)) {
            return; // an older version arriving late (terms only grow), or our own release: not news
        }
        boolean changed = observed == null || observed.isPresent() != r.isPresent()
                || r.isPresent() && !r.get().resourceVersion().equals(observed.get().resourceVersion());
        if (!changed) {
            return;
        }
        observed = r;
        observedAtNanos = n;
        if (leading && (r.isEmpty() || r.get().term() != term || !settings.identity().equals(r.get().holder()))) {
            stepDown(r.isEmpty() ? "the Lease was deleted" : "the Lease is now held by " + r.get().holder() + " (term " + r.get().term() + ")", fx);
        }
    }

    /** A version of the Lease from the watch. */
    void watched(Optional<LeaseRecord> r, long n, StepEffects fx) {
        if (leading && r.isPresent() && mine != null && r.get().resourceVersion().equals(mine.resourceVersion())) {
            return; // our own write coming back
        }
        observe(r, n, fx);
    }

    void stepDown(String reason, StepEffects fx) {
        if (!leading) {
            return;
        }
        leading = false;
        lastOwn = ledger.remember(mine);
        ledger = ledger.withoutWants();
        LOG.warnf("%s stepped down from term %d: %s", settings.identity(), term, reason);
        fx.resolveWaiters = true;
        observer.lost(term, reason, fx);
    }

    /** When (monotonic) the next request is due, given nothing else happens. */
    long nextStep(long n, boolean mayCampaign) {
        if (handover != null) {
            return n + retryNanos;
        }
        long next;
        if (leading) {
            next = Math.max(lastWriteSentNanos + retryNanos, retryAfterNanos);
            next = Math.min(next, lastRenewSentNanos + renewDeadlineNanos);
            if (ledger.claimPending() || ledger.progressPending()) {
                next = Math.min(next, Math.max(n, retryAfterNanos));
            }
        } else {
            next = lastPollNanos + retryNanos;
            if (observed != null && observed.isPresent() && observed.get().held()
                    && !settings.identity().equals(observed.get().holder())) {
                next = Math.min(next, observedAtNanos + durationOf(observed.get()));
            } else if (observed != null && mayCampaign) {
                next = Math.min(next, Math.max(n, retryAfterNanos));
            }
            next = Math.max(next, retryAfterNanos);
        }
        return next;
    }

    // ---------------------------------------------------------------- handover

    /**
     * From now on nothing more fires under this term and the next requests release the Lease (if this replica
     * leads, or comes to lead through an acquisition in flight). Returns false if there is nothing to release.
     */
    boolean beginHandover() {
        stopped = true;
        if (handover == null) {
            handover = new Handover(settings);
        }
        return leading || inFlight;
    }

    /** Whether the handover is over: released, given up, or nothing to release. */
    boolean handedOver() {
        return handover != null && !inFlight && (!leading || handover.done());
    }

    boolean released() {
        return handover != null && handover.released();
    }

    // For the handover.

    LeaseRecord releasing(Instant now) {
        return ledger.releasing(mine, now);
    }

    boolean holds(LeaseRecord current) {
        return current.term() == term && settings.identity().equals(current.holder());
    }

    void continueFrom(LeaseRecord current) {
        mine = current;
    }

    /** Nothing more fires and nothing more is requested but a release already begun (the process stops). */
    void stop() {
        stopped = true;
    }

    // ---------------------------------------------------------------- views

    boolean leading() {
        return leading;
    }

    /**
     * How long the leader has gone without a successful renewal, as the longer of its monotonic and its wall-clock
     * readings: the monotonic clock stops while a VM is suspended, and a leader resumed from a suspension must not
     * trust its claims (a successor may have taken over and, for {@code AtLeastOnce}, fired them again). A wall
     * clock stepped backwards changes nothing; one stepped forward past the renew deadline ends the term early,
     * which costs a new term, never a double fire.
     */
    private long silent(long n, Instant now) {
        long wall = lastRenewSentAt == null ? 0 : Duration.between(lastRenewSentAt, now).toNanos();
        return Math.max(n - lastRenewSentNanos, wall);
    }

    /** Leading and renewed within the renew deadline: the gate may fire. */
    boolean valid(long n, Instant now) {
        return leading && !lapsed && silent(n, now) < renewDeadlineNanos;
    }

    LeaderStatus status(long n, Instant now) {
        LeaseRecord seen = observed == null ? null : observed.orElse(null);
        return new LeaderStatus(seen == null || !seen.held() ? null : seen.holder(), settings.identity(), valid(n, now),
                leading ? term : seen == null ? 0 : seen.term(), leading ? since : null, leading ? renewedAt : null,
                seen == null ? null : seen.claimedUntil(), seen == null ? null : seen.dispatchedThrough(),
                (int) settings.leaseDuration().toSeconds(), leading && n - lastRenewSentNanos >= renewDeadlineNanos + leaseNanos,
                lastError);
    }

    long acquisitions() {
        return acquisitions;
    }

    long renewFailures() {
        return renewFailures;
    }

    long writes() {
        return writes;
    }

    /** This term's ledger, for tests and the simulation's invariants; null before the first term. */
    TermLedger ledger() {
        return ledger;
    }
}
