package io.leasecron.api;

import io.leasecron.engine.Clock;
import io.leasecron.job.JobSpecParser;
import io.leasecron.schedule.CronType;
import io.leasecron.schedule.DstPolicy;
import io.leasecron.schedule.InvalidScheduleException;
import io.leasecron.schedule.Occurrence;
import io.leasecron.schedule.Schedule;
import io.leasecron.schedule.ScheduleDescriber;
import io.leasecron.schedule.Schedules;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code POST /api/v1/preview}: the next runs of a schedule, computed exactly as the engine would, with runs a
 * clock change moved or repeated marked. Nothing is registered. A valid schedule with fewer runs than asked for
 * (none left, or the next beyond the search horizon) is still a 200, with {@code note} saying why.
 */
@Path("/api/v1/preview")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PreviewResource {
    static final int MAX_COUNT = 1000;

    private final Clock clock;

    public PreviewResource(Clock clock) {
        this.clock = clock;
    }

    @RegisterForReflection
    public record PreviewRequest(String schedule, String cronType, String timeZone, String dstPolicy, String from,
            Integer count) {
    }

    @RegisterForReflection
    public record PreviewResponse(String schedule, String scheduleDescription, String timeZone, String dstPolicy,
            String from, List<JobViews.NextRun> nextRuns, String note) {
    }

    @POST
    public Response preview(PreviewRequest request) {
        if (request == null || request.schedule() == null || request.schedule().isBlank()) {
            return bad("schedule is required, e.g. {\"schedule\": \"30 2 * * *\", \"timeZone\": \"America/New_York\"}");
        }
        try {
            ZoneId zone = request.timeZone() == null ? JobSpecParser.UTC : JobSpecParser.zone(request.timeZone());
            CronType type = request.cronType() == null ? CronType.UNIX
                    : JobSpecParser.choice("cronType", request.cronType(), JobSpecParser.CRON_TYPES);
            DstPolicy policy = request.dstPolicy() == null ? DstPolicy.RUN_ONCE
                    : JobSpecParser.choice("dstPolicy", request.dstPolicy(), JobSpecParser.DST_POLICIES);
            Instant from = request.from() == null ? clock.now() : instant(request.from());
            int count = request.count() == null ? 10 : request.count();
            if (count < 1 || count > MAX_COUNT) {
                return bad("count " + count + " is out of range; use 1 to " + MAX_COUNT);
            }
            Schedule schedule;
            try {
                schedule = Schedules.parse(request.schedule(), type, zone, policy, null);
            } catch (InvalidScheduleException e) {
                return bad("schedule \"" + request.schedule() + "\": " + e.getMessage());
            }
            List<Occurrence> next = schedule.next(from.minusMillis(1), count);
            String note = next.size() == count ? null
                    : schedule.whyNoRunAfter(next.isEmpty() ? from : next.get(next.size() - 1).time()).orElse(null);
            return Response.ok(new PreviewResponse(request.schedule(), ScheduleDescriber.describe(schedule, type), zone.getId(),
                    policy == DstPolicy.RUN_ONCE ? "RunOnce" : "CronJob", JobViews.time(from),
                    next.stream().map(JobViews::nextRun).toList(), note)).build();
        } catch (IllegalArgumentException e) {
            return bad(e.getMessage());
        }
    }

    private static Instant instant(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("from \"" + text + "\" is not an RFC 3339 time with an offset; write e.g. 2026-03-08T00:00:00Z");
        }
    }

    private static Response bad(String message) {
        return ApiError.response(Response.Status.BAD_REQUEST, message);
    }
}
