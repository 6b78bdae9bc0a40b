package io.leasecron.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Every error body: one message a person can act on. */
@RegisterForReflection
public record ApiError(int status, String message) {

    static Response response(Response.Status status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(status.getStatusCode(), message)).build();
    }
}
