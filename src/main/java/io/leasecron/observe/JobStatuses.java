package io.leasecron.observe;

import io.leasecron.job.JobId;
import java.time.Instant;
import java.util.List;

/**
 * What the API shows of a job's past: its last schedule and success times and its recent runs. Local mode answers
 * from this process's memory ({@link RunHistory}); Kubernetes mode from the status ConfigMaps every replica watches
 * ({@link ClusterStatus}), so that every replica gives the same answer and it survives restarts.
 */
public interface JobStatuses {

    /**
     * One job's status. {@code lastScheduleTime}: the newest slot an attempt was started for (as a CronJob's, the
     * scheduled time, not the start); {@code lastSuccessfulTime}: when the newest successful attempt ended;
     * {@code runs}: the newest finished or skipped slots, newest first. Times are null when nothing happened yet.
     */
    record Status(Instant lastScheduleTime, Instant lastSuccessfulTime, List<RunHistory.Record> runs) {
        public static final Status NONE = new Status(null, null, List.of());

        public Status {
            runs = List.copyOf(runs);
        }

        /** The outcome of the newest run, null when there is none. */
        public String lastOutcome() {
            return runs.isEmpty() ? null : runs.get(0).outcome();
        }
    }

    /** The job's status; {@link Status#NONE} for a job with no past. */
    Status status(JobId job);
}
