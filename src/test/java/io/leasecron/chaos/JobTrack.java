package io.leasecron.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one job is expected to fire, phase by phase: a phase starts when the harness changed the job (created,
 * edited to another period, deleted = period 0). A change takes up to {@link #SETTLE} to reach every replica; slots
 * in that window are not judged either way. Slots that came due while the harness had the job paused (through the
 * API, {@link #pause}) are not expected either; firing them is no error, firing one twice is.
 */
final class JobTrack {
    static final Duration SETTLE = Duration.ofSeconds(1);

    record Phase(Instant changedAt, Instant judgedFrom, long period) {
    }

    /** Slots due in [from, to] are not expected: the job was (or may have been) paused. */
    record Pause(Instant from, Instant to) {
        boolean covers(Instant slot) {
            return !slot.isBefore(from) && !slot.isAfter(to);
        }
    }

    final String id;
    final ChaosJob job;
    final List<Phase> phases = new ArrayList<>();
    final List<Pause> pauses = new ArrayList<>();

    JobTrack(String id, ChaosJob job) {
        this.id = id;
        this.job = job;
    }

    /** The measurement starts: a job that existed before is judged from {@code start}. */
    synchronized void begin(Instant start) {
        if (phases.isEmpty()) {
            phases.add(new Phase(start, start, job.period()));
        }
    }

    /** The harness changed the job at {@code at}: from then on it fires every {@code period} s (0: never). */
    synchronized void change(Instant at, long period) {
        phases.add(new Phase(at, at.plus(SETTLE), period));
    }

    /** The harness paused the job: slots due in [from, to] are excused (both edges with their tolerance). */
    synchronized void pause(Instant from, Instant to) {
        pauses.add(new Pause(from, to));
    }

    /** Whether {@code slot} fell in a pause. */
    synchronized boolean paused(Instant slot) {
        return pauses.stream().anyMatch(p -> p.covers(slot));
    }

    /** Every slot due in the judged parts of the phases, up to and including {@code end}, outside pauses. */
    synchronized List<Instant> expected(Instant end) {
        return scheduled(end).stream().filter(s -> !paused(s)).toList();
    }

    /** The slots {@link #expected} leaves out because the job was paused. */
    synchronized List<Instant> excusedByPause(Instant end) {
        return scheduled(end).stream().filter(this::paused).toList();
    }

    private List<Instant> scheduled(Instant end) {
        List<Instant> slots = new ArrayList<>();
        for (int i = 0; i < phases.size(); i++) {
            Phase p = phases.get(i);
            if (p.period() == 0) {
                continue;
            }
            long from = ceilSeconds(p.judgedFrom());
            long until = end.getEpochSecond() + 1;
            Instant nextChange = i + 1 < phases.size() ? phases.get(i + 1).changedAt() : null;
            for (long s = from; s < until; s++) {
                Instant slot = Instant.ofEpochSecond(s);
                if (s % p.period() == 0 && (nextChange == null || slot.isBefore(nextChange))) {
                    slots.add(slot);
                }
            }
        }
        return slots;
    }

    /**
     * Whether a fire of {@code slot} contradicts the job as the harness defined it at that time: off its grid, or
     * after it was deleted. Slots outside the judged parts (before the start, within a change's settling time,
     * after {@code end}) are never unexpected.
     */
    synchronized boolean unexpected(Instant slot, Instant end) {
        if (slot.isAfter(end)) {
            return false;
        }
        for (int i = 0; i < phases.size(); i++) {
            Phase p = phases.get(i);
            Instant next = i + 1 < phases.size() ? phases.get(i + 1).changedAt() : null;
            if (!slot.isBefore(p.judgedFrom()) && (next == null || slot.isBefore(next))) {
                return p.period() == 0 || slot.getNano() != 0 || slot.getEpochSecond() % p.period() != 0;
            }
        }
        return false;
    }

    private static long ceilSeconds(Instant t) {
        return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
    }
}
