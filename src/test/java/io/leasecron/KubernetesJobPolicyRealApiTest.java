package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.ActionRunners;
import io.leasecron.execution.Fire;
import io.leasecron.execution.KubernetesJobRunner;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.job.JobSpecParser;
import io.leasecron.job.KubernetesJobPolicy;
import io.leasecron.job.WatchedNamespaces;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.RealControlPlane;
import io.leasecron.testing.RealControlPlane.OptionalRule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code kubernetesJob} policy and the dry run of templates, against a real kube-apiserver ({@link RealControlPlane})
 * with exactly the chart's RBAC for {@code kubernetesJob.enabled=true}: templates asking for a privileged pod, a host
 * path or another service account are listed invalid with the rule named, as an {@code InvalidJobSpec} Event too; a
 * misspelt pod field is reported from the API server's strict dry run; the allowed template's Job is created; and the
 * runner refuses, before creating anything, a spec that was loaded under a wider policy. A replica without Quarkus,
 * driven by hand with a fake clock, as in {@link NamespacesRealApiTest}.
 */
class KubernetesJobPolicyRealApiTest {
    static final Instant T0 = RealApiServerTest.T0;
    static final String POD = "kubernetesJob.template.spec.template.spec";

    final Closer toClose = new Closer();

    @AfterEach
    void close() {
        toClose.close();
    }

    /** A one-time job at T0 + 1 s whose template's pod spec is {@code pod} (YAML lines indented by 10). */
    static String job(String pod) {
        return "runAt: \"2026-12-01T10:00:01Z\"\nkubernetesJob:\n  template:\n    metadata: {labels: {team: reports}}\n    spec:\n"
                + "      template:\n        spec:\n" + pod;
    }

    static final String ALLOWED = job("          serviceAccountName: default\n          containers:\n"
            + "            - name: report\n              image: busybox:1.36\n              args: [echo, hi]\n"
            + "              securityContext: {allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: {drop: [ALL]}}\n");

