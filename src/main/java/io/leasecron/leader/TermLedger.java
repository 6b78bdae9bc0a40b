package io.leasecron.leader;

import io.leasecron.engine.Engine;
import io.leasecron.engine.LeaderGate.Decision;
import io.leasecron.engine.SkipReason;
import java.time.Duration;
import java.time.Instant;

/**
 * What one leadership term knows about slots, as an immutable value: every change returns a new ledger. The
 * fencing rules of docs/leader-election.md are here and nowhere else:
 * <ol>
 * <li>a slot fires only if this term's last successful write claimed it ({@link #authorise});</li>
 * <li>a claim is made only with the conditional write that renews the Lease ({@link #renewal}), so the claims of
 * all terms form one chain;</li>
 * <li>a new term starts after its predecessor's claim: slots up to the predecessor's {@code dispatchedThrough} are
 * done, those up to its {@code claimedUntil} uncertain ({@link #takeover});</li>
 * <li>hence no two terms' claims overlap, whatever the clocks say (it follows from 2 and 3);</li>
 * <li>a release withdraws a claim only where nothing was let fire ({@link #releasing}).</li>
 * </ol>
 * The first claim ever made on a Lease also records that nothing of its batch has started, so that a crash before
 * the first progress write leaves that batch uncertain, not done.
 *
 * @param base what this term inherited: slots up to {@code base.dispatchedThrough()} are done, slots up to
 *        {@code base.claimedUntil()} are uncertain
 * @param claimed the latest slot this term's own successful writes claimed; null before its first claim
 * @param wanted the latest slot the engine asked to have claimed and is still waiting for; null when none
 * @param authorised the latest slot the gate let fire in this term: started, or about to be
 * @param firstAsked while the Lease has never recorded a claim: the earliest slot the gate was asked about
 * @param reported how far the engine reported slots of this term started (capped at {@code claimed})
 * @param written how far this term's writes recorded slots as started on the Lease
 */
