package io.leasecron.leader;

import java.time.Instant;
import java.util.OptionalLong;

/**
 * Asked by the engine on every single fire. Answers from local state only (no API call on the fire path) and
 * returns the lease term that authorises the fire, or empty when this replica must not fire that slot now.
 * Because it is asked every time, a replica that lost leadership and later regained it fires again: there is
 * no cached "I am not the leader" decision anywhere in the engine.
 */
@FunctionalInterface
public interface LeaderGate {
    OptionalLong authorise(Instant slot);
}
