package io.leasecron.api;

import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.observe.RunHistory;
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

/** Read-only view of the job catalogue and the engine. Reads go through the engine, never around it. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    static final int MAX_NEXT_RUNS = 100;

    private final JobCatalogue catalogue;
    private final Engine engine;
    private final RunHistory history;
    private final Clock clock;

    public JobsResource(JobCatalogue catalogue, Engine engine, RunHistory history, Clock clock) {
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
        return new JobList(catalogue.read(entries -> entries.stream().map(e -> JobViews.summary(e, engine, history)).toList()),
                catalogue.sourceProblems());
    }

    @GET
    @Path("{source}/{name}")
    public Response get(@PathParam("source") String source, @PathParam("name") String name,
            @QueryParam("count") @DefaultValue("5") int count) {
        if (count < 1 || count > MAX_NEXT_RUNS) {
            return ApiError.response(Response.Status.BAD_REQUEST, "count " + count + " is out of range; use 1 to " + MAX_NEXT_RUNS);
        }
        return find(source, name, e -> JobViews.detail(e, engine, history, count, clock.now())).map(d -> Response.ok(d).build())
                .orElseGet(() -> notFound(source, name));
    }

    @GET
    @Path("{source}/{name}/runs")
    public Response runs(@PathParam("source") String source, @PathParam("name") String name) {
        return find(source, name, e -> JobViews.detail(e, engine, history, 1, clock.now()).recentRuns()).map(r -> Response.ok(r).build())
                .orElseGet(() -> notFound(source, name));
    }

    private <T> java.util.Optional<T> find(String source, String name, java.util.function.Function<JobCatalogue.Entry, T> view) {
        try {
            return catalogue.readEntry(new JobId(source, name), view);
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private static Response notFound(String source, String name) {
        return ApiError.response(Response.Status.NOT_FOUND, "no job " + source + "/" + name
                + "; job ids are <configmap>/<key>, GET /api/v1/jobs lists them");
    }
}
