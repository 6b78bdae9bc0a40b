package io.leasecron.leader;

import java.time.Instant;

/**
 * What the Lease says, as one immutable value. The standard fields ({@code holderIdentity}, {@code leaseDurationSeconds},
 * {@code acquireTime}, {@code renewTime}, {@code leaseTransitions}) keep {@code kubectl get lease} meaningful; leasecron's
 * own state lives in annotations and is written with the same compare-and-swap that renews the lease.
 *
 * @param holder {@code holderIdentity}; empty when released
 * @param renewTime written by the holder from its own clock: shown to people, never used to judge expiry
 * @param term {@code leasecron.io/term}: incremented by every acquisition, also by the same identity
 * @param claimedUntil {@code leasecron.io/claimed-until}: the latest slot time any term has claimed; null if none
 * @param dispatchedThrough {@code leasecron.io/dispatched-through}: every claimed slot up to here was started or
 *        deliberately not fired; null if none
 * @param resourceVersion the version this value was read at; updates are conditional on it
 */
public record LeaseRecord(String holder, int leaseDurationSeconds, Instant acquireTime, Instant renewTime, int transitions,
        long term, Instant claimedUntil, Instant dispatchedThrough, String resourceVersion) {

    public static final String TERM = "leasecron.io/term";
    public static final String CLAIMED_UNTIL = "leasecron.io/claimed-until";
    public static final String DISPATCHED_THROUGH = "leasecron.io/dispatched-through";

    public boolean held() {
        return holder != null && !holder.isEmpty();
    }

    LeaseRecord renewed(Instant now, Instant claim, Instant dispatched) {
        return new LeaseRecord(holder, leaseDurationSeconds, acquireTime, now, transitions, term, claim, dispatched, resourceVersion);
    }
}
