package io.leasecron.testing;

import io.leasecron.job.InvalidJobSpecException;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.job.JobSpecParser;

/** Builds job specs from YAML, as a user writes them. */
public final class Jobs {
    private Jobs() {
    }

    public static JobSpec spec(String id, String yaml) {
        try {
            return JobSpecParser.parse(JobId.parse(id), yaml);
        } catch (InvalidJobSpecException e) {
            throw new AssertionError("fixture spec is invalid: " + e.getMessage(), e);
        }
    }

    /** An HTTP job on {@code schedule}; {@code extra} adds YAML lines (fields) to the spec. */
    public static JobSpec every(String id, String schedule, String... extra) {
        StringBuilder y = new StringBuilder("schedule: \"" + schedule + "\"\nhttp: {url: \"http://127.0.0.1:9/" + id + "\"}\n");
        for (String line : extra) {
            y.append(line).append('\n');
        }
        return spec(id, y.toString());
    }
}
