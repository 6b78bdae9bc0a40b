package io.leasecron.control;

import io.leasecron.job.JobId;
import java.time.Instant;

/** A job paused through the API: by whom and since when. Its scheduled slots are skipped until it is resumed. */
public record Pause(JobId job, String by, Instant since) {

    /** The sentence its skipped slots carry. */
    public String reason() {
        return "job is paused (by " + by + " since " + since + "); POST its :resume to let its slots fire again";
    }
}
