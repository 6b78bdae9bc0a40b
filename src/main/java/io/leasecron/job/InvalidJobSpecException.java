package io.leasecron.job;

import io.leasecron.text.Redaction;
import java.util.List;

/**
 * A job spec broke one or more rules. {@link #getMessage()} lists every problem, each naming the job, the field
 * and the fix, e.g. {@code reports/cleanup: schedule "61 * * * *": minute 61 is out of range 0-59}. Problems quote
 * the spec, so they are redacted ({@link Redaction#text}) on the way in: the log, the API and Events show them as kept.
 */
public final class InvalidJobSpecException extends Exception {
    private final JobId jobId;
    private final List<String> problems;

    public InvalidJobSpecException(JobId jobId, List<String> problems) {
        super(String.join("; ", problems.stream().map(p -> jobId + ": " + Redaction.text(p)).toList()));
        this.jobId = jobId;
        this.problems = problems.stream().map(Redaction::text).toList();
    }

    public JobId jobId() {
        return jobId;
    }

    /** The problems without the job prefix. */
    public List<String> problems() {
        return problems;
    }
}
