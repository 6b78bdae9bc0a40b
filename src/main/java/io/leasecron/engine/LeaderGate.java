package io.leasecron.engine;

import java.time.Instant;
import java.util.OptionalLong;

/**
 * The engine's port to leadership, asked on every single fire. {@link #authorise} answers from local state only
 * (no API call on the fire path). Because it is asked every time, a replica that lost leadership and later
 * regained it fires again: there is no cached "I am not the leader" decision anywhere in the engine.
 *
 * <p>Fencing: a slot may only fire in a term that has <em>claimed</em> it. When {@link #authorise} answers
 * {@link Decision.Pending}, the engine asks for a claim of the whole batch of due slots with
 * {@link #requestClaim} and tries again when the claim resolves. After dispatching, it reports progress with
 * {@link #dispatched}, which is what a successor uses to tell handled slots from uncertain ones.
 */
public interface LeaderGate {

    /** What to do with one due slot, from local state. */
    Decision authorise(Instant slot);

    /**
     * Asks that every slot up to and including {@code through} be claimed for this replica's term. Never blocks;
     * {@code resolved} runs once the claim succeeded or failed (the engine then asks {@link #authorise} again).
     */
    default void requestClaim(Instant through, Runnable resolved) {
        resolved.run();
    }

    /** Every claimed slot up to and including {@code through} has been started or deliberately not fired. */
    default void dispatched(Instant through) {
    }

    /** The answer for one slot. */
    sealed interface Decision {
        /** Fire it, authorised by {@code term} (the fencing token sent with the fire). */
        record Fire(long term) implements Decision {
        }

        /** This term may fire it once it has claimed it: request a claim and ask again. */
        record Pending() implements Decision {
        }

        /** Do not fire it. */
        record Refused(SkipReason reason, String detail) implements Decision {
        }

        /**
         * A previous leader claimed this slot and may or may not have started it before it died. {@code term} is
         * this replica's term, used if the job's delivery is {@code AtLeastOnce}.
         */
        record Uncertain(long term, String detail) implements Decision {
        }

        Pending PENDING = new Pending();

        /** The term this answer lets the slot fire in ({@link Fire}, or {@link Uncertain} fired again); else none. */
        static OptionalLong firesIn(Decision d) {
            return d instanceof Fire f ? OptionalLong.of(f.term())
                    : d instanceof Uncertain u ? OptionalLong.of(u.term()) : OptionalLong.empty();
        }
    }
}
