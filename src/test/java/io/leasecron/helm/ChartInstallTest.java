package io.leasecron.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.testing.RealControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code helm install} and {@code kubectl apply -f k8s/} into a real kube-apiserver, which validates every object
 * (the ServiceMonitor and PrometheusRule against prometheus-operator's CRDs). No kubelet runs there, so no pod
 * starts: {@code ChartServiceTest} runs the service itself with what the chart installs.
 */
class ChartInstallTest {
    /** The README's command, run as written. */
    static final String README_INSTALL = "helm install leasecron ./helm/leasecron -n jobs --create-namespace";

    RealControlPlane cp;
    Helm helm;

    @BeforeEach
    void tools() {
        cp = RealControlPlane.shared();
        helm = Helm.pinned();
    }

    @Test
    void the_readme_command_installs_the_chart_and_its_notes_say_how_to_add_a_job_and_see_its_next_runs() throws IOException {
        assertTrue(readmeSection("Install on Kubernetes").contains("\n" + README_INSTALL + "\n"),
                "README, Install on Kubernetes: " + README_INSTALL);
        List<String> args = List.of(README_INSTALL.split(" "));
        String notes = helm.run(cp.adminKubeconfig(), args.subList(1, args.size()).toArray(String[]::new)).ok(README_INSTALL);

        assertTrue(notes.contains("STATUS: deployed"), notes);
        assertTrue(notes.contains("  kubectl -n jobs apply -f - <<'YAML'\n"), notes);
        assertTrue(notes.contains("      leasecron.io/jobs: \"true\"\n"), notes);
        assertTrue(notes.contains("  kubectl -n jobs port-forward svc/leasecron 8080:8080 &\n"
                + "  curl -s 'localhost:8080/api/v1/jobs/hello/heartbeat?count=5'\n"), notes);

        KubernetesClient admin = cp.admin();
        assertEquals(new TreeSet<>(List.of("ConfigMap/leasecron-config", "ConfigMap/leasecron-dashboard", "Deployment/leasecron",
                "PodDisruptionBudget/leasecron", "Role/leasecron", "RoleBinding/leasecron", "Service/leasecron",
                "ServiceAccount/leasecron")), stored(admin, "jobs"), "every object of the chart, as the server stored it");
        Deployment d = admin.apps().deployments().inNamespace("jobs").withName("leasecron").get();
        assertEquals(3, d.getSpec().getReplicas());
        assertEquals(40L, d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
        assertEquals("RuntimeDefault", d.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType());
        assertEquals(List.of("ALL"), d.getSpec().getTemplate().getSpec().getContainers().get(0).getSecurityContext()
                .getCapabilities().getDrop());
    }

    @Test
    void every_option_installs_and_the_server_checks_the_monitoring_objects_against_their_crds() throws IOException {
        cp.installPrometheusCrds();
        String ns = cp.createNamespace("chart-full");
        String out = helm.run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", ns,
                "-f", ChartTest.FULL_VALUES).ok("helm install -f " + ChartTest.FULL_VALUES);
        assertTrue(out.contains("STATUS: deployed"), out);

        KubernetesClient admin = cp.admin();
        assertEquals(new TreeSet<>(List.of("ConfigMap/billing", "ConfigMap/heartbeat", "ConfigMap/leasecron-config",
                "ConfigMap/leasecron-dashboard", "Deployment/leasecron", "PodDisruptionBudget/leasecron", "Role/leasecron",
                "RoleBinding/leasecron", "Service/leasecron", "ServiceAccount/scheduler")), stored(admin, ns));
        assertEquals("leasecron", monitoring(admin, "ServiceMonitor").inNamespace(ns).withName("leasecron").get().getMetadata().getName());
        GenericKubernetesResource rule = monitoring(admin, "PrometheusRule").inNamespace(ns).withName("leasecron").get();
        JsonNode stored = new ObjectMapper().valueToTree(rule.getAdditionalProperties().get("spec"));
        JsonNode shipped = new YAMLMapper().readTree(Helm.root().resolve("dashboards/leasecron-alerts.yaml").toFile());
        assertEquals(ruleNames(shipped), ruleNames(stored), "every rule of dashboards/leasecron-alerts.yaml, as the server stored it");

        // The CRD's schema is enforced: what the chart renders passed it, and a wrong field does not.
        KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> monitoring(admin, "ServiceMonitor")
                .inNamespace(ns).resource(new GenericKubernetesResourceBuilder().withApiVersion("monitoring.coreos.com/v1")
                        .withKind("ServiceMonitor").withNewMetadata().withName("bad").endMetadata()
                        .addToAdditionalProperties("spec", Map.of("selector", Map.of(), "endpoints", List.of(Map.of("interval", "often"))))
                        .build()).create());
        assertEquals(422, refused.getCode(), refused.getMessage());
    }

    @Test
    void the_plain_manifests_apply_with_kubectl_in_a_namespace_of_ones_choice() throws IOException {
        String ns = cp.createNamespace("plain-manifests");
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(Helm.root().resolve("k8s"))) {
            for (Path f : files.sorted().toList()) {
                all.append(Files.readString(f).replace("namespace: jobs", "namespace: " + ns).replace("name: jobs-leasecron-",
                        "name: " + ns + "-leasecron-")).append("\n---\n");
            }
        }
        String out = cp.kubectl(all.toString(), "apply", "-f", "-");
        assertEquals(List.of("clusterrole.rbac.authorization.k8s.io/" + ns + "-leasecron-job-operator created",
                "clusterrolebinding.rbac.authorization.k8s.io/" + ns + "-leasecron-auth-delegator created",
                "configmap/leasecron-config created", "deployment.apps/leasecron created",
                "poddisruptionbudget.policy/leasecron created", "serviceaccount/leasecron created",
                "role.rbac.authorization.k8s.io/leasecron created", "rolebinding.rbac.authorization.k8s.io/leasecron created",
                "service/leasecron created"), List.of(out.strip().split("\n")));
        assertEquals(Map.of("app.kubernetes.io/name", "leasecron", "app.kubernetes.io/instance", "leasecron",
                "app.kubernetes.io/version", "0.1.0", "app.kubernetes.io/managed-by", "kubectl"),
                cp.admin().apps().deployments().inNamespace(ns).withName("leasecron").get().getMetadata().getLabels());
    }

    // ---------------------------------------------------------------- helpers

    /** Kind/name of the objects of the kinds the chart makes, in {@code namespace}, as the server has them. */
    static TreeSet<String> stored(KubernetesClient admin, String ns) {
        List<String> out = new ArrayList<>();
        admin.configMaps().inNamespace(ns).list().getItems().forEach(o -> out.add("ConfigMap/" + o.getMetadata().getName()));
        admin.apps().deployments().inNamespace(ns).list().getItems().forEach(o -> out.add("Deployment/" + o.getMetadata().getName()));
        admin.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems()
                .forEach(o -> out.add("PodDisruptionBudget/" + o.getMetadata().getName()));
        admin.rbac().roles().inNamespace(ns).list().getItems().forEach(o -> out.add("Role/" + o.getMetadata().getName()));
        admin.rbac().roleBindings().inNamespace(ns).list().getItems().forEach(o -> out.add("RoleBinding/" + o.getMetadata().getName()));
        admin.services().inNamespace(ns).list().getItems().forEach(o -> out.add("Service/" + o.getMetadata().getName()));
        admin.serviceAccounts().inNamespace(ns).list().getItems().forEach(o -> out.add("ServiceAccount/" + o.getMetadata().getName()));
        out.removeIf(o -> o.equals("ConfigMap/kube-root-ca.crt")); // none here (no controller-manager), but a cluster has it
        return new TreeSet<>(out);
    }

    static io.fabric8.kubernetes.client.dsl.MixedOperation<GenericKubernetesResource, io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
            io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> monitoring(KubernetesClient admin, String kind) {
        return admin.genericKubernetesResources("monitoring.coreos.com/v1", kind);
    }

    /** group/alert (or group/record) of every rule in a Prometheus rules document. */
    static List<String> ruleNames(JsonNode rules) {
        List<String> out = new ArrayList<>();
        for (JsonNode group : rules.at("/groups")) {
            for (JsonNode r : group.at("/rules")) {
                out.add(group.at("/name").asText() + "/" + (r.has("alert") ? r.at("/alert").asText() : r.at("/record").asText()));
            }
        }
        assertTrue(!out.isEmpty(), "rules found");
        return out;
    }

    /** The text of a README section, from its heading to the next one. */
    static String readmeSection(String heading) throws IOException {
        String readme = Files.readString(Helm.root().resolve("README.md"));
        int start = readme.indexOf("\n## " + heading + "\n");
        assertTrue(start >= 0, "README has a section " + heading);
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
