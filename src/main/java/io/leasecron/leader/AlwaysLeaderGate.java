package io.leasecron.leader;

import io.leasecron.engine.LeaderGate;
import io.leasecron.engine.SkipReason;
import java.time.Instant;

/**
 * Local mode: one replica, always the leader, term 1. Local mode keeps no record of what an earlier run of the
 * service fired, so the gate treats every slot at or before this replica's start as its predecessor's: it may have
 * fired before a restart, and at most once per slot comes first. Only a one-time job whose {@code runAt} had passed
 * before the start is affected (a recurring job's slots are computed from its registration on); it is refused as
 * {@code previous_leader}, as a Kubernetes-mode leader refuses what its predecessor dispatched.
 */
public final class AlwaysLeaderGate implements LeaderGate {
    public static final long TERM = 1;
    private static final Decision FIRE = new Decision.Fire(TERM);

    private final Instant startedAt;

    /** Every slot is this replica's (benchmarks, tests). */
    public AlwaysLeaderGate() {
        this(Instant.MIN);
    }

    /** Slots after {@code startedAt} are this replica's. */
    public AlwaysLeaderGate(Instant startedAt) {
        this.startedAt = startedAt;
    }

    @Override
    public Decision authorise(Instant slot) {
        if (!slot.isAfter(startedAt)) {
            return new Decision.Refused(SkipReason.PREVIOUS_LEADER, "due at or before this replica started (" + startedAt
                    + "); local mode keeps no record of what an earlier run fired, so it is not fired (it may have been)");
        }
        return FIRE;
    }
}
