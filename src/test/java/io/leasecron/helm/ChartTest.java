package io.leasecron.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.leasecron.testing.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart with the real helm: it lints strictly, renders exactly the snapshots and plain manifests kept in the
 * repository, renders what a deployment of this service needs, and refuses bad values with a message that names the
 * value and the rule.
 */
class ChartTest {

    static final String FULL_VALUES = "src/test/resources/helm/full-values.yaml";
    /** What test-tools/helm/render.sh writes, relative to the repository. */
    static final List<String> RENDERED = List.of("k8s/auth.yaml", "k8s/rbac.yaml", "k8s/config.yaml", "k8s/deployment.yaml", "k8s/service.yaml",
            "k8s/pdb.yaml", "src/test/resources/helm/default.yaml", "src/test/resources/helm/full.yaml");

    static Helm helm;

    @BeforeAll
    static void helm() {
        helm = Helm.pinned();
    }

    @Test
    void lints_strictly_with_the_default_and_the_full_values() {
        String defaults = helm.run("lint", "--strict", "helm/leasecron").ok("helm lint --strict");
        assertTrue(defaults.contains("1 chart(s) linted, 0 chart(s) failed"), defaults);
        assertFalse(defaults.contains("[WARNING]") || defaults.contains("[ERROR]"), defaults);
        String full = helm.run("lint", "--strict", "helm/leasecron", "-f", FULL_VALUES).ok("helm lint --strict -f " + FULL_VALUES);
        assertTrue(full.contains("1 chart(s) linted, 0 chart(s) failed"), full);
        assertFalse(full.contains("[WARNING]") || full.contains("[ERROR]"), full);
    }

    @Test
    void the_snapshots_and_the_plain_manifests_are_what_the_chart_renders(@TempDir Path out) throws IOException {
        Helm.exec(List.of(Helm.root().resolve("test-tools/helm/render.sh").toString(), out.toString()), helm.env(null), 2)
                .ok("test-tools/helm/render.sh");
        for (String file : RENDERED) {
            String rendered = Files.readString(out.resolve(file));
            String kept = Files.readString(Helm.root().resolve(file));
            if (!rendered.equals(kept)) {
                fail(file + " is not what the chart renders now (" + firstDifference(rendered, kept)
                        + "): run test-tools/helm/render.sh and review the difference");
            }
        }
        try (Stream<Path> kept = Files.list(Helm.root().resolve("k8s"))) {
            assertEquals(RENDERED.stream().filter(f -> f.startsWith("k8s/")).map(f -> f.substring(4)).sorted().toList(),
                    kept.map(p -> p.getFileName().toString()).sorted().toList(), "k8s/ holds only rendered manifests");
        }
    }

