package io.leasecron.leader;

import io.leasecron.engine.LeaderGate;
import java.time.Instant;

/** Local mode: one replica, always the leader, term 1; every slot is its own. */
public final class AlwaysLeaderGate implements LeaderGate {
    public static final long TERM = 1;
    private static final Decision FIRE = new Decision.Fire(TERM);

    @Override
    public Decision authorise(Instant slot) {
        return FIRE;
    }
}
