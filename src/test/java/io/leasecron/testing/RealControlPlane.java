package io.leasecron.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.helm.Helm;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver and etcd on loopback (test-tools/control-plane, docs/testing.md), for the tests that only a
 * real API server can answer: RBAC, TokenRequest, server-side validation and apply, optimistic concurrency,
 * watches that expire.
 *
 * <p>{@link #shared()} starts one control plane per test JVM, on first use, and stops it (deleting its state) when
 * the JVM exits; the watchdog of start.sh stops it too if the JVM is killed. Tests isolate themselves with a fresh
 * namespace each ({@link #createNamespace}); a deleted namespace would stay {@code Terminating} for ever here, as
 * no controller-manager runs. {@link #startDedicated} starts another one with extra kube-apiserver flags, for a test
 * that needs the server configured differently.
 *
 * <p>If the binaries are not cached and cannot be built (no Go), every test that asks for the control plane fails
 * with a message saying so: CI must not pass by skipping. {@code LEASECRON_SKIP_REAL_API=1} is the explicit opt-out
 * for a developer machine without Go: the tests are then reported as skipped.
 */
public final class RealControlPlane implements AutoCloseable {
    /** Set to {@code 1} to skip the real-API tests (a machine without Go). CI does not set it. */
    public static final String SKIP_ENV = "LEASECRON_SKIP_REAL_API";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static RealControlPlane shared;
    private static String sharedFailure;
    private static Binaries binaries;

    private final Path dir;
    private final Map<String, String> env;
    private final String version;
    private final KubernetesClient admin;
    private final Thread stopHook;
    private volatile boolean stopped;
    private boolean prometheusCrds;

    private record Binaries(String kubeApiserver, String etcd) {
    }

    private RealControlPlane(Path dir, Map<String, String> env) {
        this.dir = dir;
        this.env = env;
        this.stopHook = new Thread(this::stop, "real-control-plane-stop");
        Runtime.getRuntime().addShutdownHook(stopHook);
        this.admin = client(apiUrl(), env.get("ADMIN_TOKEN"), "default", "leasecron-tests/admin", new Interceptor() {
        });
        try {
            this.version = admin.getKubernetesVersion().getGitVersion();
        } catch (RuntimeException e) {
            stop();
            throw new IllegalStateException("kube-apiserver at " + apiUrl() + " was ready but did not answer /version: " + e, e);
        }
    }

    /**
     * The control plane every real-API test of this JVM shares, started on first use (builds the binaries first if
     * they are not cached, which takes minutes on a fresh machine). Aborts the calling test (reported as skipped)
     * when {@code LEASECRON_SKIP_REAL_API=1}; fails it, with the reason, when the control plane cannot be started.
     */
    public static synchronized RealControlPlane shared() {
        skipIfOptedOut();
        if (sharedFailure != null) {
            throw new IllegalStateException(sharedFailure);
        }
        if (shared == null) {
            try {
                shared = start("shared", "");
            } catch (IllegalStateException e) {
                sharedFailure = e.getMessage();
                throw e;
            }
        }
        return shared;
    }

    /**
     * A control plane of its own, with {@code apiserverArgs} added to kube-apiserver's flags (space separated);
     * the caller closes it. Same skip and failure rules as {@link #shared()}.
     */
    public static synchronized RealControlPlane startDedicated(String name, String apiserverArgs) {
        skipIfOptedOut();
        if (sharedFailure != null) {
            throw new IllegalStateException(sharedFailure);
        }
        return start(name, apiserverArgs);
    }

    private static void skipIfOptedOut() {
        Assumptions.assumeFalse("1".equals(System.getenv(SKIP_ENV)),
                SKIP_ENV + "=1: the tests against a real kube-apiserver are skipped (docs/testing.md)");
    }

    private static RealControlPlane start(String name, String apiserverArgs) {
        Binaries bin = binaries();
        Path dir;
        try {
            dir = Files.createTempDirectory("leasecron-cp-" + name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("LEASECRON_CP_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        extra.put("LEASECRON_KUBE_APISERVER_BIN", bin.kubeApiserver());
        extra.put("LEASECRON_ETCD_BIN", bin.etcd());
        extra.put("LEASECRON_CP_APISERVER_ARGS", apiserverArgs);
        long t0 = System.nanoTime();
        Result r = run(List.of(script("start.sh").toString(), dir.toString()), extra, START_TIMEOUT);
        if (r.exit() != 0) {
            throw new IllegalStateException("test-tools/control-plane/start.sh " + dir + " exited with " + r.exit()
                    + " (kube-apiserver or etcd did not become ready):\n" + r.stderrTail()
                    + "\nSee docs/testing.md; set " + SKIP_ENV + "=1 to skip the real-API tests on this machine.");
        }
        Map<String, String> env = parseEnv(r.stdout());
        RealControlPlane cp = new RealControlPlane(dir, env);
        // One line the CI log can be searched for: which server the tests ran against.
        System.out.println("kube-apiserver " + cp.version() + " at " + cp.apiUrl());
        System.out.printf(Locale.ROOT, "[real-api] control plane '%s' ready in %d ms (start.sh to ready %s ms%s), state in %s%n", name,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), env.get("START_TO_READY_MS"),
                apiserverArgs.isBlank() ? "" : ", extra flags: " + apiserverArgs, dir);
        return cp;
    }

    /** build.sh --no-helm once per JVM: a check of the cached binaries (about a second), or the cold build. */
    private static synchronized Binaries binaries() {
        if (binaries == null) {
            long t0 = System.nanoTime();
            Result r = run(List.of(script("build.sh").toString(), "--no-helm"), Map.of(), BUILD_TIMEOUT);
            Map<String, String> out = parseEnv(r.stdout());
            String api = out.get("KUBE_APISERVER_BIN");
            String etcd = out.get("ETCD_BIN");
            if (r.exit() != 0 || api == null || etcd == null) {
                sharedFailure = "The real-API tests need kube-apiserver and etcd, which test-tools/control-plane/build.sh builds "
                        + "once with Go from the module proxy and caches (docs/testing.md). build.sh --no-helm exited with "
                        + r.exit() + ":\n" + r.stderrTail() + "\nInstall Go (the next run builds them, about 7 minutes on 2 cores), "
                        + "or set " + SKIP_ENV + "=1 to skip these tests on this machine; CI must not skip them.";
                throw new IllegalStateException(sharedFailure);
            }
            binaries = new Binaries(api, etcd);
            System.out.printf(Locale.ROOT, "[real-api] build.sh --no-helm: %s and etcd %s in %d ms%n", out.get("KUBERNETES_VERSION"),
                    out.get("ETCD_VERSION"), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        return binaries;
    }

    // ---------------------------------------------------------------- what the tests use

    /** What kube-apiserver reports at {@code /version}, e.g. {@code v1.33.13}. */
    public String version() {
        return version;
    }

    public String apiUrl() {
        return env.get("API_URL");
    }

    public int apiPort() {
        return Integer.parseInt(env.get("API_PORT"));
    }

    public Path caFile() {
        return Path.of(env.get("CA_FILE"));
    }

    /** A kubeconfig for {@code kubectl}: user {@code leasecron-admin} in {@code system:masters}. */
    public Path adminKubeconfig() {
        return Path.of(env.get("ADMIN_KUBECONFIG"));
    }

    /** A client with every right (group {@code system:masters}), shared; closed with the control plane. */
    public KubernetesClient admin() {
        return admin;
    }

    /**
     * A client the way a replica has one, authenticated with {@code token}: short timeouts and no hidden retries, as
     * in production, with {@code interceptor} seeing every request. {@code url} is the API server or a
     * {@link TcpProxy} in front of it ({@code https://127.0.0.1:<proxy port>}; the serving certificate is for
     * 127.0.0.1, so TLS is verified either way).
     */
    public KubernetesClient client(String url, String token, String namespace, String userAgent, Interceptor interceptor) {
        Config c = new ConfigBuilder(Config.empty()).withMasterUrl(url).withCaCertFile(caFile().toString()).withOauthToken(token)
                .withNamespace(namespace).withRequestTimeout(2000).withConnectionTimeout(1000).withRequestRetryBackoffLimit(0)
                .withWatchReconnectInterval(250).withUserAgent(userAgent).build();
        return new KubernetesClientBuilder().withConfig(c)
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("test", interceptor)).build();
    }

    /** A new namespace, never used before on this server: {@code <prefix>-<n>-<random>}. */
    public String createNamespace(String prefix) {
        String p = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        String name = (p.length() > 40 ? p.substring(0, 40) : p) + "-" + NAMESPACES.incrementAndGet() + "-"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("leasecron.io/test", "true").endMetadata().build()).create();
        return name;
    }

    /** A ServiceAccount (no controller-manager runs here, so nothing creates them otherwise). */
    public void createServiceAccount(String namespace, String name) {
        admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata().withName(name)
                .endMetadata().build()).create();
    }

    /** One verb of one resource, e.g. {@code create events}, to take away from the documented Role. */
    public record Grant(String resource, String verb) {
    }

    /**
     * The optional rules of the chart's Role (docs/rbac.md), each switched on by a value of helm/leasecron; k8s/rbac.yaml,
     * rendered with the default values, has none of them.
     */
    public enum OptionalRule {
        KUBERNETES_JOBS("kubernetesJob.enabled=true");

        final String value;

        OptionalRule(String value) {
            this.value = value;
        }
    }

    /**
     * Applies k8s/rbac.yaml (ServiceAccount, Role and RoleBinding {@code leasecron}) into {@code namespace}, as a user
     * does after changing its namespace, with the {@code removed} verbs taken out of the Role (a rule left without
     * verbs is dropped: the API server refuses an empty one). Returns the Role as applied.
     */
    public Role applyRbac(String namespace, Grant... removed) {
        return applyRbac(namespace, Set.of(), removed);
    }

    /**
     * As {@link #applyRbac(String, Grant...)}, with the {@code optional} rules: then the RBAC comes from the chart itself
     * ({@code helm template} with the values that switch them on, by the pinned helm), which is what a user who
     * enables those actions installs.
     */
    public Role applyRbac(String namespace, Set<OptionalRule> optional, Grant... removed) {
        List<HasMetadata> items;
        try {
            String text;
            if (optional.isEmpty()) {
                text = Files.readString(projectRoot().resolve("k8s/rbac.yaml"));
            } else {
                List<String> args = new ArrayList<>(List.of("template", "leasecron", "helm/leasecron", "--namespace", namespace,
                        "--show-only", "templates/rbac.yaml"));
                for (OptionalRule rule : optional) {
                    args.addAll(List.of("--set", rule.value));
                }
                text = Helm.pinned().run(args.toArray(String[]::new)).ok("helm " + String.join(" ", args));
            }
            items = admin.load(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).items();
            Role role = null;
            for (HasMetadata item : items) {
                item.getMetadata().setNamespace(namespace);
                if (item instanceof RoleBinding b) {
                    b.getSubjects().forEach(s -> s.setNamespace(namespace));
                } else if (item instanceof Role r) {
                    role = r;
                    List<PolicyRule> rules = new ArrayList<>();
                    for (PolicyRule rule : r.getRules()) {
                        List<String> verbs = new ArrayList<>(rule.getVerbs());
                        for (Grant g : removed) {
                            if (rule.getResources().contains(g.resource())) {
                                verbs.remove(g.verb());
                            }
                        }
                        if (!verbs.isEmpty()) {
                            rule.setVerbs(verbs);
                            rules.add(rule);
                        }
                    }
                    r.setRules(rules);
                }
            }
            if (items.size() != 3 || role == null) {
                throw new IllegalStateException("the RBAC should be a ServiceAccount, a Role and a RoleBinding, found " + items);
            }
            for (HasMetadata item : items) {
                admin.resource(item).inNamespace(namespace).fieldManager("leasecron-tests").forceConflicts().serverSideApply();
            }
            String account = items.stream().filter(i -> i instanceof io.fabric8.kubernetes.api.model.ServiceAccount).findFirst()
                    .orElseThrow().getMetadata().getName();
            awaitGranted(namespace, account, role);
            return role;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The RBAC authorizer learns about a new Role through its own informers: wait (bounded) until it grants every
     * verb of {@code role}, so that a test's first request is judged by the Role it just applied.
     */
    public void awaitGranted(String namespace, String account, Role role) {
        for (PolicyRule rule : role.getRules()) {
            // A rule narrowed by resourceNames grants only for those names: ask for the first.
            String name = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? null : rule.getResourceNames().get(0);
            for (String resource : rule.getResources()) {
                for (String verb : rule.getVerbs()) {
                    awaitAuthorized(namespace, account, rule.getApiGroups().get(0), resource, name, verb, true);
                }
            }
        }
    }

    /**
     * Waits (at most 10 s) until the API server's answer to "may ServiceAccount {@code namespace/account} {@code verb}
     * {@code resource} of {@code group}" is {@code allowed}: after a change of a Role, the authorizer answers from its
     * informers, which follow a moment later.
     */
    public void awaitAuthorized(String namespace, String account, String group, String resource, String verb, boolean allowed) {
        awaitAuthorized(namespace, account, group, resource, null, verb, allowed);
    }

    /** As {@link #awaitAuthorized(String, String, String, String, String, boolean)}, for the object {@code name} (null: any). */
    public void awaitAuthorized(String namespace, String account, String group, String resource, String name, String verb,
            boolean allowed) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec()
                .withUser("system:serviceaccount:" + namespace + ":" + account)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated")
                .withNewResourceAttributes().withNamespace(namespace).withGroup(group)
                .withResource(resource).withName(name).withVerb(verb).endResourceAttributes().endSpec().build();
        while (allowed != Boolean.TRUE.equals(admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the RBAC of " + namespace + " still " + (allowed ? "does not grant " : "grants ") + verb
                        + " " + resource + " to " + account + " after 10 s");
            }
            try {
                Thread.sleep(20); // the apiserver's RBAC informers, not the code under test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Installs the prometheus-operator CRDs of ServiceMonitor and PrometheusRule (test-tools/control-plane/
     * prometheus-crds.sh, pinned and cached like the binaries), once per control plane, and returns when the server
     * serves both kinds: from then on it validates such objects against the CRDs' schemas.
     */
    public synchronized void installPrometheusCrds() {
        if (prometheusCrds) {
            return;
        }
        Result r = run(List.of(script("prometheus-crds.sh").toString()), Map.of(), BUILD_TIMEOUT);
        String dir = parseEnv(r.stdout()).get("PROMETHEUS_CRDS_DIR");
        if (r.exit() != 0 || dir == null) {
            throw new IllegalStateException("test-tools/control-plane/prometheus-crds.sh exited with " + r.exit()
                    + " (it fetches the CRDs with go mod download, docs/testing.md):\n" + r.stderrTail());
        }
        kubectl(null, "apply", "--server-side", "--field-manager=leasecron-tests", "-f", dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String crd : List.of("servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com")) {
            // Polled, not `kubectl wait`: that fails outright while the new CRD has no conditions yet.
            while (!established(admin.apiextensions().v1().customResourceDefinitions().withName(crd).get())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("CRD " + crd + " was not Established within 60 s");
                }
                try {
                    Thread.sleep(20); // the apiserver's CRD controller, not the code under test
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }
        prometheusCrds = true;
    }

    private static boolean established(io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition crd) {
        return crd.getStatus() != null && crd.getStatus().getConditions() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** A token for the ServiceAccount from the TokenRequest API (what the kubelet mounts into a pod). */
    public String token(String namespace, String serviceAccount) {
        return admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
                .getStatus().getToken();
    }

    /** A client authenticated as {@code namespace/serviceAccount}, straight to the API server. */
    public KubernetesClient serviceAccountClient(String namespace, String serviceAccount, String userAgent) {
        return client(apiUrl(), token(namespace, serviceAccount), namespace, userAgent, new Interceptor() {
        });
    }

    /**
     * Compacts etcd's history up to its current revision (what kube-apiserver's periodic compaction does, now), so
     * that a watch resuming from any earlier resourceVersion is answered {@code 410 Gone} when it is not served from
     * the watch cache. Returns the revision.
     */
    public long compactEtcd() {
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            ObjectMapper json = new ObjectMapper();
            String etcd = env.get("ETCD_URL");
            // A range over one key: the response header carries the store's current revision.
            JsonNode range = json.readTree(post(http, etcd + "/v3/kv/range", "{\"key\":\"AA==\"}"));
            long revision = range.path("header").path("revision").asLong();
            post(http, etcd + "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
            return revision;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String post(HttpClient http, String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("etcd " + url + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /**
     * Runs {@code kubectl} (/usr/bin/kubectl unless {@code KUBECTL} is set) with the admin kubeconfig and
     * {@code stdin}; returns its stdout, or fails with its stderr.
     */
    public String kubectl(String stdin, String... args) {
        String kubectl = System.getenv().getOrDefault("KUBECTL", "/usr/bin/kubectl");
        if (!Files.isExecutable(Path.of(kubectl))) {
            throw new IllegalStateException("kubectl not found at " + kubectl + "; install it or set KUBECTL to its path (docs/testing.md)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(kubectl);
        cmd.add("--kubeconfig=" + adminKubeconfig());
        cmd.addAll(List.of(args));
        return Commands.run(cmd, null, Map.of(), stdin, Duration.ofSeconds(60)).ok("kubectl " + String.join(" ", args));
    }

    /** Stops kube-apiserver and etcd and deletes their state (also done at JVM exit). */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (or ran) stop() itself
        }
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (admin != null) {
            admin.close();
        }
        Result r = run(List.of(script("stop.sh").toString(), dir.toString(), "--delete"), Map.of(), Duration.ofMinutes(1));
        if (r.exit() != 0) {
            System.err.println("[real-api] stop.sh " + dir + " exited with " + r.exit() + ":\n" + r.stderrTail());
        }
    }

    // ---------------------------------------------------------------- processes

    private record Result(int exit, String stdout, String stderrTail) {
    }

    private static Path projectRoot() {
        Path p = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("test-tools/control-plane/start.sh"))) {
                return d;
            }
        }
        throw new IllegalStateException("test-tools/control-plane/start.sh not found above " + p);
    }

    private static Path script(String name) {
        return projectRoot().resolve("test-tools/control-plane").resolve(name);
    }

    /**
     * Runs a script with stdout captured and stderr passed through to this JVM's stderr (so a cold build's progress
     * is in the CI log), keeping its last lines for an error message.
     */
    private static Result run(List<String> command, Map<String, String> env, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(projectRoot().toFile());
            pb.environment().putAll(env);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            Deque<String> tail = new ArrayDeque<>();
            Thread errors = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        System.err.println(line);
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > 40) {
                                tail.removeFirst();
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process is gone
                }
            }, "control-plane-stderr");
            errors.setDaemon(true);
            errors.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            errors.join(5000);
            synchronized (tail) {
                return new Result(p.exitValue(), out, String.join("\n", tail));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parseEnv(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[A-Z_][A-Z0-9_]*")) {
                m.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return m;
    }
}
