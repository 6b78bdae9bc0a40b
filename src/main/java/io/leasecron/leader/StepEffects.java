package io.leasecron.leader;

import java.util.ArrayList;
import java.util.List;

/**
 * What one step of the {@link Election} leaves for the replica to do once the lock is released: tell the engine's
 * claim waiters that their claim resolved (or never will), and call the leadership listeners.
 */
final class StepEffects {
    final List<Runnable> run = new ArrayList<>();
    boolean resolveWaiters;
}