    @Test
    void the_default_deployment_is_hardened_probed_spread_and_sized_for_its_container() throws IOException {
        Map<String, JsonNode> objects = render();
        assertEquals(List.of("ClusterRole/jobs-leasecron-job-operator", "ClusterRoleBinding/jobs-leasecron-auth-delegator",
                "ConfigMap/leasecron-config", "ConfigMap/leasecron-dashboard", "Deployment/leasecron",
                "PodDisruptionBudget/leasecron", "Role/leasecron", "RoleBinding/leasecron", "Service/leasecron",
                "ServiceAccount/leasecron"), List.copyOf(objects.keySet()));

        JsonNode deployment = objects.get("Deployment/leasecron");
        assertEquals(3, deployment.at("/spec/replicas").asInt());
        JsonNode pod = deployment.at("/spec/template/spec");
        assertEquals("leasecron", pod.at("/serviceAccountName").asText());
        assertEquals(40, pod.at("/terminationGracePeriodSeconds").asInt());
        assertFalse(pod.at("/enableServiceLinks").asBoolean(true), "no LEASECRON_PORT and the like from Service links");
        assertEquals("25s", objects.get("ConfigMap/leasecron-config").at("/data/LEASECRON_ENGINE_SHUTDOWN_GRACE").asText());
        assertEquals("kubernetes", objects.get("ConfigMap/leasecron-config").at("/data/LEASECRON_MODE").asText());
        assertEquals("75", objects.get("ConfigMap/leasecron-config").at("/data/JAVA_MAX_MEM_RATIO").asText());
        assertTrue(objects.get("ConfigMap/leasecron-config").at("/data/JAVA_OPTS_APPEND").isMissingNode(),
                "the JVM image's own JAVA_OPTS_APPEND is kept");
        assertTrue(pod.at("/securityContext/runAsNonRoot").asBoolean());
        assertEquals("RuntimeDefault", pod.at("/securityContext/seccompProfile/type").asText());
        List<String> spread = new ArrayList<>();
        pod.at("/topologySpreadConstraints").forEach(c -> spread.add(c.at("/topologyKey").asText() + " " + c.at("/maxSkew").asInt()));
        assertEquals(List.of("kubernetes.io/hostname 1", "topology.kubernetes.io/zone 1"), spread);

        JsonNode container = pod.at("/containers/0");
        assertEquals("ghcr.io/leasecron/leasecron:0.1.0", container.at("/image").asText());
        JsonNode security = container.at("/securityContext");
        assertFalse(security.at("/allowPrivilegeEscalation").asBoolean(true));
        assertTrue(security.at("/readOnlyRootFilesystem").asBoolean());
        assertTrue(security.at("/runAsNonRoot").asBoolean());
        assertEquals("[\"ALL\"]", security.at("/capabilities/drop").toString());
        assertEquals("RuntimeDefault", security.at("/seccompProfile/type").asText());
        assertEquals("/tmp", container.at("/volumeMounts/0/mountPath").asText());
        assertTrue(pod.at("/volumes/0/emptyDir").isObject());

        assertEquals("http:8080 management:9000", ports(container.at("/ports"), "containerPort"));
        assertEquals("/q/health/started management", probe(container, "startupProbe"));
        assertEquals("/q/health/live management", probe(container, "livenessProbe"));
        assertEquals("/q/health/ready management", probe(container, "readinessProbe"));
        assertEquals("POD_NAME=metadata.name POD_NAMESPACE=metadata.namespace POD_UID=metadata.uid", fieldRefs(container.at("/env")));
        assertEquals("512Mi", container.at("/resources/limits/memory").asText());
        assertEquals(container.at("/resources/limits/memory"), container.at("/resources/requests/memory"));

        assertEquals(1, objects.get("PodDisruptionBudget/leasecron").at("/spec/maxUnavailable").asInt());
        assertEquals("http:8080 management:9000", ports(objects.get("Service/leasecron").at("/spec/ports"), "port"));
        assertEquals("1", objects.get("ConfigMap/leasecron-dashboard").at("/metadata/labels/grafana_dashboard").asText());
        for (JsonNode o : objects.values()) {
            assertEquals("leasecron-0.1.0", o.at("/metadata/labels/helm.sh~1chart").asText(), o.at("/kind").asText());
            assertEquals("leasecron", o.at("/metadata/labels/app.kubernetes.io~1name").asText());
            assertEquals("leasecron", o.at("/metadata/labels/app.kubernetes.io~1instance").asText());
            assertEquals("0.1.0", o.at("/metadata/labels/app.kubernetes.io~1version").asText());
            assertEquals("Helm", o.at("/metadata/labels/app.kubernetes.io~1managed-by").asText());
            String kind = o.at("/kind").asText();
            assertEquals(kind.startsWith("Cluster") ? "" : "jobs", o.at("/metadata/namespace").asText(), kind);
        }
    }

    /** Job status: create status ConfigMaps, get and update only the shards of the release's Lease. */
    static final List<String> STATUS = List.of("/configmaps [] create", "/configmaps [" + String.join(", ",
            java.util.stream.IntStream.range(0, 16).mapToObj(i -> "leasecron-status-" + i).toList()) + ", leasecron-runs, leasecron-pauses] get,update");

    static List<String> releaseRole(String... middle) {
        List<String> rules = new ArrayList<>(List.of("coordination.k8s.io/leases [] get,list,watch,create,update"));
        rules.addAll(List.of(middle));
        rules.addAll(STATUS);
        rules.add("/events [] create");
        return rules;
    }

