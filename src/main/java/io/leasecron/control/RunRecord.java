package io.leasecron.control;

import io.leasecron.job.JobId;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One manual run as recorded in the cluster (a ConfigMap's data, all strings): who asked for which job and when it
 * should run; once a leader took it in, the slot it fires as and the term that assigned it; once started, when and
 * where; once over, its outcome. Immutable; {@code version} is the object's resourceVersion, for conditional writes.
 *
 * @param slot the time the run fires as: its {@code Idempotency-Key} and its fencing come from it; null while pending
 * @param term the lease term that assigned {@code slot}; 0 while pending
 */
public record RunRecord(String name, String version, JobId job, Instant runAt, String requestedBy, Instant requestedAt,
        long term, Instant slot, Instant startedAt, String replica, String outcome, String detail, Instant finishedAt) {

    /** Outcomes a run can end with. */
    public static final String SUCCEEDED = "succeeded", FAILED = "failed", TIMED_OUT = "timed_out", SKIPPED = "skipped";
    /** Started (or deliberately not) by a replica that never recorded which, nor how it ended. */
    public static final String UNKNOWN = "unknown";

    /** A new request: pending until a leader assigns it a slot. */
    public static RunRecord requested(String name, JobId job, Instant runAt, String by, Instant at) {
        return new RunRecord(name, null, job, runAt, by, at, 0, null, null, null, null, null, null);
    }

    /** Assigned to {@code slot} by {@code term}; the rest as it was. */
    public RunRecord assigned(long term, Instant slot) {
        return new RunRecord(name, version, job, runAt, requestedBy, requestedAt, term, slot, startedAt, replica, outcome, detail,
                finishedAt);
    }

    /** Ended with {@code outcome}; the rest as it was. */
    public RunRecord withOutcome(String outcome, String detail, Instant at) {
        return new RunRecord(name, version, job, runAt, requestedBy, requestedAt, term, slot, startedAt, replica, outcome, detail, at);
    }

    public RunRecord withVersion(String v) {
        return new RunRecord(name, v, job, runAt, requestedBy, requestedAt, term, slot, startedAt, replica, outcome, detail, finishedAt);
    }

    /** {@code pending}, {@code assigned}, {@code running}, or the outcome. */
    public String state() {
        return outcome != null ? outcome : startedAt != null ? "running" : slot != null ? "assigned" : "pending";
    }

    public boolean finished() {
        return outcome != null;
    }

    // ---------------------------------------------------------------- the stored form

    static final String JOB = "job", RUN_AT = "runAt", REQUESTED_BY = "requestedBy", REQUESTED_AT = "requestedAt", TERM = "term",
            SLOT = "slot", STARTED_AT = "startedAt", REPLICA = "replica", OUTCOME = "outcome", DETAIL = "detail",
            FINISHED_AT = "finishedAt";

    Map<String, String> data() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(JOB, job.toString());
        d.put(RUN_AT, runAt.toString());
        d.put(REQUESTED_BY, requestedBy);
        d.put(REQUESTED_AT, requestedAt.toString());
        if (slot != null) {
            d.put(TERM, Long.toString(term));
            d.put(SLOT, slot.toString());
        }
        put(d, STARTED_AT, startedAt);
        put(d, REPLICA, replica);
        put(d, OUTCOME, outcome);
        put(d, DETAIL, detail);
        put(d, FINISHED_AT, finishedAt);
        return d;
    }

    /** The fields a replica that fired the run adds: when it started, where; or how it ended. */
    static Map<String, String> started(Instant at, String replica) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(STARTED_AT, at.toString());
        d.put(REPLICA, replica);
        return d;
    }

    static Map<String, String> ended(String outcome, String detail, Instant at) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(OUTCOME, outcome);
        d.put(DETAIL, detail == null ? "" : detail);
        d.put(FINISHED_AT, at.toString());
        return d;
    }

    /** Reads a stored record; empty if it is not one (a field missing or malformed: someone edited it by hand). */
    static Optional<RunRecord> parse(String name, String version, Map<String, String> d) {
        if (d == null) {
            return Optional.empty();
        }
        try {
            String slot = d.get(SLOT);
            return Optional.of(new RunRecord(name, version, JobId.parse(d.get(JOB)), Instant.parse(d.get(RUN_AT)), d.get(REQUESTED_BY),
                    Instant.parse(d.get(REQUESTED_AT)), slot == null ? 0 : Long.parseLong(d.get(TERM)), slot == null ? null : Instant.parse(slot),
                    instant(d.get(STARTED_AT)), d.get(REPLICA), d.get(OUTCOME), d.get(DETAIL), instant(d.get(FINISHED_AT))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Instant instant(String s) {
        return s == null || s.isEmpty() ? null : Instant.parse(s);
    }

    private static void put(Map<String, String> d, String key, Object value) {
        if (value != null) {
            d.put(key, value.toString());
        }
    }
}
