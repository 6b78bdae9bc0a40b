package io.leasecron.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributes;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatus;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.job.JobId;
import io.leasecron.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The decisions and messages of Kubernetes mode, with the API server's two reviews scripted. */
class KubernetesAccessTest {
    static final ApiRequest.Mutation TRIGGER = new ApiRequest.Mutation(new JobId("billing", "nightly"), ApiRequest.Verb.trigger);
    static final ApiRequest.Mutation PAUSE_IN_TEAM_A = new ApiRequest.Mutation(new JobId("team-a", "billing", "nightly"),
            ApiRequest.Verb.pause);

    final FakeClock clock = FakeClock.at("2026-12-01T00:00:00Z");

    /** Tokens: "jane" is user jane, "svc" is user system:serviceaccount:ci:deployer; jane may trigger only. */
    static final class Scripted implements KubernetesAccess.Reviews {
        final List<String> asked = new ArrayList<>();
        RuntimeException tokenFailure;
        RuntimeException accessFailure;
        final Set<String> allowed = new java.util.HashSet<>(Set.of("jane trigger jobs/billing/nightly"));

        @Override
        public TokenReviewStatus review(String token) {
            asked.add("TokenReview");
            if (tokenFailure != null) {
                throw tokenFailure;
            }
            return switch (token) {
                case "jane" -> new TokenReviewStatusBuilder().withAuthenticated(true).withNewUser().withUsername("jane")
                        .withUid("u-1").withGroups("devs", "system:authenticated").withExtra(Map.of("scopes", List.of("a")))
                        .endUser().build();
                case "svc" -> new TokenReviewStatusBuilder().withAuthenticated(true).withNewUser()
                        .withUsername("system:serviceaccount:ci:deployer").endUser().build();
                default -> new TokenReviewStatusBuilder().withAuthenticated(false)
                        .withError("[invalid bearer token, square/go-jose: compact JWS format must have three parts]").build();
            };
        }

        @Override
        public SubjectAccessReviewStatus access(UserInfo user, ResourceAttributes r) {
            String q = user.getUsername() + " " + r.getVerb() + " " + r.getNamespace() + "/" + r.getResource() + "/" + r.getName()
                    + " " + r.getGroup() + " " + user.getGroups() + " " + user.getUid() + " " + user.getExtra();
            asked.add("SubjectAccessReview " + q);
            if (accessFailure != null) {
                throw accessFailure;
            }
            return new SubjectAccessReviewStatusBuilder()
                    .withAllowed(allowed.contains(user.getUsername() + " " + r.getVerb() + " " + r.getNamespace() + "/" + r.getName()))
                    .build();
        }
    }

    final Scripted reviews = new Scripted();
    final KubernetesAccess access = new KubernetesAccess(reviews, "jobs", clock, Duration.ofSeconds(10));

    @Test
    void an_allowed_user_is_let_through_by_name_after_asking_rbac_with_all_its_attributes_in_the_job_namespace() {
        assertEquals(new Verdict.Allowed("jane"), access.check("jane", TRIGGER));
        assertEquals(List.of("TokenReview", "SubjectAccessReview jane trigger jobs/jobs/billing/nightly leasecron.io"
                + " [devs, system:authenticated] u-1 {scopes=[a]}"), reviews.asked);
    }

    @Test
    void a_denied_user_gets_403_naming_the_grant_as_a_person_writes_it() {
        assertEquals(new Verdict.Refused(403, "jane", "user \"jane\" may not pause leasecron.io/jobs \"billing/nightly\" in namespace"
                + " \"team-a\": grant verb \"pause\" on resource \"jobs\" of API group \"leasecron.io\" (docs/rbac.md)"),
                access.check("jane", PAUSE_IN_TEAM_A));
        assertEquals(new Verdict.Refused(403, "system:serviceaccount:ci:deployer", "user \"system:serviceaccount:ci:deployer\" may"
                + " not trigger leasecron.io/jobs \"billing/nightly\" in namespace \"jobs\": grant verb \"trigger\" on resource"
                + " \"jobs\" of API group \"leasecron.io\" (docs/rbac.md)"), access.check("svc", TRIGGER));
    }