    @Test
    void the_role_grants_exactly_the_verbs_of_the_enabled_actions() throws IOException {
        List<String> base = releaseRole("/configmaps [] list,watch");
        assertEquals(base, rules(render()));
        assertEquals("/configmaps [leasecron-status-0, leasecron-status-1, leasecron-status-2, leasecron-status-3, leasecron-runs, leasecron-pauses] get,update",
                rules(render("--set", "status.shards=4")).get(3), "one name per shard");
        assertEquals("/configmaps [other-status-0, other-runs, other-pauses] get,update", rules(render("--set", "status.shards=1", "--set", "lease.name=other"))
                .get(3), "the shards are named after the Lease");
        List<String> withJobs = new ArrayList<>(base);
        withJobs.add("batch/jobs [] create,list,watch,delete");
        assertEquals(withJobs, rules(render("--set", "kubernetesJob.enabled=true")));
        List<String> withSecrets = new ArrayList<>(base);
        withSecrets.add("/secrets [payments-api, db-admin] get");
        assertEquals(withSecrets, rules(render("--set", "secrets.names={payments-api,db-admin}")));
    }

    @Test
    void listed_job_namespaces_get_a_role_each_with_only_the_jobs_rules_and_the_release_namespace_keeps_the_lease()
            throws IOException {
        Map<String, JsonNode> objects = renderByNamespace("--set", "jobNamespaces.names={team-a,team-b}",
                "--set", "kubernetesJob.enabled=true", "--set", "secrets.names={payments-api}");
        List<String> jobRules = List.of("/configmaps [] list,watch", "/events [] create", "/secrets [payments-api] get",
                "batch/jobs [] create,list,watch,delete");
        assertEquals(releaseRole("/configmaps [] list,watch"), rules(objects.get("Role/jobs/leasecron")),
                "the Lease, job status, and ClockSkew Events on the replicas' Pods");
        assertEquals(jobRules, rules(objects.get("Role/team-a/leasecron-jobs")));
        assertEquals(jobRules, rules(objects.get("Role/team-b/leasecron-jobs")));
        for (String ns : List.of("team-a", "team-b")) {
            JsonNode binding = objects.get("RoleBinding/" + ns + "/leasecron-jobs");
            assertEquals("Role leasecron-jobs", binding.at("/roleRef/kind").asText() + " " + binding.at("/roleRef/name").asText());
            assertEquals("ServiceAccount jobs/leasecron", binding.at("/subjects/0/kind").asText() + " "
                    + binding.at("/subjects/0/namespace").asText() + "/" + binding.at("/subjects/0/name").asText());
        }
        assertEquals(API_CLUSTER_OBJECTS, objects.keySet().stream().filter(k -> k.startsWith("Cluster")).sorted().toList(),
                "no cluster-wide rights for a list of namespaces but the API's callers' reviews");
        JsonNode config = objects.get("ConfigMap/jobs/leasecron-config").at("/data");
        assertEquals("team-a,team-b", config.at("/LEASECRON_NAMESPACES").asText());
        assertTrue(config.at("/LEASECRON_NAMESPACE_SELECTOR").isMissingNode());
        assertTrue(render().get("ConfigMap/leasecron-config").at("/data/LEASECRON_NAMESPACES").isMissingNode(),
                "by default the service reads its own namespace");
    }

    @Test
    void all_job_namespaces_get_a_cluster_role_with_list_and_watch_on_namespaces_only_for_a_selector() throws IOException {
        Map<String, JsonNode> all = renderByNamespace("--set", "jobNamespaces.names={*}");
        assertEquals(List.of("/configmaps [] list,watch", "/events [] create"), rules(all.get("ClusterRole//jobs-leasecron-jobs")));
        assertEquals(releaseRole("/configmaps [] list,watch"), rules(all.get("Role/jobs/leasecron")));
        JsonNode binding = all.get("ClusterRoleBinding//jobs-leasecron-jobs");
        assertEquals("ClusterRole jobs-leasecron-jobs", binding.at("/roleRef/kind").asText() + " " + binding.at("/roleRef/name").asText());
        assertEquals("jobs/leasecron", binding.at("/subjects/0/namespace").asText() + "/" + binding.at("/subjects/0/name").asText());
        assertEquals("*", all.get("ConfigMap/jobs/leasecron-config").at("/data/LEASECRON_NAMESPACES").asText());

        Map<String, JsonNode> selected = renderByNamespace("--set", "jobNamespaces.names={*}",
                "--set", "jobNamespaces.selector=leasecron.io/tenant=true");
        assertEquals(List.of("/configmaps [] list,watch", "/events [] create", "/namespaces [] list,watch"),
                rules(selected.get("ClusterRole//jobs-leasecron-jobs")));
        assertEquals("leasecron.io/tenant=true",
                selected.get("ConfigMap/jobs/leasecron-config").at("/data/LEASECRON_NAMESPACE_SELECTOR").asText());
    }

