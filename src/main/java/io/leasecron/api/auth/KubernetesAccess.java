package io.leasecron.api.auth;

import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.engine.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Kubernetes mode: the API server decides. The bearer token is checked with a TokenReview (who is this?), and a
 * mutation with a SubjectAccessReview for that user, its groups, uid and extra attributes on the virtual resource
 * {@code jobs} of API group {@value #GROUP}, verb {@code trigger}, {@code pause}, {@code resume} or {@code create}, named
 * {@code <configmap>/<key>}, in the job's namespace; so cluster RBAC (or any authorizer of the cluster) decides.
 *
 * <p>Both answers are cached for the configured time-to-live ({@link AuthCache}: token digests, never tokens). An
 * API server that cannot be asked (unreachable, timing out, or refusing the service's own review) gives 503, never a
 * pass, and is not cached. Reads with {@code LEASECRON_API_READS=authenticated} need the TokenReview only.
 */
final class KubernetesAccess implements Access {
    static final String GROUP = "leasecron.io";
    static final String RESOURCE = "jobs";
    /** Distinct tokens, and (token, verb, job) questions, remembered at most. */
    static final int CAPACITY = 1024;

    /** The two questions asked of the API server: the I/O seam, faked in unit tests. */
    interface Reviews {
        TokenReviewStatus review(String token);

        SubjectAccessReviewStatus access(UserInfo user, ResourceAttributes resource);

        /** The two reviews with the service's own client (its timeout, its User-Agent, its request metrics). */
        static Reviews of(KubernetesClient client) {
            return new Reviews() {
                @Override
                public TokenReviewStatus review(String token) {
                    return client.authentication().v1().tokenReviews().create(new TokenReviewBuilder().withNewSpec()
                            .withToken(token).endSpec().build()).getStatus();
                }

                @Override
                public SubjectAccessReviewStatus access(UserInfo user, ResourceAttributes resource) {
                    return client.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder()
                            .withNewSpec().withUser(user.getUsername()).withUid(user.getUid()).withGroups(user.getGroups())
                            .withExtra(user.getExtra()).withResourceAttributes(resource).endSpec().build()).getStatus();
                }
            };
        }
    }

    /** A TokenReview's outcome: the user, or why the token was not accepted. */
    private record Identity(UserInfo user, String error) {
    }

    private record Decision(boolean allowed, String reason) {
    }

    private final Reviews reviews;
    private final String ownNamespace;
    private final AuthCache<Identity> identities;
    private final AuthCache<Decision> decisions;

    KubernetesAccess(Reviews reviews, String ownNamespace, Clock clock, Duration ttl) {
        this.reviews = reviews;
        this.ownNamespace = ownNamespace;
        this.identities = new AuthCache<>(clock, ttl, CAPACITY);
        this.decisions = new AuthCache<>(clock, ttl, CAPACITY);
    }

    @Override
    public Verdict check(String token, ApiRequest.Mutation mutation) {
        if (token == null) {
            return new Verdict.Refused(401, null, "send a Kubernetes bearer token as Authorization: Bearer <token> (for a"
                    + " ServiceAccount: kubectl create token <name>); " + (mutation == null
                            ? "reads need an authenticated caller here (LEASECRON_API_READS=authenticated)"
                            : "RBAC then decides whether its user may " + mutation.verb() + " the job (docs/rbac.md)"));
        }
        String digest = AuthCache.digest(token);
        Identity identity = identities.get(digest).orElse(null);
        if (identity == null) {
            TokenReviewStatus status;
            try {
                status = reviews.review(token);
            } catch (RuntimeException e) {
                return unavailable("tokenreviews.authentication.k8s.io", "TokenReview", e);
            }
            if (status != null && Boolean.TRUE.equals(status.getAuthenticated()) && status.getUser() != null
                    && status.getUser().getUsername() != null) {
                identity = new Identity(status.getUser(), null);
            } else {
                identity = new Identity(null, status == null ? null : status.getError());
            }
            identities.put(digest, identity);
        }
        if (identity.user() == null) {
            return new Verdict.Refused(401, null, "the Kubernetes API server did not accept the bearer token"
                    + (identity.error() == null || identity.error().isBlank() ? "" : " (" + identity.error() + ")")
                    + "; send a valid token, e.g. from kubectl create token <service-account>");
        }
        String user = identity.user().getUsername();
        if (mutation == null) {
            return new Verdict.Allowed(user);
        }
        String namespace = mutation.namespace(ownNamespace);
        String key = digest + " " + mutation.verb() + " " + namespace + " " + mutation.name();
        Decision decision = decisions.get(key).orElse(null);
        if (decision == null) {
            ResourceAttributes resource = new ResourceAttributesBuilder().withGroup(GROUP).withResource(RESOURCE)
                    .withVerb(mutation.verb().name()).withNamespace(namespace).withName(mutation.name()).build();
            SubjectAccessReviewStatus status;
            try {
                status = reviews.access(identity.user(), resource);
            } catch (RuntimeException e) {
                return unavailable("subjectaccessreviews.authorization.k8s.io", "SubjectAccessReview", e);
            }
            decision = new Decision(status != null && Boolean.TRUE.equals(status.getAllowed()),
                    status == null ? null : Optional.ofNullable(status.getReason()).orElse(status.getEvaluationError()));
            decisions.put(key, decision);
        }
        if (!decision.allowed()) {
            return new Verdict.Refused(403, user, denied(user, mutation.verb(), mutation.name(), namespace)
                    + (decision.reason() == null || decision.reason().isBlank() ? "" : " (" + decision.reason() + ")"));
        }
        return new Verdict.Allowed(user);
    }

    /** The 403 message: what was refused, and the rule that would allow it, as a person writes it in a Role. */
    static String denied(String user, ApiRequest.Verb verb, String name, String namespace) {
        return "user \"" + user + "\" may not " + verb + " " + GROUP + "/" + RESOURCE + " \"" + name + "\" in namespace \""
                + namespace + "\": grant verb \"" + verb + "\" on resource \"" + RESOURCE + "\" of API group \"" + GROUP
                + "\" (docs/rbac.md)";
    }

    /** 503: nothing could be decided; the reason names the fix when it is the service's own missing right. */
    private static Verdict unavailable(String resource, String review, RuntimeException e) {
        if (e instanceof KubernetesClientException k && k.getCode() == 403) {
            return new Verdict.Refused(503, null, "cannot check the caller: this service may not create " + resource
                    + "; bind its ServiceAccount to the ClusterRole system:auth-delegator (Helm value api.authDelegator,"
                    + " docs/rbac.md)");
        }
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new Verdict.Refused(503, null, "cannot check the caller: the " + review + " to the Kubernetes API server failed ("
                + cause + "); nothing was changed, try again");
    }
}
