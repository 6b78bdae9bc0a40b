package io.leasecron.chaos;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.RealControlPlane;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server a chaos run uses, behind one interface so that every scenario runs unchanged against either: the
 * Fabric8 mock server as a process of its own, or a real kube-apiserver with etcd ({@link RealControlPlane}).
 */
interface ChaosApi extends AutoCloseable {

    /** {@code mock} or {@code real}. */
    String name();

    /** What it is and which version, for the report. */
    String describe();

    int port();

    /**
     * Whether watches can be streamed over plain HTTP, as the service does by default. The Fabric8 mock server
     * serves them over WebSockets only, so replicas run with {@code LEASECRON_WATCHES=websocket} against it.
     */
    boolean streamsHttpWatches();

    /** A client with every right, for the harness: creating namespaces, ConfigMaps, reading Leases and Events. */
    KubernetesClient admin();

    /** A namespace of its own for one scenario, with whatever a replica needs there (the Role of k8s/rbac.yaml). */
    String prepare(String scenario);

    /**
     * A bearer token the replicas of {@code namespace} accept for trigger, pause, resume and runs, after granting what
     * that takes (docs/rbac.md "Who may call the API"); empty where the API server cannot check callers.
     */
    java.util.Optional<String> controlToken(String namespace);

    /** The kubeconfig a replica of {@code namespace} uses, reaching the API server through {@code port} on loopback. */
    String kubeconfig(String namespace, int port);

    @Override
    void close();

    static ChaosApi start(String name) {
        return switch (name) {
            case "mock" -> Mock.start();
            case "real" -> new Real(RealControlPlane.shared());
            default -> throw new IllegalArgumentException("chaos.api: unknown API server " + name + "; use mock or real");
        };
    }

    /** The Fabric8 mock API server (CRUD mode) in its own JVM: {@link StandaloneMockApiServer}. */
    final class Mock implements ChaosApi {
        private static final AtomicInteger NAMESPACES = new AtomicInteger();
        private final Process process;
        private final int port;
        private final KubernetesClient admin;

        private Mock(Process process, int port) {
            this.process = process;
            this.port = port;
            this.admin = MockApiServer.client("http://127.0.0.1:" + port, "chaos-harness");
        }

