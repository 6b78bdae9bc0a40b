package io.leasecron.api.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.LogCapture;
import io.leasecron.testing.Await;
import io.leasecron.testing.RealControlPlane;
import io.leasecron.testing.RealControlPlaneResource;
import io.leasecron.testing.RealControlPlaneResource.Cluster;
import io.leasecron.testing.RealControlPlaneResource.InjectCluster;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * Who may change jobs, decided by a real kube-apiserver's TokenReview and RBAC ({@link RealControlPlaneResource}: the
 * service runs with the chart's RBAC, its ClusterRoleBinding to system:auth-delegator included). ServiceAccount
 * tokens come from the TokenRequest API. The chart's ClusterRole, bound in the namespace, lets a caller through; a
 * caller without a binding gets 403 naming the grant; a token the server does not know gets 401; a Role with
 * {@code resourceNames: ["chart/fires"]} (a name with a '/') allows that job and no other.
 *
 * <p>"Let through" is asserted as: not 401, 403 or 503, and audited with the caller's name; the first trigger is
 * followed to its start by the replica (the one the test runs, leader of its namespace).
 */
@QuarkusTest
@TestProfile(RealControlPlaneResource.Profile.class)
@DisabledIfEnvironmentVariable(named = RealControlPlane.SKIP_ENV, matches = "1",
        disabledReason = RealControlPlane.SKIP_ENV + "=1: the tests against a real kube-apiserver are skipped (docs/testing.md)")
class ApiAuthRealApiTest {
    static final Set<Integer> REFUSED = Set.of(401, 403, 503);

    @InjectCluster
    Cluster cluster;

    final List<String> audit = new CopyOnWriteArrayList<>();
    LogCapture capture;

    @BeforeEach
    void listen() {
        capture = LogCapture.into(AuditLog.CATEGORY, audit);
    }

    @AfterEach
    void stop() {
        capture.close();
    }

    static Response post(String token, String path) {
        var spec = given().urlEncodingEnabled(false);
        if (token != null) {
            spec = spec.header("Authorization", "Bearer " + token);
        }
        return spec.post(path);
    }

    @Test
    void rbac_on_leasecron_io_jobs_decides_who_may_change_a_job_down_to_a_single_job_by_resource_name() {
        RealControlPlane cp = cluster.controlPlane();
        KubernetesClient admin = cluster.admin();
        String ns = cluster.namespace();
        for (String sa : List.of("deployer", "bystander", "fires-only")) {
            cp.createServiceAccount(ns, sa);
        }
        // The chart's ClusterRole, bound as docs/rbac.md shows (kubectl create rolebinding ... --clusterrole=...).
        admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName("deployer-runs-jobs")
                .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                .withName(ns + "-leasecron-job-operator").endRoleRef().addNewSubject().withKind("ServiceAccount").withName("deployer")
                .withNamespace(ns).endSubject().build()).create();
        // docs/rbac.md's Role for one job: resourceNames holds <configmap>/<key>.
        admin.rbac().roles().inNamespace(ns).resource(new RoleBuilder().withNewMetadata().withName("fires-operator").endMetadata()
                .addNewRule().withApiGroups("leasecron.io").withResources("jobs").withResourceNames("chart/fires")
                .withVerbs("trigger").endRule().build()).create();
        admin.rbac().roleBindings().inNamespace(ns).resource(new RoleBindingBuilder().withNewMetadata().withName("fires-only")
                .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("fires-operator")
                .endRoleRef().addNewSubject().withKind("ServiceAccount").withName("fires-only").withNamespace(ns).endSubject().build())
                .create();
        awaitAllowed(ns, "deployer", "create", "chart/fires");
        awaitAllowed(ns, "fires-only", "trigger", "chart/fires");

        String deployer = cp.token(ns, "deployer");
        String bystander = cp.token(ns, "bystander");
        String firesOnly = cp.token(ns, "fires-only");
        String user = "system:serviceaccount:" + ns + ":";

