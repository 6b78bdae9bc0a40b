package io.leasecron.control;

import io.leasecron.job.JobId;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Where manual runs and pauses are kept: ConfigMaps in the service's namespace in Kubernetes mode (every replica
 * sees them, they outlive every replica), memory in local mode. Reads named {@code read...} ask the store itself
 * (the API server: a quorum read), so that a change answered on one replica reads back on any other; the others
 * answer from this replica's copy, which follows the store within the watch latency.
 */
public interface ControlStore extends AutoCloseable {

    /** Stores a new run request under its name. */
    RunRecord create(RunRecord run);

    Optional<RunRecord> readRun(String name);

    /** Replaces {@code run} if it is still at {@code run.version()}; false if it changed or is gone (re-read and decide again). */
    boolean replace(RunRecord run);

    /** Sets these fields of a run, whatever its version (fields only the replica that fired it writes); nothing if it is gone. */
    void update(String name, Map<String, String> fields);

    /** Sets these fields of a run only if it has neither started nor ended (as far as the store knows). */
    void settle(String name, Map<String, String> fields);

    void delete(String name);

    /** This replica's copy of every run record. */
    Collection<RunRecord> runs();

    /** Records a pause; false if the job is paused already. */
    boolean pause(Pause pause);

    /** Removes a pause; false if the job was not paused. */
    boolean resume(JobId job);

    Optional<Pause> readPause(JobId job);

    /** This replica's copy: the job's pause, if any. */
    Optional<Pause> pause(JobId job);

    /** Runs {@code listener} after every change this replica learns of (its own and others'), on the store's thread. */
    void onChange(Runnable listener);

    /** Starts following the store; true once its first read is complete ({@link #synced}). */
    void start();

    boolean synced();

    @Override
    void close();
}
