package io.leasecron.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.helm.Helm;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@code @QuarkusTest}'s service in Kubernetes mode against the shared {@link RealControlPlane}, the way a pod
 * of the Helm chart runs it: in a namespace of its own where {@code helm install} put the chart (its ServiceAccount,
 * Role and RoleBinding, its ClusterRoleBinding to system:auth-delegator, and a job ConfigMap from values, src/test/resources/helm/service-values.yaml, whose job calls a
 * {@link RecordingTarget}), authenticated with a token of the chart's ServiceAccount from the TokenRequest API. No
 * pod runs there (no kubelet); the Quarkus application is the replica. The test gets the namespace, an admin client
 * and the job's target through a field of type {@link Cluster} annotated with {@link InjectCluster}; test classes
 * that use {@link Profile} share one boot.
 *
 * <p>A test that uses it must also carry
 * {@code @DisabledIfEnvironmentVariable(named = RealControlPlane.SKIP_ENV, matches = "1")}: Quarkus reports an
 * exception from a test resource as a failed boot, never as a skip, so the opt-out has to be decided by JUnit
 * before the application starts. Without the opt-out, a control plane that cannot start fails the test.
 */
public final class RealControlPlaneResource implements QuarkusTestResourceLifecycleManager {
    /** The ServiceAccount of the chart (release {@code leasecron}), the one of k8s/rbac.yaml. */
    public static final String SERVICE_ACCOUNT = "leasecron";
    /** The job the chart creates from values: ConfigMap {@code chart}, key {@code fires}, every second. */
    public static final String CHART_JOB = "chart/fires";

    /**
     * The profile of the tests that run the service against the real API server, as replica {@link #REPLICA}. Quarkus
     * boots once for all the test classes that name it.
     */
    public static class Profile implements QuarkusTestProfile {
        public static final String REPLICA = "pod-under-test";

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("leasecron.replica", REPLICA);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(RealControlPlaneResource.class));
        }

        /** ApiTest's global LocalJobsDirectory would put this service in local mode. */
        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /**
     * What the test sees of the cluster its service runs against: the namespace, and the HTTP endpoint that the chart's
     * job {@link #CHART_JOB} calls (at {@code /fired}).
     */
    public record Cluster(RealControlPlane controlPlane, String namespace, RecordingTarget chartJobTarget) {
        /** Every right (group {@code system:masters}): for what users and kubectl do, never what the service does. */
        public KubernetesClient admin() {
            return controlPlane.admin();
        }
    }

    /** Marks the test field of type {@link Cluster} to set before the tests run. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectCluster {
    }

    private Cluster cluster;

    @Override
    public Map<String, String> start() {
        if ("1".equals(System.getenv(RealControlPlane.SKIP_ENV))) {
            throw new IllegalStateException(RealControlPlane.SKIP_ENV + "=1, yet a test that needs the real API server was started: "
                    + "add @DisabledIfEnvironmentVariable(named = RealControlPlane.SKIP_ENV, matches = \"1\") to it");
        }
        RealControlPlane cp = RealControlPlane.shared();
        String namespace = cp.createNamespace("quarkus-kubernetes-mode");
        RecordingTarget target;
        try {
            target = new RecordingTarget();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Helm.pinned().run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", namespace,
                "-f", "src/test/resources/helm/service-values.yaml", "--set", "jobs.chart.fires.http.url=" + target.url("/fired"))
                .ok("helm install leasecron helm/leasecron --namespace " + namespace);
        // Returns once the API server's authorizer grants every verb of the chart's Role.
        cp.awaitGranted(namespace, SERVICE_ACCOUNT, cp.admin().rbac().roles().inNamespace(namespace).withName("leasecron").get());
        // And the chart's ClusterRoleBinding to system:auth-delegator (templates/auth.yaml): the API's callers' reviews.
        cp.awaitAuthorized(namespace, SERVICE_ACCOUNT, "authentication.k8s.io", "tokenreviews", "create", true);
        cp.awaitAuthorized(namespace, SERVICE_ACCOUNT, "authorization.k8s.io", "subjectaccessreviews", "create", true);
        cluster = new Cluster(cp, namespace, target);

        Map<String, String> config = new LinkedHashMap<>();
        // The client Quarkus builds (Lifecycle derives the service's own client from it): this server, verified with
        // its CA, as the ServiceAccount. trust-certs is explicit because a mock-server test earlier in this JVM
        // leaves quarkus.tls.trust-all=true behind as a system property, which would otherwise turn TLS checks off.
        config.put("quarkus.kubernetes-client.api-server-url", cp.apiUrl());
        config.put("quarkus.kubernetes-client.ca-cert-file", cp.caFile().toString());
        config.put("quarkus.kubernetes-client.trust-certs", "false");
        config.put("quarkus.kubernetes-client.token", cp.token(namespace, SERVICE_ACCOUNT));
        config.put("quarkus.kubernetes-client.namespace", namespace);
        config.put("leasecron.mode", "kubernetes");
        config.put("leasecron.namespace", namespace);
        config.put("leasecron.watches", "http");
        // Short timings, as in ReplicasTest and RealApiServerTest: the test waits for the first acquisition only.
        config.put("leasecron.lease.duration", "3s");
        config.put("leasecron.lease.renew-deadline", "2s");
        config.put("leasecron.lease.retry-period", "500ms");
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(cluster, new TestInjector.AnnotatedAndMatchesType(InjectCluster.class, Cluster.class));
    }

    /**
     * Stops the job's target. Nothing else to undo: the namespace cannot be deleted for good here (no
     * controller-manager finalizes it) and is never reused, and the shared control plane stops when the test JVM exits.
     */
    @Override
    public void stop() {
        if (cluster != null) {
            cluster.chartJobTarget().close();
        }
    }
}