record TermLedger(long term, Engine.Takeover base, Instant claimed, Instant wanted, Instant authorised, Instant firstAsked,
        Instant reported, Instant written) {

    /**
     * What a replica remembers of the last term it led, should it take the Lease back with nobody in between: how far
     * it started slots, and the latest slot that may have been started without its knowing (one it let fire, or one
     * it inherited as uncertain).
     */
    record Remembered(long term, Instant started, Instant mayHaveStarted) {
        Remembered withStarted(Instant through) {
            return new Remembered(term, max(started, through), mayHaveStarted);
        }
    }

    /** Rule 3: the term after another holder's, from the record that acquired the Lease. */
    static TermLedger takeover(long term, LeaseRecord acquired) {
        Instant claimedUntil = acquired.claimedUntil();
        Instant dispatched = acquired.dispatchedThrough() != null ? acquired.dispatchedThrough() : claimedUntil;
        return new TermLedger(term, new Engine.Takeover(dispatched, claimedUntil, term), null, null, null, null, null, null);
    }

    /**
     * The term after this replica's own, with nobody in between (an API outage): a slot it claimed and never let
     * fire is simply not started yet; one it let fire and never learned was started may or may not have been,
     * like a predecessor's, and so may one it inherited as uncertain. Its claims on the Lease stay valid for the new
     * term.
     */
    static TermLedger ownTerm(long term, Remembered last, LeaseRecord acquired) {
        Engine.Takeover base = new Engine.Takeover(last.started(), max(last.started(), last.mayHaveStarted()), term);
        return new TermLedger(term, base, acquired.claimedUntil(), null, null, null, null, null);
    }

    /** A gate decision, and the ledger after it. */
    record Authorised(Decision decision, TermLedger ledger) {
    }

    /**
     * Rules 1 and 3 for one slot. {@code leaseClaimed} is whether the Lease has ever recorded a claim (the first
     * claim's progress floor needs the earliest slot asked about).
     */
    Authorised authorise(Instant slot, boolean leaseClaimed) {
        Instant done = base.dispatchedThrough();
        if (done != null && !slot.isAfter(done)) {
            return new Authorised(new Decision.Refused(SkipReason.PREVIOUS_LEADER, "started under an earlier term (dispatched through "
                    + done + ")"), this);
        }
        if (base.claimedUntil() != null && !slot.isAfter(base.claimedUntil())) {
            return new Authorised(new Decision.Uncertain(term, "claimed by the previous leader, which stopped before recording that it "
                    + "started it (claimed until " + base.claimedUntil() + ", dispatched through " + done + ")"), this);
        }
        if (claimed != null && !slot.isAfter(claimed)) {
            TermLedger next = authorised != null && !slot.isAfter(authorised) ? this
                    : new TermLedger(term, base, claimed, wanted, slot, firstAsked, reported, written);
            return new Authorised(new Decision.Fire(term), next);
        }
        TermLedger next = this;
        if (!leaseClaimed && (firstAsked == null || slot.isBefore(firstAsked))) {
            next = new TermLedger(term, base, claimed, wanted, authorised, slot, reported, written);
        }
        return new Authorised(Decision.PENDING, next);
    }

    /** Whether every slot up to {@code through} is claimed by this term. */
    boolean covers(Instant through) {
        return claimed != null && !through.isAfter(claimed);
    }

    /** The engine waits for a claim reaching {@code through}. */
    TermLedger want(Instant through) {
        return new TermLedger(term, base, claimed, max(wanted, through), authorised, firstAsked, reported, written);
    }

    /** A claim the engine waits for that is not written yet. */
    boolean claimPending() {
        return wanted != null && !covers(wanted);
    }

    /** Progress the engine reported that is not on the Lease yet. */
    boolean progressPending() {
        return reported != null && (written == null || reported.isAfter(written));
    }

    /** The claim the engine waited for is written: it stops waiting. */
    TermLedger claimSatisfied() {
        return wanted == null || !covers(wanted) ? this : new TermLedger(term, base, claimed, null, authorised, firstAsked, reported, written);
    }

    /** No claim is waited for any more (the term ended: the engine is told, and asks the next gate). */
    TermLedger withoutWants() {
        return wanted == null ? this : new TermLedger(term, base, claimed, null, authorised, firstAsked, reported, written);
    }

    /** The engine started every claimed slot up to {@code through}; a skip beyond the claim is not progress. */
    TermLedger started(Instant through) {
        if (claimed == null) {
            return this;
        }
        Instant t = through.isAfter(claimed) ? claimed : through;
        return reported != null && !t.isAfter(reported) ? this
                : new TermLedger(term, base, claimed, wanted, authorised, firstAsked, t, written);
    }

    /**
     * Rule 2: the one conditional write that renews the Lease, carrying any claim the engine waits for (reaching
     * {@code ahead} beyond it) and the progress to record. {@code mine} is the Lease as this term last wrote it.
     */
    LeaseCall.Request.Write renewal(LeaseRecord mine, Instant now, Duration ahead) {
        boolean claim = claimPending();
        Instant newClaim = claim ? wanted.plus(ahead) : claimed;
        Instant claimField = max(max(newClaim, base.claimedUntil()), mine.claimedUntil());
        Instant dispatchedField = startedThrough(mine);
        if (claim && mine.claimedUntil() == null && dispatchedField == null) {
            // The first claim ever on this Lease: record with it that nothing of the batch has started, or a
            // successor would take the batch for done should this replica die before its first progress write.
            Instant first = firstAsked != null && firstAsked.isBefore(wanted) ? firstAsked : wanted;
            dispatchedField = first.minusNanos(1);
        }
        return new LeaseCall.Request.Write(mine.renewed(now, claimField, dispatchedField), newClaim, reported);
    }

    /** A write of this term was committed: its claim holds and its progress is on the Lease. */
    TermLedger committed(Instant claim, Instant progress) {
        return new TermLedger(term, base, max(claimed, claim), wanted, authorised, firstAsked, reported, max(written, progress));
    }

    /** A write of this term landed although its answer was lost: what the Lease shows is as good as answered. */
    TermLedger landed(LeaseRecord current) {
        return committed(current.claimedUntil(), current.dispatchedThrough());
    }

    /** Every claimed slot up to here was started or deliberately not fired, as far as this term knows. */
    Instant startedThrough(LeaseRecord mine) {
        return max(max(reported, base.dispatchedThrough()), mine == null ? null : mine.dispatchedThrough());
    }

    /**
     * Rule 5: the release of {@code mine}: how far slots were started, claims withdrawn down to that but never below
     * a slot the gate let fire (it may be starting right now), and no holder.
     */
    LeaseRecord releasing(LeaseRecord mine, Instant now) {
        Instant dispatched = max(startedThrough(mine), mine.dispatchedThrough());
        Instant claim = max(max(dispatched, base.claimedUntil()), authorised);
        return new LeaseRecord("", 1, mine.acquireTime(), now, mine.transitions(), term, claim, dispatched, mine.resourceVersion());
    }

    /** What to remember of this term once it is over. */
    Remembered remember(LeaseRecord mine) {
        return new Remembered(term, startedThrough(mine), max(authorised, base.claimedUntil()));
    }

    static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
