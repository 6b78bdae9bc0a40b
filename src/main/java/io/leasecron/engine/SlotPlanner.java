package io.leasecron.engine;

import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.ClockChange;
import io.leasecron.schedule.Occurrence;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which of a job's slots fire, as pure functions of the spec, slot times and the current time: the backlog
 * of a job whose timer came due late, the catch-up policy over it, and the slots a new leader plans again after a
 * takeover. It holds no state and publishes nothing; what it decides against comes back as data, so every replica
 * plans the same slots and a test can check a plan without an engine.
 */
final class SlotPlanner {
    private final EngineSettings settings;

    SlotPlanner(EngineSettings settings) {
        this.settings = settings;
    }

    /** One slot and what planning decided for it: fire it, or skip it with a reason and a detail for people. */
    record Planned(Occurrence slot, boolean fire, SkipReason reason, String detail) {
        static Planned fire(Occurrence slot) {
            return new Planned(slot, true, null, null);
        }

        static Planned skip(Occurrence slot, SkipReason reason, String detail) {
            return new Planned(slot, false, reason, detail);
        }
    }

    /**
     * The slots of one job that are due at once when its timer is taken: the timer's slot and any later ones also
     * already due (the engine fell behind), at most {@code backlogCap} of them.
     *
     * @param next the job's next slot after these, to set its timer to
     * @param beyondCap more were due than the cap: the ones after the last listed up to now are missed, unlisted
     */
    record Backlog(List<Occurrence> slots, Optional<Occurrence> next, boolean beyondCap) {
        /** How far the engine has passed this job once it takes this backlog. */
        Instant cursor(Instant now) {
            return beyondCap ? now : slots.get(slots.size() - 1).time();
        }
    }

    Backlog backlog(JobSpec spec, Occurrence first, Instant now) {
        List<Occurrence> slots = new ArrayList<>(1);
        slots.add(first);
        Optional<Occurrence> next = spec.schedule().next(first.time());
        boolean beyondCap = false;
        while (next.isPresent() && !next.get().time().isAfter(now)) {
            if (slots.size() < settings.backlogCap()) {
                slots.add(next.get());
                next = spec.schedule().next(next.get().time());
            } else {
                // Far behind (a long pause of an every-second job): skip the rest without enumerating them.
                beyondCap = true;
                next = spec.schedule().next(now);
            }
        }
        return new Backlog(slots, next, beyondCap);
    }

    /**
     * Applies the job's catch-up policy to slots that are due now, oldest first. The most recent slot is the
     * current one; older ones were missed. A slot later than {@code startingDeadlineSeconds} never fires.
     */
    List<Planned> plan(JobSpec spec, List<Occurrence> slots, Instant now) {
        List<Planned> out = new ArrayList<>(slots.size());
        Optional<Duration> deadline = spec.startingDeadline();
        for (int i = 0; i < slots.size(); i++) {
            Occurrence slot = slots.get(i);
            Duration late = Duration.between(slot.time(), now);
            boolean current = i == slots.size() - 1;
            if (deadline.isPresent() && late.compareTo(deadline.get()) > 0) {
                out.add(Planned.skip(slot, SkipReason.DEADLINE_EXCEEDED, "started " + late.toMillis()
                        + " ms late, past startingDeadlineSeconds " + deadline.get().toSeconds()));
                continue;
            }
            boolean fire = switch (spec.catchUp()) {
                case All -> true;
                case Latest -> current;
                case None -> current && late.compareTo(settings.missedThreshold()) <= 0;
            };
            out.add(fire ? Planned.fire(slot) : Planned.skip(slot, SkipReason.MISSED, "missed by " + late.toMillis()
                    + " ms; catchUp " + spec.catchUp() + " does not fire it"));
        }
        return out;
    }

    /** A one-time job whose {@code runAt} had already passed when it was registered: catch-up decides, and says so. */
    List<Planned> planPastRunAt(JobSpec spec, Instant now) {
        Instant at = spec.runAt().orElseThrow();
        Occurrence slot = new Occurrence(at, LocalDateTime.ofInstant(at, spec.timeZone()), ClockChange.NONE);
        List<Planned> out = new ArrayList<>(1);
        for (Planned p : plan(spec, List.of(slot), now)) {
            out.add(p.fire ? p : Planned.skip(p.slot, p.reason, "runAt " + at
                    + " had already passed when the job was registered; " + p.detail));
        }
        return out;
    }

