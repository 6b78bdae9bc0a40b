package io.leasecron.leader;

import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * The release of the Lease on a graceful stop, for a fast handover: one conditional write that records how far
 * slots were started, withdraws claims beyond that (never below a slot the gate let fire: rule 5 of
 * {@link TermLedger}) and clears the holder, so followers take over at once. A release that loses a race (usually
 * with this replica's own renewal, in flight when it began) is written again from the Lease as it is now, while
 * the term is still this replica's, at most {@value #ATTEMPTS} times; any other failure gives up and leaves
 * followers to wait for expiry. Steps of {@link Election}; no I/O of its own.
 */
final class Handover {
    private static final Logger LOG = Logger.getLogger(LeaderElector.class);
    /** How often a release is tried when it loses a race. */
    static final int ATTEMPTS = 3;

    private final LeaseSettings settings;
    private int attempts;
    private boolean done;
    private boolean released;

    Handover(LeaseSettings settings) {
        this.settings = settings;
    }

    /** The next release write, or null once the handover is over. */
    LeaseCall.Request.Release next(Election election, Instant now) {
        if (done) {
            return null;
        }
        attempts++;
        return new LeaseCall.Request.Release(election.releasing(now));
    }

    void answered(Election election, LeaseCall.Request.Release r, LeaseCall.Answer answer, StepEffects fx) {
        if (answer instanceof LeaseCall.Answer.Committed) {
            released = true;
            LOG.infof("%s released lease %s/%s (term %d, dispatched through %s, claimed until %s)", settings.identity(),
                    settings.namespace(), settings.name(), r.record().term(), r.record().dispatchedThrough(), r.record().claimedUntil());
            finish(election, fx);
        } else if (answer instanceof LeaseCall.Answer.Lost lost) {
            if (lost.current() == null) {
                LOG.warnf("%s could not release lease %s (%s) nor read it again; followers take over when it expires",
                        settings.identity(), settings.name(), lost.message());
                finish(election, fx);
            } else if (lost.current().isPresent() && election.holds(lost.current().get())) {
                if (attempts >= ATTEMPTS) {
                    LOG.warnf("%s could not release lease %s in %d attempts: %s; followers take over when it expires",
                            settings.identity(), settings.name(), ATTEMPTS, lost.message());
                    finish(election, fx);
                } else {
                    // Usually this replica's own last renewal, in flight when the release began, landed first.
                    election.continueFrom(lost.current().get());
                }
            } else {
                LOG.infof("%s: nothing to release, lease %s is now %s", settings.identity(), settings.name(), lost.current()
                        .map(c -> c.held() ? "held by " + c.holder() + " (term " + c.term() + ")" : "free").orElse("deleted"));
                finish(election, fx);
            }
        } else {
            LOG.warnf("%s could not release lease %s: %s; followers take over when it expires", settings.identity(),
                    settings.name(), answer instanceof LeaseCall.Answer.Failed f ? f.message() : answer);
            finish(election, fx);
        }
    }

    private void finish(Election election, StepEffects fx) {
        done = true;
        election.stepDown("released on shutdown", fx);
    }

    boolean done() {
        return done;
    }

    boolean released() {
        return released;
    }
}
