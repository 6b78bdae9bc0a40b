package io.leasecron.testing;

import io.leasecron.engine.LeaderGate;
import java.time.Instant;
import java.util.function.Consumer;

/** A gate that answers as another does, and tells a test each slot it is asked about and each progress report. */
public final class ObservedGate implements LeaderGate {
    private final LeaderGate gate;
    private final Consumer<Instant> asked;
    private final Consumer<Instant> reported;

    /**
     * @param asked runs before {@code gate} answers for a slot
     * @param reported runs before {@code gate} is told of progress
     */
    public ObservedGate(LeaderGate gate, Consumer<Instant> asked, Consumer<Instant> reported) {
        this.gate = gate;
        this.asked = asked;
        this.reported = reported;
    }

    @Override
    public Decision authorise(Instant slot) {
        asked.accept(slot);
        return gate.authorise(slot);
    }

    @Override
    public void requestClaim(Instant through, Runnable resolved) {
        gate.requestClaim(through, resolved);
    }

    @Override
    public void dispatched(Instant through) {
        reported.accept(through);
        gate.dispatched(through);
    }
}