        static Mock start() {
            Path javaBin = Path.of(ProcessHandle.current().info().command().orElse("java"));
            ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-Xmx512m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), StandaloneMockApiServer.class.getName());
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            try {
                Process p = pb.start();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        String l;
                        while ((l = out.readLine()) != null) {
                            if (l.startsWith("listening on ")) {
                                return l;
                            }
                        }
                        return null;
                    } catch (IOException e) {
                        return null;
                    }
                }).get(60, TimeUnit.SECONDS);
                if (line == null) {
                    p.destroyForcibly();
                    throw new IllegalStateException("the standalone mock API server exited before it listened (exit "
                            + p.waitFor() + ")");
                }
                int port = Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
                Thread drain = new Thread(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (IOException e) {
                        // exited
                    }
                }, "mock-api-stdout");
                drain.setDaemon(true);
                drain.start();
                return new Mock(p, port);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the standalone mock API server: " + e, e);
            }
        }

        @Override
        public String name() {
            return "mock";
        }

        @Override
        public String describe() {
            return "Fabric8 mock API server " + io.fabric8.kubernetes.client.Version.clientVersion()
                    + " (CRUD mode, standalone process)";
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public boolean streamsHttpWatches() {
            return false;
        }

        @Override
        public KubernetesClient admin() {
            return admin;
        }

        @Override
        public String prepare(String scenario) {
            return "chaos-" + scenario.toLowerCase(Locale.ROOT) + "-" + NAMESPACES.incrementAndGet();
        }

        @Override
        public String kubeconfig(String namespace, int port) {
            return ChaosApi.kubeconfig("http://127.0.0.1:" + port, null, null, namespace);
        }

        /** None: in CRUD mode the mock server stores a TokenReview as posted, with no user in its status. */
        @Override
        public java.util.Optional<String> controlToken(String namespace) {
            return java.util.Optional.empty();
        }

        @Override
        public void close() {
            admin.close();
            try {
                process.getOutputStream().close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * A real kube-apiserver and etcd. Each scenario gets a fresh namespace with the ServiceAccount, Role and
     * RoleBinding of k8s/rbac.yaml, and its replicas authenticate with that ServiceAccount's token from the
     * TokenRequest API, as pods would.
     */
    final class Real implements ChaosApi {
        private final RealControlPlane plane;

        Real(RealControlPlane plane) {
            this.plane = plane;
        }

        @Override
        public String name() {
            return "real";
        }

        @Override
        public String describe() {
            return "kube-apiserver " + plane.version() + " with etcd (RBAC, ServiceAccount tokens)";
        }

        @Override
        public int port() {
            return plane.apiPort();
        }

        @Override
        public boolean streamsHttpWatches() {
            return true;
        }

        @Override
        public KubernetesClient admin() {
            return plane.admin();
        }

        @Override
        public String prepare(String scenario) {
            String namespace = plane.createNamespace("chaos-" + scenario);
            plane.applyRbac(namespace);
            return namespace;
        }

        @Override
        public String kubeconfig(String namespace, int port) {
            return ChaosApi.kubeconfig("https://127.0.0.1:" + port, plane.caFile(), plane.token(namespace, "leasecron"), namespace);
        }

        /**
         * What the chart's {@code api.authDelegator} does for the service (a ClusterRoleBinding of its ServiceAccount to
         * {@code system:auth-delegator}: TokenReview and SubjectAccessReview), and a caller as docs/rbac.md grants one:
         * ServiceAccount {@code chaos-operator} with the four verbs on {@code leasecron.io/jobs} in the namespace. Its
         * token, from the TokenRequest API, is checked by the replicas with the API server on every change.
         */
        @Override
        public java.util.Optional<String> controlToken(String namespace) {
            var admin = plane.admin();
            admin.rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
                    .withNewMetadata().withName(namespace + "-leasecron-auth-delegator").endMetadata()
                    .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("system:auth-delegator")
                    .endRoleRef().addNewSubject().withKind("ServiceAccount").withName("leasecron").withNamespace(namespace).endSubject()
                    .build()).create();
            plane.createServiceAccount(namespace, OPERATOR);
            admin.rbac().roles().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
                    .withNewMetadata().withName(OPERATOR).endMetadata().addNewRule().withApiGroups("leasecron.io")
                    .withResources("jobs").withVerbs(CONTROL_VERBS).endRule().build()).create();
            admin.rbac().roleBindings().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
                    .withNewMetadata().withName(OPERATOR).endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                    .withKind("Role").withName(OPERATOR).endRoleRef().addNewSubject().withKind("ServiceAccount").withName(OPERATOR)
                    .withNamespace(namespace).endSubject().build()).create();
            plane.awaitAuthorized(namespace, "leasecron", "authentication.k8s.io", "tokenreviews", "create", true);
            plane.awaitAuthorized(namespace, "leasecron", "authorization.k8s.io", "subjectaccessreviews", "create", true);
            for (String verb : CONTROL_VERBS) {
                plane.awaitAuthorized(namespace, OPERATOR, "leasecron.io", "jobs", verb, true);
            }
            return java.util.Optional.of(plane.token(namespace, OPERATOR));
        }

        private static final String OPERATOR = "chaos-operator";
        private static final String[] CONTROL_VERBS = {"trigger", "pause", "resume", "create"};

        @Override
        public void close() {
            // the shared control plane stops with the JVM
        }
    }

    private static String kubeconfig(String server, Path caFile, String token, String namespace) {
        String ca;
        try {
            ca = caFile == null ? null
                    : java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(caFile));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return "apiVersion: v1\nkind: Config\nclusters:\n- name: chaos\n  cluster:\n    server: " + server + "\n"
                + (ca == null ? "" : "    certificate-authority-data: " + ca + "\n")
                + "contexts:\n- name: chaos\n  context:\n    cluster: chaos\n    user: leasecron\n    namespace: " + namespace + "\n"
                + "current-context: chaos\nusers:\n- name: leasecron\n  user:" + (token == null ? " {}\n" : "\n    token: " + token + "\n");
    }
}
