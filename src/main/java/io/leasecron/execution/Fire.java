package io.leasecron.execution;

import io.leasecron.job.JobSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt at one slot, as handed to an {@link ActionRunner}.
 *
 * @param slot the scheduled time; together with the job id it names the slot
 * @param attempt 1 for the first attempt, incremented by retries
 * @param term the lease term that authorised the fire (fencing token)
 * @param replica identity of the firing replica ({@code POD_NAME})
 * @param handOff when the attempt has left this process (see {@link HandOff})
 */
public record Fire(JobSpec spec, Instant slot, int attempt, long term, String replica, HandOff handOff) {

    public Fire(JobSpec spec, Instant slot, int attempt, long term, String replica) {
        this(spec, slot, attempt, term, replica, new HandOff());
    }

    /**
     * The moment an attempt no longer depends on this process: a request on the wire, a process spawned, a Job
     * created. The engine records a slot as started (the Lease's dispatched-through) only once every attempt of it
     * has been handed off, so that a replica killed in between leaves the slot uncertain (reported, and fired
     * again under {@code delivery: AtLeastOnce}) rather than recorded as started though nothing left the process.
     *
     * <p>By default, returning from {@link ActionRunner#start} is the hand-off. A runner whose work leaves the
     * process later calls {@link #defer()} during {@code start} and completes the returned future when it has, never
     * on a timer or a guess: an attempt that ends before its work left (an HTTP connection that could not be made)
     * stays without a hand-off, and its outcome (failed) is what settles the slot for the engine.
     */
    public static final class HandOff {
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile boolean deferred;

        /** Called by a runner during {@code start}: the hand-off happens when it completes the returned future. */
        public CompletableFuture<Void> defer() {
            deferred = true;
            return done;
        }

        /** Null if returning from {@code start} was the hand-off; else what completes when it happens. */
        public CompletableFuture<Void> pending() {
            return deferred ? done : null;
        }
    }

    /** Stable per slot: the same on every attempt and on every replica that fires this slot. */
    public String idempotencyKey() {
        return idempotencyKey(spec.id().toString(), slot);
    }

    public static String idempotencyKey(String jobId, Instant slot) {
        return UUID.nameUUIDFromBytes((jobId + "\n" + slot.toEpochMilli()).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
