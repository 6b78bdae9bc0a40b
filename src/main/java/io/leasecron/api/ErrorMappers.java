package io.leasecron.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure of the API into JSON with a message; never a stack trace or an HTML page. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        return ApiError.response(Response.Status.BAD_REQUEST, "request body is not valid JSON: "
                + (nl > 0 ? msg.substring(0, nl) : msg));
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c instanceof JsonProcessingException json) {
                return malformedJson(json);
            }
        }
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        if (status == null) {
            status = Response.Status.BAD_REQUEST;
        }
        String msg = switch (status) {
            case NOT_FOUND -> "no such resource; the API lives under /api/v1 (jobs, jobs/{configmap}/{key}, runs, leader, preview; GET /q/openapi describes it)";
            case METHOD_NOT_ALLOWED -> "method not allowed on this resource";
            case UNSUPPORTED_MEDIA_TYPE -> "send the request body as application/json";
            case NOT_ACCEPTABLE -> "this API answers application/json only";
            default -> e.getMessage();
        };
        return ApiError.response(status, msg);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected API failure", e);
        return ApiError.response(Response.Status.INTERNAL_SERVER_ERROR, "internal error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "; see the replica's log");
    }
}