    /** The cluster-wide objects of the API's authentication (templates/auth.yaml), by default. */
    static final List<String> API_CLUSTER_OBJECTS = List.of("ClusterRole//jobs-leasecron-job-operator",
            "ClusterRoleBinding//jobs-leasecron-auth-delegator");

    /**
     * By default the ServiceAccount is bound to system:auth-delegator (TokenReview, SubjectAccessReview) and a ClusterRole
     * with the four verbs of leasecron.io/jobs is there to bind; each can be left out, and reads are passed on.
     */
    @Test
    void the_api_callers_are_reviewed_through_system_auth_delegator_and_a_cluster_role_grants_the_job_verbs() throws IOException {
        Map<String, JsonNode> objects = renderByNamespace();
        assertEquals(API_CLUSTER_OBJECTS, objects.keySet().stream().filter(k -> k.startsWith("Cluster")).sorted().toList());
        JsonNode binding = objects.get("ClusterRoleBinding//jobs-leasecron-auth-delegator");
        assertEquals("ClusterRole system:auth-delegator", binding.at("/roleRef/kind").asText() + " " + binding.at("/roleRef/name").asText());
        assertEquals("ServiceAccount jobs/leasecron", binding.at("/subjects/0/kind").asText() + " "
                + binding.at("/subjects/0/namespace").asText() + "/" + binding.at("/subjects/0/name").asText());
        assertEquals(List.of("leasecron.io/jobs [] trigger,pause,resume,create"),
                rules(objects.get("ClusterRole//jobs-leasecron-job-operator")));
        JsonNode config = objects.get("ConfigMap/jobs/leasecron-config").at("/data");
        assertEquals("open", config.at("/LEASECRON_API_READS").asText());
        assertEquals("10s", config.at("/LEASECRON_API_AUTH_CACHE_TTL").asText());

        Map<String, JsonNode> off = renderByNamespace("--set", "api.authDelegator=false", "--set", "api.operatorClusterRole=false",
                "--set", "api.reads=authenticated");
        assertEquals(List.of(), off.keySet().stream().filter(k -> k.startsWith("Cluster")).toList());
        assertEquals("authenticated", off.get("ConfigMap/jobs/leasecron-config").at("/data/LEASECRON_API_READS").asText());
        assertEquals(List.of("ClusterRole//jobs-leasecron-job-operator"), renderByNamespace("--set", "rbac.create=false")
                .keySet().stream().filter(k -> k.startsWith("Cluster")).toList(), "rbac.create=false: the service's bindings are the user's");
    }

    @Test
    void a_settings_change_rolls_the_replicas_and_a_job_change_does_not() throws IOException {
        String before = checksum(render());
        Map<String, JsonNode> withJob = render("--set", "jobs.team.hello.schedule=@hourly");
        assertEquals(before, checksum(withJob), "job ConfigMaps are watched live: adding one must not restart the replicas");
        assertEquals("true", withJob.get("ConfigMap/team").at("/metadata/labels/leasecron.io~1jobs").asText());
        assertEquals("schedule: '@hourly'\n", withJob.get("ConfigMap/team").at("/data/hello").asText());
        assertNotEquals(before, checksum(render("--set", "lease.duration=20s")), "settings are read at startup");
    }