    /**
     * What a new leader plans again for one job after a takeover.
     *
     * @param uncertain slots the predecessor claimed and may not have started: each goes to the gate, which answers
     *        {@code Uncertain}
     * @param caughtUp slots after the predecessor's claim, handled by nobody, planned by the catch-up policy
     * @param missed a summary skip of the slots the policy never fires, listed without enumerating them
     */
    record Recovered(List<Occurrence> uncertain, List<Planned> caughtUp, Optional<SkippedExecution> missed) {
    }

    /**
     * The slots of {@code spec} a new leader plans again: those after {@code dispatched} up to {@code through}, the
     * latest slot this engine passed without a lease. Slots up to {@code claimedUntil} are uncertain; later ones
     * go through the catch-up policy.
     */
    Recovered recover(JobSpec spec, Instant dispatched, Instant claimedUntil, Instant through, Instant now) {
        List<Occurrence> uncertain = new ArrayList<>();
        Instant t = dispatched;
        int n = 0;
        Optional<Occurrence> o;
        while (n++ < settings.backlogCap() && (o = spec.schedule().next(t)).isPresent()
                && !o.get().time().isAfter(claimedUntil) && !o.get().time().isAfter(through)) {
            uncertain.add(o.get());
            t = o.get().time();
        }
        Instant after = claimedUntil.isAfter(dispatched) ? claimedUntil : dispatched;
        Instant from = catchUpFrom(spec, after, through, now);
        Optional<SkippedExecution> missed = Optional.empty();
        if (from.isAfter(after)) {
            Optional<Occurrence> first = spec.schedule().next(after);
            if (first.isPresent() && !first.get().time().isAfter(from)) {
                missed = Optional.of(new SkippedExecution(spec.id(), first.get().time(), SkipReason.MISSED, "slots from "
                        + first.get().time() + " to " + from + " were missed while no replica was leader; catchUp "
                        + spec.catchUp() + " does not fire them"));
            }
        }
        List<Occurrence> slots = slotsBetween(spec, from, through, settings.backlogCap());
        return new Recovered(uncertain, slots.isEmpty() ? List.of() : plan(spec, slots, now), missed);
    }

    /**
     * Where the slots in {@code (after, through]} that the catch-up policy could fire begin, so that the ones it never
     * would (a long outage of an every-second job) are not enumerated.
     */
    private Instant catchUpFrom(JobSpec spec, Instant after, Instant through, Instant now) {
        switch (spec.catchUp()) {
            case None -> {
                return later(after, now.minus(settings.missedThreshold()).minusMillis(1));
            }
            case All -> {
                return spec.startingDeadline().isPresent()
                        ? later(after, now.minus(spec.startingDeadline().get()).minusMillis(1)) : after;
            }
            case Latest -> {
                // The most recent slot only: look back a minute, then ever further.
                for (Duration back = Duration.ofMinutes(1); ; back = back.multipliedBy(16)) {
                    Instant f = later(after, through.minus(back));
                    List<Occurrence> slots = slotsBetween(spec, f, through, settings.backlogCap());
                    if (!slots.isEmpty() || f.equals(after)) {
                        return slots.isEmpty() ? after : slots.get(slots.size() - 1).time().minusMillis(1);
                    }
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Whether {@code slot} is fired by catch-up at {@code now}: a later slot of the job is already due. */
    static boolean isCatchUp(JobSpec spec, Instant slot, Instant now) {
        return spec.schedule().next(slot).map(o -> !o.time().isAfter(now)).orElse(false);
    }

    /** The slots in {@code (after, through]}, oldest first, at most {@code cap}. */
    static List<Occurrence> slotsBetween(JobSpec spec, Instant after, Instant through, int cap) {
        List<Occurrence> out = new ArrayList<>();
        Instant t = after;
        Optional<Occurrence> o;
        while (out.size() < cap && (o = spec.schedule().next(t)).isPresent() && !o.get().time().isAfter(through)) {
            out.add(o.get());
            t = o.get().time();
        }
        return out;
    }

    /** The later of two instants; null counts as earliest. */
    static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
