package io.leasecron.control;

import io.leasecron.engine.Clock;
import io.leasecron.job.JobId;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Function;

/**
 * Jobs paused through the API. A pause is stored (a ConfigMap in Kubernetes mode, so it outlives restarts and
 * rollouts and {@code kubectl} shows it); the engine of every replica skips the scheduled slots of a paused job as
 * {@code suspended}, from the moment its copy of the store has the pause (the watch latency, milliseconds). Manual
 * runs are not held back: they are asked for explicitly. As for {@code suspend: true}, the slots a pause skipped are
 * not caught up on resume.
 */
public final class Pauses implements Function<JobId, String> {
    private final ControlStore store;
    private final Clock clock;

    public Pauses(ControlStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Pauses the job; empty if it was paused already (then the existing pause is {@link #read}). */
    public Optional<Pause> pause(JobId job, String by) {
        Pause p = new Pause(job, by, clock.now().truncatedTo(ChronoUnit.MILLIS));
        return store.pause(p) ? Optional.of(p) : Optional.empty();
    }

    /** Resumes the job; false if it was not paused. */
    public boolean resume(JobId job) {
        return store.resume(job);
    }

    /** The job's pause as stored now (not this replica's copy): what was answered on any replica reads back here. */
    public Optional<Pause> read(JobId job) {
        return store.readPause(job);
    }

    /** This replica's copy of the job's pause. */
    public Optional<Pause> cached(JobId job) {
        return store.pause(job);
    }

    /** This replica's copy, for the engine: why the job's slots are skipped, or null if it is not paused. */
    @Override
    public String apply(JobId job) {
        return store.pause(job).map(Pause::reason).orElse(null);
    }
}
