package io.leasecron.bench;

import java.time.Instant;

/**
 * One scheduler under benchmark, set up the way its documentation recommends for an in-memory, single-node
 * deployment, with a no-op action that records how late it started.
 */
interface Peer extends AutoCloseable {
    String name();

    /** Registers {@code count} jobs; job i fires once a minute at second {@code i % 60}. Records every start. */
    void everyMinuteAtSpreadSeconds(int count, Samples lateness) throws Exception;

    /** Registers {@code count} jobs that all fire once, at {@code at}. Records every start relative to {@code at}. */
    void burstAt(int count, Instant at, Samples lateness) throws Exception;

    /** Registers {@code count} jobs with varied cron schedules and starts nothing; for heap per job. */
    void registerOnly(int count) throws Exception;

    /** Unregisters every job. */
    void clear() throws Exception;
}
