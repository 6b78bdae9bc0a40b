package io.leasecron.api.auth;

import io.leasecron.LeasecronConfig;
import io.leasecron.Lifecycle;
import io.leasecron.api.ApiError;
import io.leasecron.engine.Clock;
import io.leasecron.job.WatchedNamespaces;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Who may call the REST API, decided before Quarkus matches a request to a resource (docs/rbac.md, "Who may call the
 * API").
 *
 * <p>Every request under {@code /api/v1} is classified by {@link ApiRequest}: a read passes (or, with
 * {@code LEASECRON_API_READS=authenticated}, needs a caller); a mutation of a job needs a caller allowed to make it; any
 * other non-read request is refused (fail closed). Kubernetes mode asks the API server ({@link KubernetesAccess}: a
 * TokenReview, then a SubjectAccessReview on {@code leasecron.io/jobs}); local mode compares the token with
 * {@code LEASECRON_API_TOKEN} ({@link StaticTokenAccess}). Refusals are JSON {@link ApiError}s: 401 with
 * {@code WWW-Authenticate: Bearer}, 403 naming the missing grant, 503 when the API server could not be asked (never a
 * pass on an error), 400/404/405 for what is no known request.
 *
 * <p><b>Contract with the resource methods.</b> When a request is let through with a caller, the caller's name is in
 * the Vert.x {@link RoutingContext} under {@value #CALLER} (a {@code String}): the Kubernetes username (e.g.
 * {@code system:serviceaccount:ci:deployer}) or, in local mode, {@value StaticTokenAccess#CALLER}. A mutation reaches
 * its resource method only with it set; a read has it only when reads are authenticated. Read it with
 * {@code routingContext.get(ApiAuthFilter.CALLER)} (inject {@code RoutingContext} into the resource method or class).
 *
 * <p>Every mutation is written once to the audit log ({@link AuditLog}, category {@value AuditLog#CATEGORY}) with the
 * final status, by the response filter, or, when no response filter runs (a response written outside JAX-RS), when the
 * response headers are sent.
 */
@Startup
public class ApiAuthFilter {
    /** The {@link RoutingContext} key of the caller's name ({@code String}), for the resource methods. */
    public static final String CALLER = "leasecron.caller";
    static final String AUDIT = "leasecron.audit";
    private static final Logger LOG = Logger.getLogger(ApiAuthFilter.class);

    private final Access access;
    private final boolean blocking;
    private final boolean readsAuthenticated;
    private final boolean namespacedIds;
    private final String ownNamespace;

    public ApiAuthFilter(Lifecycle lifecycle, LeasecronConfig config, Clock clock) {
        LeasecronConfig.ApiConfig api = config.api();
        this.readsAuthenticated = api.reads() == LeasecronConfig.Reads.authenticated;
        var client = lifecycle.client();
        if (client.isPresent()) {
            WatchedNamespaces namespaces = lifecycle.namespaces().orElseThrow();
            this.ownNamespace = namespaces.own();
            this.namespacedIds = namespaces.qualified();
            this.access = new KubernetesAccess(KubernetesAccess.Reviews.of(client.get()), ownNamespace, clock, api.authCacheTtl());
            this.blocking = true;
            if (api.token().isPresent()) {
                LOG.warn("LEASECRON_API_TOKEN applies in local mode only and is ignored: in Kubernetes mode callers send their"
                        + " own Kubernetes tokens and RBAC decides (docs/rbac.md)");
            }
        } else {
            if (readsAuthenticated && api.token().filter(t -> !t.isEmpty()).isEmpty()) {
                throw new IllegalStateException("LEASECRON_API_READS=authenticated needs LEASECRON_API_TOKEN in local mode: set"
                        + " the token callers must send, or LEASECRON_API_READS=open");
            }
            this.ownNamespace = "";
            this.namespacedIds = false;
            this.access = new StaticTokenAccess(api.token());
            this.blocking = false;
        }
        if (api.authCacheTtl().isNegative()) {
            throw new IllegalStateException("LEASECRON_API_AUTH_CACHE_TTL must not be negative, got " + api.authCacheTtl());
        }
    }

    @ServerRequestFilter(preMatching = true)
    public Uni<Response> authenticate(ContainerRequestContext request, RoutingContext routing) {
        // The path resource matching uses (no other pre-matching filter rewrites it).
        String path = routing.normalizedPath();
        ApiRequest kind = ApiRequest.classify(request.getMethod(), path, namespacedIds);
        String described = request.getMethod().toUpperCase(Locale.ROOT) + " " + path;
        if (kind instanceof ApiRequest.Outside || (kind instanceof ApiRequest.Read && !readsAuthenticated)) {
            return Uni.createFrom().nullItem();
        }
        if (kind instanceof ApiRequest.Unknown u) {
            track(request, routing, new AuditLog.Pending(described, "-", "-", "-"));
            return Uni.createFrom().item(error(u.status(), u.message()));
        }
        ApiRequest.Mutation mutation = kind instanceof ApiRequest.Mutation m ? m : null;
        if (mutation != null) {
            track(request, routing, new AuditLog.Pending(described, mutation.verb().name(), mutation.name(),
                    mutation.namespace(ownNamespace)));
        }
        String token;
        try {
            token = bearer(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(refused(new Verdict.Refused(401, null, e.getMessage()), request));
        }
        if (!blocking) {
            return Uni.createFrom().item(decide(access.check(token, mutation), request, routing));
        }
        // TokenReview and SubjectAccessReview are blocking calls: off the event loop.
        return Uni.createFrom().item(() -> access.check(token, mutation)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(v -> decide(v, request, routing));
    }

    /** Writes the mutation's audit line with the final status and the message of an {@link ApiError} body. */
    @ServerResponseFilter
    public void audit(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(AUDIT) instanceof AuditLog.Pending audit) {
            audit.write(response.getStatus(), response.getEntity() instanceof ApiError e ? e.message() : null);
        }
    }

    private static void track(ContainerRequestContext request, RoutingContext routing, AuditLog.Pending audit) {
        request.setProperty(AUDIT, audit);
        // A response no response filter sees (e.g. a failure outside JAX-RS) is still audited, with its status.
        routing.addHeadersEndHandler(v -> audit.write(routing.response().getStatusCode(), null));
    }

    private static Response decide(Verdict verdict, ContainerRequestContext request, RoutingContext routing) {
        if (verdict instanceof Verdict.Allowed a) {
            routing.put(CALLER, a.caller());
            if (request.getProperty(AUDIT) instanceof AuditLog.Pending audit) {
                audit.caller(a.caller());
            }
            return null;
        }
        return refused((Verdict.Refused) verdict, request);
    }

    private static Response refused(Verdict.Refused r, ContainerRequestContext request) {
        if (r.caller() != null && request.getProperty(AUDIT) instanceof AuditLog.Pending audit) {
            audit.caller(r.caller());
        }
        Response.ResponseBuilder b = Response.status(r.status()).type(MediaType.APPLICATION_JSON).entity(new ApiError(r.status(), r.message()));
        if (r.status() == 401) {
            b.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"leasecron\"");
        }
        return b.build();
    }

    private static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(status, message)).build();
    }

    /**
     * The token of {@code Authorization: Bearer <token>}; {@code null} without the header; throws with the rule for any
     * other form (another scheme, two headers, no token), never with the header's value in the message.
     */
    static String bearer(List<String> headers) {
        if (headers == null || headers.isEmpty()) {
            return null;
        }
        if (headers.size() > 1) {
            throw new IllegalArgumentException("send one Authorization header, as Authorization: Bearer <token>");
        }
        String h = headers.get(0).strip();
        int space = h.indexOf(' ');
        String scheme = space < 0 ? h : h.substring(0, space);
        if (!scheme.equalsIgnoreCase("Bearer")) {
            // Named only when it looks like a scheme: a header holding a bare token must not be echoed or logged.
            boolean named = space > 0 && scheme.length() <= 20 && scheme.chars().allMatch(Character::isLetter);
            throw new IllegalArgumentException("the Authorization header must be Bearer <token>" + (named ? ", not " + scheme : ""));
        }
        if (space < 0) {
            throw new IllegalArgumentException("the Authorization header has no token: send Authorization: Bearer <token>");
        }
        return h.substring(space + 1).strip();
    }
}
