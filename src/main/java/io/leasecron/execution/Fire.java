package io.leasecron.execution;

import io.leasecron.job.JobSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * One attempt at one slot, as handed to an {@link ActionRunner}.
 *
 * @param slot the scheduled time; together with the job id it names the slot
 * @param attempt 1 for the first attempt, incremented by retries
 * @param term the lease term that authorised the fire (fencing token)
 * @param replica identity of the firing replica ({@code POD_NAME})
 */
public record Fire(JobSpec spec, Instant slot, int attempt, long term, String replica) {

    /** Stable per slot: the same on every attempt and on every replica that fires this slot. */
    public String idempotencyKey() {
        return idempotencyKey(spec.id().toString(), slot);
    }

    public static String idempotencyKey(String jobId, Instant slot) {
        return UUID.nameUUIDFromBytes((jobId + "\n" + slot.toEpochMilli()).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
