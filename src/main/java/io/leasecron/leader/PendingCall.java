package io.leasecron.leader;

import java.time.Instant;

/**
 * A Lease request the elector decided ({@link LeaderElector#prepare()}), on its way: made by
 * {@link LeaderElector#perform}, its answer taken in by {@link LeaderElector#complete}. A simulation holds it
 * between those steps while other things happen; its text names the request and, once made, its answer.
 */
public final class PendingCall {
    final LeaseCall.Request request;
    /** When it was decided, monotonic and wall-clock: a write's renew deadline counts from here. */
    final long sent;
    final Instant sentAt;
    LeaseCall.Answer answer;

    PendingCall(LeaseCall.Request request, long sent, Instant sentAt) {
        this.request = request;
        this.sent = sent;
        this.sentAt = sentAt;
    }

    @Override
    public String toString() {
        return request + (answer == null ? "" : " -> " + answer);
    }
}
