package io.leasecron.api;

import io.leasecron.control.ControlStoreException;
import io.leasecron.control.Pause;
import io.leasecron.control.Pauses;
import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.observe.JobStatuses;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only view of the job catalogue and the engine. Reads go through the engine, never around it; jobs' pasts
 * through {@link JobStatuses}, which in Kubernetes mode gives the same answer on every replica.
 */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    static final int MAX_NEXT_RUNS = 100;

    private final JobCatalogue catalogue;
    private final Engine engine;
    private final JobStatuses history;
    private final Clock clock;

    private final Pauses pauses;

    public JobsResource(JobCatalogue catalogue, Engine engine, JobStatuses history, Clock clock, Pauses pauses) {
        this.pauses = pauses;
        this.catalogue = catalogue;
        this.engine = engine;
        this.history = history;
        this.clock = clock;
    }

    /** {@code sourceErrors}: ConfigMaps or files that could not be read at all, by name. */
    @RegisterForReflection
    public record JobList(List<JobViews.Summary> jobs, Map<String, String> sourceErrors) {
    }

    @GET
    public JobList list() {
        return new JobList(catalogue.read(entries -> entries.stream().map(e -> JobViews.summary(e, engine, history, pauses.apply(e.id()) != null)).toList()),
                catalogue.sourceProblems());
    }

    @GET
    @Path("{source}/{name}")
    public Response get(@PathParam("source") String source, @PathParam("name") String name,
            @QueryParam("count") @DefaultValue("5") int count) {
        return detail("", source, name, count);
    }

    /**
     * The recent runs of job {@code <configmap>/<key>}; with namespaced ids (where no such job exists) the detail of
     * job {@code <namespace>/<configmap>/runs}, which this path also spells. A replica has ids of one form only, so
     * the two never compete.
     */
    @GET
    @Path("{source}/{name}/runs")
    public Response runs(@PathParam("source") String source, @PathParam("name") String name,
            @QueryParam("count") @DefaultValue("5") int count) {
        if (find("", source, name, e -> e).isEmpty() && find(source, name, "runs", e -> e).isPresent()) {
            return detail(source, name, "runs", count);
        }
        return recentRuns("", source, name);
    }

    @GET
    @Path("{namespace}/{source}/{name}")
    public Response get(@PathParam("namespace") String namespace, @PathParam("source") String source,
            @PathParam("name") String name, @QueryParam("count") @DefaultValue("5") int count) {
        return detail(namespace, source, name, count);
    }

    @GET
    @Path("{namespace}/{source}/{name}/runs")
    public Response runs(@PathParam("namespace") String namespace, @PathParam("source") String source,
            @PathParam("name") String name) {
        return recentRuns(namespace, source, name);
    }

    private Response detail(String namespace, String source, String name, int count) {
        if (count < 1 || count > MAX_NEXT_RUNS) {
            return ApiError.response(Response.Status.BAD_REQUEST, "count " + count + " is out of range; use 1 to " + MAX_NEXT_RUNS);
        }
        JobId id = id(namespace, source, name);
        if (id == null || catalogue.entry(id).isEmpty()) {
            return notFound(namespace, source, name);
        }
        Optional<Pause> pause = pause(id);
        return find(namespace, source, name, e -> JobViews.detail(e, engine, history, count, clock.now(), pause))
                .map(d -> Response.ok(d).build()).orElseGet(() -> notFound(namespace, source, name));
    }

    /**
     * The job's pause as stored now, so that a pause answered on any replica reads back here at once; this replica's
     * copy if the store cannot be asked.
     */
    private Optional<Pause> pause(JobId id) {
        try {
            return pauses.read(id);
        } catch (ControlStoreException e) {
            return pauses.cached(id);
        }
    }

    private Response recentRuns(String namespace, String source, String name) {
        return find(namespace, source, name, e -> JobViews.detail(e, engine, history, 1, clock.now(), Optional.empty()).recentRuns())
                .map(r -> Response.ok(r).build()).orElseGet(() -> notFound(namespace, source, name));
    }

    /** The id the path names, or null when it cannot be one. */
    static JobId id(String namespace, String source, String name) {
        try {
            return new JobId(namespace, source, name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private <T> java.util.Optional<T> find(String namespace, String source, String name,
            java.util.function.Function<JobCatalogue.Entry, T> view) {
        JobId id = id(namespace, source, name);
        return id == null ? java.util.Optional.empty() : catalogue.readEntry(id, view);
    }

    /** The 404 of a path that names no job, saying what ids look like. */
    static Response notFound(String namespace, String source, String name) {
        return ApiError.response(Response.Status.NOT_FOUND, "no job " + JobId.sourceKey(namespace, source) + "/" + name
                + "; job ids are <configmap>/<key>, or <namespace>/<configmap>/<key> when LEASECRON_NAMESPACES is set;"
                + " GET /api/v1/jobs lists them");
    }
}
