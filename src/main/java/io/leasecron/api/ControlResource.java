package io.leasecron.api;

import io.leasecron.control.ControlStoreException;
import io.leasecron.control.ManualRuns;
import io.leasecron.control.Pause;
import io.leasecron.control.Pauses;
import io.leasecron.control.RunRecord;
import io.leasecron.execution.Fire;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.ext.web.RoutingContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The API's mutations: run a job now ({@code :trigger}) or at a time ({@code /runs}), pause and resume it. Any replica
 * answers; the change is stored in the cluster before the answer, so it reads back on any replica and outlives every
 * one of them; the leader carries it out. Who may call these is decided before a request gets here (the caller's name
 * is under {@link #CALLER} in the request's context).
 */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "400", description = "bad input (a path that names no job id, a runAt that is not RFC 3339)",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "401", description = "no bearer token, or one the API server (local mode: LEASECRON_API_TOKEN) does"
        + " not accept", content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "403", description = "the caller may not do this; the message names the verb to grant on"
        + " leasecron.io/jobs", content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "404", description = "no such job, or no such action",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "409", description = "the job's spec is invalid, or it is already paused (not paused)",
        content = @Content(schema = @Schema(implementation = ApiError.class)))
@APIResponse(responseCode = "503", description = "the cluster could not be asked or could not store the change; nothing was"
        + " changed", content = @Content(schema = @Schema(implementation = ApiError.class)))
public class ControlResource {
    /** Where the request filter leaves the authenticated caller's name. */
    public static final String CALLER = io.leasecron.api.auth.ApiAuthFilter.CALLER;

    private final JobCatalogue catalogue;
    private final ManualRuns runs;
    private final Pauses pauses;

    public ControlResource(JobCatalogue catalogue, ManualRuns runs, Pauses pauses) {
        this.catalogue = catalogue;
        this.runs = runs;
        this.pauses = pauses;
    }

    /** A manual run as the API shows it. {@code idempotencyKey}: what its fires carry, once it has a slot. */
    @RegisterForReflection
    public record RunView(String name, String job, String state, String runAt, String requestedBy, String requestedAt, String slot,
            Long term, String idempotencyKey, String startedAt, String replica, String outcome, String detail, String finishedAt) {

        static RunView of(RunRecord r) {
            return new RunView(r.name(), r.job().toString(), r.state(), s(r.runAt()), r.requestedBy(), s(r.requestedAt()), s(r.slot()),
                    r.slot() == null ? null : r.term(), r.slot() == null ? null : Fire.idempotencyKey(r.job().toString(), r.slot()),
                    s(r.startedAt()), r.replica(), r.outcome(), r.detail(), s(r.finishedAt()));
        }
    }

    /** A job's pause state. */
    @RegisterForReflection
    public record PauseView(String job, boolean paused, String pausedBy, String pausedSince) {

        static PauseView of(JobId job, Optional<Pause> p) {
            return new PauseView(job.toString(), p.isPresent(), p.map(Pause::by).orElse(null), p.map(x -> s(x.since())).orElse(null));
        }
    }

    /** Body of {@code POST .../runs}: when to run (RFC 3339); now if absent. */
    @RegisterForReflection
    public record RunRequest(String runAt) {
    }

    @RegisterForReflection
    public record RunList(List<RunView> runs) {
    }

    // ---------------------------------------------------------------- trigger, pause, resume

    /**
     * {@code POST /api/v1/jobs/<configmap>/<key>:trigger} (or {@code :pause}, {@code :resume}). One template for the
     * three verbs: the verb is the part of the last segment after its last colon (job keys have none).
     */
    @POST
    @Path("{source}/{name}")
    @Operation(summary = "Trigger, pause or resume a job: POST .../{configmap}/{key}:trigger, :pause or :resume")
    @APIResponse(responseCode = "202", description = ":trigger: the run, stored; the leader runs it once",
            content = @Content(schema = @Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "200", description = ":pause, :resume: the job's pause state",
            content = @Content(schema = @Schema(implementation = PauseView.class)))
    public Response act(@PathParam("source") String source, @PathParam("name") String action, @Context RoutingContext rc) {
        return perform("", source, action, rc);
    }

    /** The same, for namespaced ids ({@code LEASECRON_NAMESPACES} set). */
    @POST
    @Path("{namespace}/{source}/{name}")
    @Operation(summary = "Trigger, pause or resume a job of a namespace (LEASECRON_NAMESPACES set)")
    @APIResponse(responseCode = "202", description = ":trigger: the run, stored; the leader runs it once",
            content = @Content(schema = @Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "200", description = ":pause, :resume: the job's pause state",
            content = @Content(schema = @Schema(implementation = PauseView.class)))
    public Response act(@PathParam("namespace") String namespace, @PathParam("source") String source,
            @PathParam("name") String action, @Context RoutingContext rc) {
        return perform(namespace, source, action, rc);
    }

    private Response perform(String namespace, String source, String action, RoutingContext rc) {
        int colon = action.lastIndexOf(':');
        String name = colon < 0 ? action : action.substring(0, colon);
        String verb = colon < 0 ? "" : action.substring(colon + 1);
        return switch (verb) {
            case "trigger" -> run(namespace, source, name, null, rc);
            case "pause" -> paused(namespace, source, name, rc);
            case "resume" -> resumed(namespace, source, name);
            default -> ApiError.response(Response.Status.NOT_FOUND, "no such action \"" + verb + "\" on job "
                    + JobId.sourceKey(namespace, source) + "/" + name + "; POST .../jobs/<id>:trigger, :pause or :resume, or"
                    + " POST .../jobs/<id>/runs");
        };
    }

    @POST
    @Path("{source}/{name}/runs")
    @Operation(summary = "Run a job once at runAt (now if absent)")
    @APIResponse(responseCode = "202", description = "the run, stored; the leader runs it once at its time",
            content = @Content(schema = @Schema(implementation = RunView.class)))
    public Response createRun(@PathParam("source") String source, @PathParam("name") String name, RunRequest body,
            @Context RoutingContext rc) {
        return run("", source, name, body, rc);
    }

    @POST
    @Path("{namespace}/{source}/{name}/runs")
    @Operation(summary = "Run a job of a namespace once at runAt (LEASECRON_NAMESPACES set)")
    @APIResponse(responseCode = "202", description = "the run, stored; the leader runs it once at its time",
            content = @Content(schema = @Schema(implementation = RunView.class)))
    public Response createRun(@PathParam("namespace") String namespace, @PathParam("source") String source,
            @PathParam("name") String name, RunRequest body, @Context RoutingContext rc) {
        return run(namespace, source, name, body, rc);
    }

    private Response run(String namespace, String source, String name, RunRequest body, RoutingContext rc) {
        Optional<Instant> at;
        try {
            at = body == null || body.runAt() == null ? Optional.empty() : Optional.of(OffsetDateTime.parse(body.runAt()).toInstant());
        } catch (DateTimeParseException e) {
            return ApiError.response(Response.Status.BAD_REQUEST, "runAt \"" + body.runAt() + "\" is not an RFC 3339 time; write e.g."
                    + " 2026-12-24T18:00:00Z or 2026-12-24T19:00:00+01:00");
        }
        return withJob(namespace, source, name, id -> stored(() -> {
            RunRecord r = runs.request(id, at, caller(rc));
            return Response.status(Response.Status.ACCEPTED).location(URI.create("/api/v1/runs/" + r.name())).entity(RunView.of(r)).build();
        }));
    }

    private Response paused(String namespace, String source, String name, RoutingContext rc) {
        return withJob(namespace, source, name, id -> stored(() -> {
            Optional<Pause> p = pauses.pause(id, caller(rc));
            if (p.isEmpty()) {
                Optional<Pause> existing = pauses.read(id);
                return ApiError.response(Response.Status.CONFLICT, "job " + id + " is already paused" + existing.map(x -> " (by " + x.by()
                        + " since " + x.since() + ")").orElse("") + "; POST its :resume to resume it");
            }
            return Response.ok(PauseView.of(id, p)).build();
        }));
    }

    private Response resumed(String namespace, String source, String name) {
        return withJob(namespace, source, name, id -> stored(() -> {
            if (!pauses.resume(id)) {
                return ApiError.response(Response.Status.CONFLICT, "job " + id + " is not paused"
                        + (catalogue.entry(id).flatMap(JobCatalogue.Entry::active).map(s -> s.suspend()).orElse(false)
                                ? "; it is suspended by its spec (suspend: true): edit its ConfigMap to resume it" : ""));
            }
            return Response.ok(PauseView.of(id, Optional.empty())).build();
        }));
    }

    // ---------------------------------------------------------------- shared

    /** The job the path names, if it exists and has a valid spec; else 404 or 409. */
    private Response withJob(String namespace, String source, String name, Function<JobId, Response> action) {
        JobId id = JobsResource.id(namespace, source, name);
        Optional<JobCatalogue.Entry> entry = id == null ? Optional.empty() : catalogue.entry(id);
        if (entry.isEmpty()) {
            return JobsResource.notFound(namespace, source, name);
        }
        if (entry.get().active().isEmpty()) {
            return ApiError.response(Response.Status.CONFLICT, "job " + id + " has no valid spec to run: "
                    + entry.get().error().orElse("invalid") + "; fix its ConfigMap first");
        }
        return action.apply(id);
    }

    /** The answer of a call to the store, or 503 naming what failed. */
    private static Response stored(java.util.function.Supplier<Response> call) {
        try {
            return call.get();
        } catch (ControlStoreException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, e.getMessage() + "; nothing was changed, try again");
        }
    }

    private static String caller(RoutingContext rc) {
        Object c = rc == null ? null : rc.get(CALLER);
        return c == null ? "anonymous" : c.toString();
    }

    private static String s(Instant t) {
        return t == null ? null : t.toString();
    }
}