    @Test
    void a_token_the_api_server_rejects_or_no_token_is_401() {
        assertEquals(new Verdict.Refused(401, null, "the Kubernetes API server did not accept the bearer token ([invalid bearer"
                + " token, square/go-jose: compact JWS format must have three parts]); send a valid token, e.g. from kubectl create"
                + " token <service-account>"), access.check("garbage", TRIGGER));
        assertEquals(new Verdict.Refused(401, null, "send a Kubernetes bearer token as Authorization: Bearer <token> (for a"
                + " ServiceAccount: kubectl create token <name>); RBAC then decides whether its user may trigger the job"
                + " (docs/rbac.md)"), access.check(null, TRIGGER));
        assertEquals(new Verdict.Refused(401, null, "send a Kubernetes bearer token as Authorization: Bearer <token> (for a"
                + " ServiceAccount: kubectl create token <name>); reads need an authenticated caller here"
                + " (LEASECRON_API_READS=authenticated)"), access.check(null, null));
        assertEquals(List.of("TokenReview"), reviews.asked);
    }

    @Test
    void a_read_needs_the_token_review_only() {
        assertEquals(new Verdict.Allowed("system:serviceaccount:ci:deployer"), access.check("svc", null));
        assertEquals(List.of("TokenReview"), reviews.asked);
    }

    @Test
    void an_api_server_that_cannot_be_asked_is_503_never_a_pass_and_not_remembered() {
        reviews.tokenFailure = new KubernetesClientException("Failure executing: POST at: https://10.0.0.1/apis/authentication.k8s.io/v1/tokenreviews."
                + " Message: Forbidden.", 403, new StatusBuilder().withCode(403).build());
        assertEquals(new Verdict.Refused(503, null, "cannot check the caller: this service may not create"
                + " tokenreviews.authentication.k8s.io; bind its ServiceAccount to the ClusterRole system:auth-delegator (Helm value"
                + " api.authDelegator, docs/rbac.md)"), access.check("jane", TRIGGER));
        reviews.tokenFailure = new KubernetesClientException("timeout");
        assertEquals(new Verdict.Refused(503, null, "cannot check the caller: the TokenReview to the Kubernetes API server failed"
                + " (timeout); nothing was changed, try again"), access.check("jane", TRIGGER));

        reviews.tokenFailure = null;
        reviews.accessFailure = new KubernetesClientException("Forbidden", 403, new StatusBuilder().withCode(403).build());
        assertEquals(new Verdict.Refused(503, null, "cannot check the caller: this service may not create"
                + " subjectaccessreviews.authorization.k8s.io; bind its ServiceAccount to the ClusterRole system:auth-delegator"
                + " (Helm value api.authDelegator, docs/rbac.md)"), access.check("jane", TRIGGER));
        reviews.accessFailure = new IllegalStateException("connection reset");
        assertEquals(new Verdict.Refused(503, null, "cannot check the caller: the SubjectAccessReview to the Kubernetes API server"
                + " failed (connection reset); nothing was changed, try again"), access.check("jane", TRIGGER));

        reviews.accessFailure = null;
        reviews.asked.clear();
        assertEquals(new Verdict.Allowed("jane"), access.check("jane", TRIGGER));
        assertEquals(1, reviews.asked.size(), "the identity was remembered, no failed decision was: " + reviews.asked);
    }

    @Test
    void answers_are_reused_for_ten_seconds_per_token_and_question_then_asked_again() {
        access.check("jane", TRIGGER);
        access.check("jane", TRIGGER);
        access.check("jane", PAUSE_IN_TEAM_A);
        access.check("garbage", TRIGGER);
        access.check("garbage", TRIGGER);
        assertEquals(4, reviews.asked.size(), reviews.asked.toString()); // jane's TokenReview, two SARs, garbage's TokenReview

        // A binding removed: the allowed answer stands until it expires, then the new one counts.
        reviews.allowed.clear();
        clock.advance(Duration.ofMillis(9_999));
        assertEquals(new Verdict.Allowed("jane"), access.check("jane", TRIGGER));
        assertEquals(4, reviews.asked.size());
        clock.advance(Duration.ofMillis(1));
        assertEquals(403, ((Verdict.Refused) access.check("jane", TRIGGER)).status());
        assertEquals(List.of("TokenReview", "SubjectAccessReview"), reviews.asked.subList(4, 6).stream()
                .map(s -> s.split(" ")[0]).toList());
    }

    @Test
    void the_audit_line_and_messages_never_hold_the_token() {
        String token = "eyJhbGciOiJSUzI1NiJ9.secret-part.sig";
        Verdict v = access.check(token, TRIGGER);
        assertEquals(false, v.toString().contains("secret-part"));
        assertEquals(false, reviews.asked.toString().contains("secret-part"));
    }
}
