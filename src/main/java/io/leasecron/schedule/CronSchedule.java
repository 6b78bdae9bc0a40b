package io.leasecron.schedule;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneRules;
import java.util.BitSet;
import java.util.Objects;
import java.util.Optional;

/**
 * A cron expression in a time zone under a daylight-saving policy. The two ways of turning wall-clock matches into
 * instants are:
 * <ul>
 * <li><b>as the clock passes</b> ({@link DstPolicy#CRON_JOB}, and {@link DstPolicy#RUN_ONCE} for a {@code *} or
 * stepped hour): walk real time through each period of constant UTC offset and take the first second whose local
 * time matches. A wall-clock time inside a spring-forward gap never appears; one inside a fall-back repeat
 * appears in both passes. This is what robfig/cron v3, and so Kubernetes CronJob, computes.</li>
 * <li><b>once per wall-clock slot</b> ({@link DstPolicy#RUN_ONCE} with fixed hours): take each matching wall-clock
 * time once and place it on the time line: unchanged when it exists once, at the end of the gap when it does not
 * exist, at its first occurrence when it exists twice. Several slots inside one gap run once, together, at the
 * end of the gap (they would be the same instant, hence the same slot).</li>
 * </ul>
 * Resolution is one second. The search looks {@value #HORIZON_YEARS} years ahead at most, the bound Quartz also
 * keeps (it computes no run past its current year + 100); a schedule can only have a later run through its Quartz
 * year field (a run in 2150 searched from 2026), and {@link #whyNoRunAfter} says so, with the year, instead of
 * leaving an unexplained empty list.
 */
public record CronSchedule(String expression, CronFields fields, ZoneId zone, DstPolicy policy) implements Schedule {
    static final int HORIZON_YEARS = 100;

    public CronSchedule {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(fields, "fields");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(policy, "policy");
    }

    @Override
    public Optional<Occurrence> next(Instant after) {
        ZoneRules rules = zone.getRules();
        return Optional.ofNullable(policy == DstPolicy.RUN_ONCE && fields.fixedHours()
                ? oncePerWallClockSlot(after, rules) : asTheClockPasses(after, rules));
    }

    @Override
    public Optional<String> whyNoRunAfter(Instant after) {
        if (next(after).isPresent()) {
            return Optional.empty();
        }
        ZonedDateTime end = after.atZone(ZoneOffset.UTC).plusYears(HORIZON_YEARS);
        String within = "no run within the search horizon of " + HORIZON_YEARS + " years after " + after + " (until " + end.toInstant() + ")";
        BitSet years = fields.years();
        if (years == null) {
            return Optional.of(within);
        }
        int year = after.atZone(zone).getYear();
        int nextYear = years.nextSetBit(Math.max(0, year + 1 - CronFields.FIRST_YEAR));
        if (nextYear < 0) {
            return Optional.of("no run after " + after + ": the last year the year field allows is " + (CronFields.FIRST_YEAR + years.length() - 1));
        }
        return Optional.of(within + ": the year field's next year is " + (CronFields.FIRST_YEAR + nextYear));
    }

    private Occurrence asTheClockPasses(Instant after, ZoneRules rules) {
        Instant candidate = after.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        Instant horizon = candidate.atZone(ZoneOffset.UTC).plusYears(HORIZON_YEARS).toInstant();
        while (candidate.isBefore(horizon)) {
            ZoneOffset offset = rules.getOffset(candidate);
            ZoneOffsetTransition change = rules.nextTransition(candidate);
            Instant end = change == null || change.getInstant().isAfter(horizon) ? horizon : change.getInstant();
            LocalDateTime from = LocalDateTime.ofEpochSecond(candidate.getEpochSecond() - 1, 0, offset);
            LocalDateTime until = LocalDateTime.ofEpochSecond(end.getEpochSecond(), 0, offset);
            LocalDateTime wall = fields.next(from, until);
            if (wall != null) {
                Instant t = wall.toInstant(offset);
                ZoneOffsetTransition previous = rules.previousTransition(t.plusSeconds(1));
                boolean secondPass = previous != null && previous.isOverlap() && wall.isBefore(previous.getDateTimeBefore());
                return new Occurrence(t, wall, secondPass ? ClockChange.REPEATED_HOUR : ClockChange.NONE);
            }
            candidate = end;
        }
        return null;
    }

    private Occurrence oncePerWallClockSlot(Instant after, ZoneRules rules) {
        ZoneOffset offset = rules.getOffset(after);
        LocalDateTime wall = LocalDateTime.ofInstant(after, offset);
        ZoneOffsetTransition here = rules.getTransition(wall);
        if (here != null && here.isOverlap() && offset.equals(here.getOffsetAfter())) {
            // In the second pass of a repeat every wall-clock time of the repeat has had its run in the first pass.
            LocalDateTime endOfRepeat = here.getDateTimeBefore().minusSeconds(1);
            wall = wall.isAfter(endOfRepeat) ? wall : endOfRepeat;
        }
        LocalDateTime limit = wall.plusYears(HORIZON_YEARS);
        while ((wall = fields.next(wall, limit)) != null) {
            ZoneOffsetTransition change = rules.getTransition(wall);
            Occurrence o;
            if (change == null) {
                o = new Occurrence(wall.toInstant(rules.getOffset(wall)), wall, ClockChange.NONE);
            } else if (change.isGap()) {
                o = new Occurrence(change.getInstant(), wall, ClockChange.MOVED_PAST_GAP);
            } else {
                o = new Occurrence(wall.toInstant(change.getOffsetBefore()), wall, ClockChange.NONE);
            }
            if (o.time().isAfter(after)) {
                return o;
            }
        }
        return null;
    }
}
