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
    /**
     * A run asked for outside the job's schedule (a manual run): it belongs to no generation (an edit of the schedule
     * does not void it), is not held back by suspension, and never counts as the one-time job's {@code runAt}.
     */
    final boolean manual;
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
        this(reg, spec, generation, slot, reason, detail, false);
    }

    /** A manual run of the job at {@code slot}, a time that is not one of its schedule's slots. */
    static Candidate manual(Registration reg, Instant slot) {
        return new Candidate(reg, reg.spec, reg.generation, slot, null, null, true);
    }

    private Candidate(Registration reg, JobSpec spec, long generation, Instant slot, SkipReason reason, String detail, boolean manual) {
        this.manual = manual;
        this.reg = reg;
        this.spec = spec;
        this.generation = generation;
        this.slot = slot;
        this.skipReason = reason;
        this.skipDetail = detail;
    }

    /** Its job was deleted, or its schedule edited, since it was planned: it no longer names a slot of the job. */
    boolean isVoid() {
        return reg.removed || !manual && generation != reg.generation;
    }
}
