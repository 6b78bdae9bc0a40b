package io.leasecron.api;

import io.leasecron.control.ControlStoreException;
import io.leasecron.control.ManualRuns;
import io.leasecron.control.RunRecord;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;

/** Manual runs by name: each as stored now, or every one this replica knows of. */
@Path("/api/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {
    private final ManualRuns runs;

    public RunsResource(ManualRuns runs) {
        this.runs = runs;
    }

    /** One run as stored now: a run answered by any replica reads back here. */
    @GET
    @Path("{run}")
    public Response get(@PathParam("run") String run) {
        try {
            return runs.read(run).map(r -> Response.ok(ControlResource.RunView.of(r)).build())
                    .orElseGet(() -> ApiError.response(Response.Status.NOT_FOUND, "no run " + run + "; GET /api/v1/runs lists the runs"
                            + " kept (a run is deleted LEASECRON_RUN_RETENTION after it ended)"));
        } catch (ControlStoreException e) {
            return ApiError.response(Response.Status.SERVICE_UNAVAILABLE, e.getMessage() + "; try again");
        }
    }

    /** The runs this replica knows of, newest request first; {@code job} keeps one job's. */
    @GET
    public ControlResource.RunList list(@QueryParam("job") String job) {
        return new ControlResource.RunList(runs.known().stream().filter(r -> job == null || r.job().toString().equals(job))
                .sorted(Comparator.comparing(RunRecord::requestedAt).reversed()).map(ControlResource.RunView::of).toList());
    }
}
