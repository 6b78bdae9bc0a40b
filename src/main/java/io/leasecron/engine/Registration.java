package io.leasecron.engine;

import io.leasecron.job.JobSpec;
import io.leasecron.schedule.Occurrence;
import java.time.Instant;
import java.util.Set;

/**
 * One job as the engine holds it: its spec, its generation and its next slot ({@link JobTable}'s fields, under the
 * table's monitor), and what fires of it are in progress (under the registration's own monitor, so that workers
 * ending a run never wait for the table).
 */
final class Registration {
    volatile JobSpec spec;
    /** Incremented by every edit of the schedule and by removal: slots planned under an older one are void. */
    volatile long generation;
    Occurrence next;
    /** How far this engine has passed: the last slot it took from the timer, or when the job was (re)scheduled. */
    Instant cursor;
    /**
     * How far a recovery may plan this job's slots again: when it was (re)scheduled, or the latest slot the gate
     * refused for want of a lease. Never a slot offered under the term now leading, even one offered before that
     * term's recovery was applied (the takeover and its recovery are two steps, on two threads), so that no slot
     * reaches the fire path twice in one term. Guarded by the registration's monitor.
     */
    Instant recoverableThrough;
    /** When the job was (re)scheduled: this engine knows no slot of it before. */
    Instant registeredAt;
    volatile boolean removed;
    /** Attempts in progress; allocated on first use to keep idle jobs small. Guarded by the registration's monitor. */
    Set<Run> runs;
}