        var triggered = post(deployer, "/api/v1/jobs/chart/fires:trigger");
        int status = triggered.statusCode();
        assertEquals(202, status, "deployer was let through and the run stored: " + triggered.asString());
        String run = triggered.jsonPath().getString("name");
        assertEquals(user + "deployer", triggered.jsonPath().getString("requestedBy"));
        Await.until(() -> given().get("/api/v1/runs/" + run).jsonPath().getString("startedAt") != null, "the leader started the run");
        assertFalse(REFUSED.contains(post(deployer, "/api/v1/jobs/chart/fires/runs").statusCode()));
        assertFalse(REFUSED.contains(post(deployer, "/api/v1/jobs/any/other:pause").statusCode()), "the ClusterRole names no job");

        post(bystander, "/api/v1/jobs/chart/fires:trigger").then().statusCode(403)
                .body("status", equalTo(403))
                .body("message", equalTo("user \"" + user + "bystander\" may not trigger leasecron.io/jobs \"chart/fires\" in namespace \""
                        + ns + "\": grant verb \"trigger\" on resource \"jobs\" of API group \"leasecron.io\" (docs/rbac.md)"));

        post("not-a-token", "/api/v1/jobs/chart/fires:trigger").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer realm=\"leasecron\"");
        String message = post("not-a-token", "/api/v1/jobs/chart/fires:trigger").jsonPath().getString("message");
        assertTrue(message.startsWith("the Kubernetes API server did not accept the bearer token"), message);
        assertTrue(message.endsWith("; send a valid token, e.g. from kubectl create token <service-account>"), message);
        post(null, "/api/v1/jobs/chart/fires:trigger").then().statusCode(401);

        // A Role with resourceNames ["chart/fires"]: that job, that verb, nothing else.
        assertFalse(REFUSED.contains(post(firesOnly, "/api/v1/jobs/chart/fires:trigger").statusCode()));
        post(firesOnly, "/api/v1/jobs/chart/fires:pause").then().statusCode(403)
                .body("message", equalTo("user \"" + user + "fires-only\" may not pause leasecron.io/jobs \"chart/fires\" in namespace \""
                        + ns + "\": grant verb \"pause\" on resource \"jobs\" of API group \"leasecron.io\" (docs/rbac.md)"));
        post(firesOnly, "/api/v1/jobs/chart/other:trigger").then().statusCode(403);
        post(firesOnly, "/api/v1/jobs/chart2/fires:trigger").then().statusCode(403);

        // Reads stay open.
        given().get("/api/v1/jobs/chart/fires").then().statusCode(200);

        String deployerLine = audit.get(0);
        assertTrue(deployerLine.startsWith("caller=\"" + user + "deployer\" verb=trigger job=\"chart/fires\" namespace=\"" + ns
                + "\" request=\"POST /api/v1/jobs/chart/fires:trigger\" outcome=" + status), deployerLine);
        assertEquals(11, audit.size(), "one line per change, none for the read: " + audit);
        assertTrue(audit.get(3).startsWith("caller=\"" + user + "bystander\" verb=trigger job=\"chart/fires\" namespace=\"" + ns
                + "\" request=\"POST /api/v1/jobs/chart/fires:trigger\" outcome=403 message=\"user \\\"" + user + "bystander\\\" may not"),
                audit.get(3));
        assertTrue(audit.get(4).startsWith("caller=\"-\" verb=trigger job=\"chart/fires\""), audit.get(4));
        for (String line : audit) {
            for (String token : List.of(deployer, bystander, firesOnly)) {
                assertFalse(line.contains(token), "a token in the audit log: " + line);
            }
        }
    }

    /** Waits until the API server's RBAC (which follows new bindings through informers) allows it. */
    void awaitAllowed(String ns, String account, String verb, String name) {
        var review = new SubjectAccessReviewBuilder().withNewSpec().withUser("system:serviceaccount:" + ns + ":" + account)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
                .withNewResourceAttributes().withNamespace(ns).withGroup("leasecron.io").withResource("jobs").withVerb(verb)
                .withName(name).endResourceAttributes().endSpec().build();
        Await.until(() -> Boolean.TRUE.equals(cluster.admin().authorization().v1().subjectAccessReview().create(review).getStatus()
                .getAllowed()), account + " may " + verb + " leasecron.io/jobs " + name);
    }
}