    @Test
    void templates_asking_for_more_than_the_policy_are_refused_with_the_rule_named_and_an_allowed_one_runs() throws Exception {
        RealControlPlane cp = RealControlPlane.shared();
        String ns = cp.createNamespace("job-policy");
        cp.applyRbac(ns, Set.of(OptionalRule.KUBERNETES_JOBS));
        KubernetesClient admin = cp.admin();
        admin.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("reports")
                .addToLabels("leasecron.io/jobs", "true").endMetadata().withData(Map.of(
                        "allowed", ALLOWED,
                        "privileged", job("          containers:\n            - {name: report, image: busybox:1.36,"
                                + " securityContext: {privileged: true}}\n"),
                        "host-path", job("          containers: [{name: report, image: busybox:1.36}]\n"
                                + "          volumes: [{name: root, hostPath: {path: /}}]\n"),
                        "other-account", job("          serviceAccountName: leasecron\n"
                                + "          containers: [{name: report, image: busybox:1.36}]\n"),
                        "misspelt", job("          containers: [{name: report, image: busybox:1.36, imagePullPolicyy: Always}]\n")))
                .build()).create();
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));
        KubernetesJobRunner runner = closing(new KubernetesJobRunner(client, ns, KubernetesJobPolicy.DEFAULT));
        FakeClock clock = new FakeClock(T0);
        var parts = new Replica.Parts("pod-a", clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(),
                (secrets, c, n) -> new ActionRunners(null, null, runner), Runnable::run,
                new JobSpecParser.Options(false, KubernetesJobPolicy.DEFAULT));
        LeaseSettings lease = new LeaseSettings(ns, "leasecron", "pod-a", Duration.ofSeconds(3), Duration.ofSeconds(2),
                Duration.ofMillis(500), Duration.ZERO);
        Replica replica = closing(Replica.kubernetes(parts, client, lease, WatchedNamespaces.of(ns, Optional.empty(), Optional.empty())));
        replica.start(false);
        await(replica::jobsLoaded, "the replica loaded its jobs");

        String rule = " (policy kubernetesJobPolicy.%s; the operator sets it with chart value kubernetesJob.policy.%s or %s)";
        Map<String, List<String>> problems = replica.catalogue().entries().stream().collect(Collectors.toMap(
                e -> e.id().name(), JobCatalogue.Entry::problems, (x, y) -> x, TreeMap::new));
        String misspelt = "kubernetesJob.template: the API server refuses the Job it would create (dry run in namespace " + ns
                + "): Job in version \"v1\" cannot be handled as a Job: strict decoding error: unknown field"
                + " \"spec.template.spec.containers[0].imagePullPolicyy\"";
        assertEquals(Map.of(
                "allowed", List.of(),
                "host-path", List.of(POD + ".volumes[0].hostPath: hostPath volumes are not allowed" + String.format(rule,
                        "allowHostPath=false", "allowHostPath", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH")),
                "misspelt", List.of(misspelt),
                "other-account", List.of(POD + ".serviceAccountName: service account \"leasecron\" is not allowed" + String.format(rule,
                        "allowedServiceAccounts=[default]", "allowedServiceAccounts",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS")),
                "privileged", List.of(POD + ".containers[0].securityContext.privileged: privileged containers are not allowed"
                        + String.format(rule, "allowPrivileged=false", "allowPrivileged", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGED"))),
                problems);

        // The allowed one runs: its Job is created at its slot, in the job's namespace, with leasecron's labels.
        run(replica, clock, Duration.ofMillis(2000));
        assertTrue(replica.elector().orElseThrow().isLeader());
        JobId allowed = JobId.parse("reports/allowed");
        String name = KubernetesJobRunner.jobName(allowed, T0.plusSeconds(1), 1);
        await(() -> admin.batch().v1().jobs().inNamespace(ns).withName(name).get() != null, "Job " + name + " was created");
        List<Job> jobs = admin.batch().v1().jobs().inNamespace(ns).list().getItems();
        assertEquals(List.of(name), jobs.stream().map(j -> j.getMetadata().getName()).toList(), "only the allowed job's Job");
        Map<String, String> labels = jobs.get(0).getMetadata().getLabels();
        assertEquals("reports.allowed", labels.get(KubernetesJobRunner.JOB_LABEL));
        assertEquals("leasecron", labels.get(KubernetesJobRunner.MANAGED));
        assertEquals("reports", labels.get("team"));
        assertEquals("default", jobs.get(0).getSpec().getTemplate().getSpec().getServiceAccountName());

        // Each refused job has its InvalidJobSpec Event on the ConfigMap, naming the rule.
        replica.events().orElseThrow().flush(5000);
        Map<String, String> events = admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "InvalidJobSpec".equals(e.getReason()))
                .collect(Collectors.toMap(e -> e.getInvolvedObject().getFieldPath(), Event::getMessage, (x, y) -> x, TreeMap::new));
        assertEquals(Map.of(
                "data.host-path", "reports/host-path: " + problems.get("host-path").get(0) + " (the job is not scheduled)",
                "data.misspelt", "reports/misspelt: " + misspelt + " (the job is not scheduled)",
                "data.other-account", "reports/other-account: " + problems.get("other-account").get(0) + " (the job is not scheduled)",
                "data.privileged", "reports/privileged: " + problems.get("privileged").get(0) + " (the job is not scheduled)"), events);

        // Defence in depth: a spec loaded under a wider policy (say, before the operator narrowed it) is refused by the
        // runner before anything is created.
        JobSpec wide = JobSpecParser.parse(JobId.parse("reports/privileged"), job("          containers:\n"
                + "            - {name: report, image: busybox:1.36, securityContext: {privileged: true}}\n"),
                new JobSpecParser.Options(false, new KubernetesJobPolicy(List.of("default"), true, false, false, List.of(), false, List.of())));
        String refusedName = KubernetesJobRunner.jobName(wide.id(), T0, 1);
        RunResult refused = runner.start(new Fire(wide, T0, 1, 1, "pod-a")).get(20, TimeUnit.SECONDS);
        assertEquals(new RunResult.Failed("Job " + refusedName + " not created, the kubernetesJob policy refuses it: "
                + problems.get("privileged").get(0)), refused);
        assertEquals(List.of(name), admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .map(j -> j.getMetadata().getName()).toList(), "nothing created for the refused spec");
    }

    static void run(Replica replica, FakeClock clock, Duration d) {
        Instant until = clock.now().plus(d);
        while (clock.now().isBefore(until)) {
            clock.advance(Duration.ofMillis(100));
            replica.step();
        }
    }

    static void await(BooleanSupplier condition, String what) {
        Await.until(condition, what, Duration.ofSeconds(20));
    }

    <T extends AutoCloseable> T closing(T c) {
        return toClose.add(c);
    }
}
