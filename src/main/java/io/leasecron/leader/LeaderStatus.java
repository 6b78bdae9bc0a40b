package io.leasecron.leader;

import java.time.Instant;

/**
 * This replica's view of the election, for {@code GET /api/v1/leader}, probes and metrics.
 *
 * @param holderIdentity the holder as last seen on the Lease; null when nobody holds it
 * @param isLeader this replica holds the lease and may fire (renewed within the renew deadline)
 * @param term this replica's term while it leads, else the term last seen on the Lease
 * @param since when this replica acquired the lease (its own clock); null unless leading
 * @param renewedAt this replica's last successful renewal (its own clock); null unless leading
 * @param claimedUntil the latest slot time claimed, as last seen
 * @param dispatchedThrough every claimed slot up to here has been started, as last seen
 * @param renewOverdue it holds the lease but has not renewed for longer than the renew deadline (liveness)
 * @param lastError the last failure to talk to the API, or null
 */
public record LeaderStatus(String holderIdentity, String self, boolean isLeader, long term, Instant since, Instant renewedAt,
        Instant claimedUntil, Instant dispatchedThrough, int leaseDurationSeconds, boolean renewOverdue, String lastError) {
}
