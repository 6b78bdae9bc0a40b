package io.leasecron.engine;

import io.leasecron.job.JobSpec;
import java.time.Instant;

/** A due slot on its way through the fire path, as planned for one generation of its job; it may wait for a claim. */
final class Candidate {
    final Registration reg;
    final JobSpec spec;
    final long generation;
    final Instant slot;
    /** Set when planning already decided not to fire it (catch-up, deadline). */
    final SkipReason skipReason;
    final String skipDetail;
    /** It has waited for a claim at least once: its starting deadline is checked again. */
    boolean waited;
    /**
     * Its {@link Progress} entry was settled or left open, or passed to the run that fires it. Only the thread
     * running the pass touches it.
     */
    boolean released;

    /** A slot to fire. */
    Candidate(Registration reg, JobSpec spec, long generation, Instant slot) {
        this(reg, spec, generation, slot, null, null);
    }

    /** A slot planning decided against ({@code reason} null: a slot to fire). */
    Candidate(Registration reg, JobSpec spec, long generation, Instant slot, SkipReason reason, String detail) {
        this.reg = reg;
        this.spec = spec;
        this.generation = generation;
        this.slot = slot;
        this.skipReason = reason;
        this.skipDetail = detail;
    }

    /** Its job was deleted, or its schedule edited, since it was planned: it no longer names a slot of the job. */
    boolean isVoid() {
        return reg.removed || generation != reg.generation;
    }
}