    /** The kubernetesJob policy reaches the service as its environment; by default pods as default, nothing more. */
    @Test
    void the_kubernetes_job_policy_is_passed_to_the_service() throws IOException {
        JsonNode byDefault = render().get("ConfigMap/leasecron-config").get("data");
        assertEquals("default", byDefault.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS").asText());
        for (String rule : List.of("ALLOW_PRIVILEGED", "ALLOW_HOST_NAMESPACES", "ALLOW_HOST_PATH", "ALLOW_PRIVILEGE_ESCALATION")) {
            assertEquals("false", byDefault.get("LEASECRON_KUBERNETES_JOB_POLICY_" + rule).asText(), rule);
        }
        assertTrue(byDefault.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES") == null, "unset: none may be added");
        assertTrue(byDefault.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES") == null, "unset: any image");
        JsonNode set = render("--set", "kubernetesJob.policy.allowedServiceAccounts={default,export}",
                "--set", "kubernetesJob.policy.allowHostPath=true", "--set", "kubernetesJob.policy.allowedCapabilities={NET_RAW}",
                "--set", "kubernetesJob.policy.allowedImagePrefixes={registry.example.com/team/,ghcr.io/team/}")
                .get("ConfigMap/leasecron-config").get("data");
        assertEquals("default,export", set.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS").asText());
        assertEquals("true", set.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH").asText());
        assertEquals("NET_RAW", set.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES").asText());
        assertEquals("registry.example.com/team/,ghcr.io/team/", set.get("LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES").asText());
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("replicaCount=0", "- at '/replicaCount': minimum: got 0, want 1"),
                Arguments.of("replicas=3", "- at '': additional properties 'replicas' not allowed"),
                Arguments.of("image.pullPolicy=Sometimes", "- at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"),
                Arguments.of("resources.limits.memory=null", "- at '/resources/limits': missing property 'memory'"),
                Arguments.of("engine.limitMode=Drop", "- at '/engine/limitMode': value must be one of 'Wait', 'Skip'"),
                Arguments.of("api.reads=anyone", "- at '/api/reads': value must be one of 'open', 'authenticated'"),
                Arguments.of("api.authCacheTtl=10x", "api.authCacheTtl: \"10x\" is not a duration"),
                Arguments.of("kubernetesJob.enabled=yes", "- at '/kubernetesJob/enabled': got string, want boolean"),
                Arguments.of("kubernetesJob.policy.allowPrivileged=yes", "- at '/kubernetesJob/policy/allowPrivileged': got string, want boolean"),
                Arguments.of("kubernetesJob.policy.allowHostpath=true", "- at '/kubernetesJob/policy': additional properties 'allowHostpath' not allowed"),
                Arguments.of("kubernetesJob.policy.allowedCapabilities={net_admin}",
                        "- at '/kubernetesJob/policy/allowedCapabilities/0': 'net_admin' does not match pattern '^([A-Z0-9_]+|\\\\*)$'"),
                Arguments.of("kubernetesJob.policy.allowedImagePrefixes={registry.example.com/team}",
                        "- at '/kubernetesJob/policy/allowedImagePrefixes/0': 'registry.example.com/team' does not match pattern '^[^,\\\\s]*[/:@]$'"),
                Arguments.of("jvm.maxRamPercentage=95", "- at '/jvm/maxRamPercentage': maximum: got 95, want 90"),
                Arguments.of("podDisruptionBudget.maxUnavailable=0", "- at '/podDisruptionBudget/maxUnavailable': minimum: got 0, want 1"),
                Arguments.of("jobs.billing=oops", "- at '/jobs/billing': got string, want object"),
                Arguments.of("terminationGracePeriodSeconds=20", "terminationGracePeriodSeconds (20) must be at least "
                        + "engine.shutdownGraceSeconds (25) + 5: on SIGTERM a replica lets running fires finish for up to the "
                        + "shutdown grace, then releases the Lease and exits; killed before that, it leaves the Lease held until it expires"),
                Arguments.of("lease.duration=15x", "lease.duration: \"15x\" is not a duration; write it like 500ms, 2s, 5m, 1h30m or PT2S"),
                Arguments.of("secrets.names={Payments_API}", "secrets.names: \"Payments_API\" is not a valid object name; use lowercase "
                        + "letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)"),
                Arguments.of("jobs.Billing.nightly.schedule=@daily", "jobs: \"Billing\" is not a valid object name; use lowercase "
                        + "letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)"),
                Arguments.of("jobs.billing.night ly.schedule=@daily",
                        "jobs.billing.night ly: a job name is a ConfigMap data key: letters, digits, '-', '_' and '.' only"),
                Arguments.of("jobNamespaces.names={*,team-a}", "jobNamespaces.names [* team-a]: \"*\" means every namespace and"
                        + " stands alone; set either [\"*\"] or a list of namespaces"),
                Arguments.of("jobNamespaces.selector=tenant=yes", "jobNamespaces.selector \"tenant=yes\" chooses among all"
                        + " namespaces; set jobNamespaces.names to [\"*\"] with it"),
                Arguments.of("jobNamespaces.names={Team_A}", "jobNamespaces.names: \"Team_A\" is not a namespace name; use"
                        + " lowercase letters, digits and '-', starting and ending with a letter or digit (at most 63)"),
                Arguments.of("jobNamespaces.names={team-a},jobs.billing.nightly.schedule=@daily", "jobs: the chart creates its job"
                        + " ConfigMaps in the release namespace jobs, which jobNamespaces.names [team-a] does not list; add it, or the"
                        + " service never reads them"));
    }

    @ParameterizedTest(name = "--set {0}")
    @MethodSource("refused")
    void bad_values_are_refused_with_a_message_naming_the_value_and_the_rule(String set, String message) {
        Commands.Result r = helm.run("template", "leasecron", "helm/leasecron", "--namespace", "jobs", "--set", set);
        assertEquals(1, r.exit(), r.out());
        assertEquals("", r.out(), "nothing is rendered");
        assertTrue(r.err().contains(message), "helm said:\n" + r.err());
    }

    // ---------------------------------------------------------------- helpers

    /** The rendered objects by kind/name, sorted. */
    static Map<String, JsonNode> render(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("template", "leasecron", "helm/leasecron", "--namespace", "jobs"));
        cmd.addAll(List.of(args));
        String yaml = helm.run(cmd.toArray(String[]::new)).ok("helm " + String.join(" ", cmd));
        Map<String, JsonNode> objects = new TreeMap<>();
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && doc.has("kind")) {
                    objects.put(doc.at("/kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
                }
            }
        }
        return objects;
    }

    /** The rendered objects by kind/namespace/name (namespace empty for cluster-scoped ones), sorted. */
    static Map<String, JsonNode> renderByNamespace(String... args) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        List<String> cmd = new ArrayList<>(List.of("template", "leasecron", "helm/leasecron", "--namespace", "jobs"));
        cmd.addAll(List.of(args));
        String yaml = helm.run(cmd.toArray(String[]::new)).ok("helm " + String.join(" ", cmd));
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && doc.has("kind")) {
                    out.put(doc.at("/kind").asText() + "/" + doc.at("/metadata/namespace").asText() + "/"
                            + doc.at("/metadata/name").asText(), doc);
                }
            }
        }
        return out;
    }

    static List<String> rules(Map<String, JsonNode> objects) {
        return rules(objects.get("Role/leasecron"));
    }

    /** Each rule of a Role or ClusterRole as {@code group/resource [names] verbs}. */
    static List<String> rules(JsonNode role) {
        List<String> out = new ArrayList<>();
        for (JsonNode rule : role.at("/rules")) {
            out.add(rule.at("/apiGroups/0").asText() + "/" + rule.at("/resources/0").asText() + " "
                    + texts(rule.at("/resourceNames")) + " " + String.join(",", texts(rule.at("/verbs"))));
        }
        return out;
    }

    static String checksum(Map<String, JsonNode> objects) {
        return objects.get("Deployment/leasecron").at("/spec/template/metadata/annotations/checksum~1config").asText();
    }

    static String ports(JsonNode ports, String field) {
        List<String> out = new ArrayList<>();
        ports.forEach(p -> out.add(p.at("/name").asText() + ":" + p.at("/" + field).asInt()));
        return String.join(" ", out);
    }

    static String probe(JsonNode container, String probe) {
        return container.at("/" + probe + "/httpGet/path").asText() + " " + container.at("/" + probe + "/httpGet/port").asText();
    }

    static String fieldRefs(JsonNode env) {
        List<String> out = new ArrayList<>();
        env.forEach(e -> out.add(e.at("/name").asText() + "=" + e.at("/valueFrom/fieldRef/fieldPath").asText()));
        return String.join(" ", out);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Where two texts part, e.g. {@code line 12: "a" rendered, "b" kept}. */
    static String firstDifference(String rendered, String kept) {
        String[] r = rendered.split("\n", -1);
        String[] k = kept.split("\n", -1);
        for (int i = 0; i < Math.max(r.length, k.length); i++) {
            String a = i < r.length ? r[i] : "(end of file)";
            String b = i < k.length ? k[i] : "(end of file)";
            if (!a.equals(b)) {
                return "line " + (i + 1) + ": \"" + a + "\" rendered, \"" + b + "\" kept";
            }
        }
        return "same lines";
    }
}
