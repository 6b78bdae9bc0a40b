package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.Fire;
import io.leasecron.execution.KubernetesJobRunner;
import io.leasecron.execution.RunResult;
import io.leasecron.helm.Helm;
import io.leasecron.job.HttpAction;
import io.leasecron.job.JobSpec;
import io.leasecron.job.JobSpecParser;
import io.leasecron.job.SecretResolver;
import io.leasecron.job.WatchedNamespaces;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.RealControlPlane;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Jobs read from namespaces other than the service's ({@code LEASECRON_NAMESPACES}), against a real kube-apiserver
 * ({@link RealControlPlane}) with exactly the RBAC the Helm chart installs for the setting: a Role per listed namespace,
 * or a ClusterRole for all namespaces selected by a label. What only a real server tells: that those rules are enough
 * and that nothing is asked outside them (a Secret of the service's own namespace is not readable, nor is one of
 * another namespace), and where the service's Events, Secret reads and Jobs go. Replicas run without Quarkus, driven
 * by hand with a fake clock, as in {@link RealApiServerTest}.
 */
class NamespacesRealApiTest {
    static final Instant T0 = RealApiServerTest.T0;
    static final Duration STEP = Duration.ofMillis(100);

    RealControlPlane cp;
    final Closer toClose = new Closer();

    @BeforeEach
    void controlPlane() {
        cp = RealControlPlane.shared();
    }

    @AfterEach
    void close() {
        toClose.close();
    }

    /** A fire as the action saw it: the job, and what its Secret header resolved to (the value, or the error). */
    record Fired(String job, Instant slot, String secret) {
    }

    /** One replica, with the job namespaces of {@code watched}; every fire is recorded, none executed. */
    final class Node {
        final FakeClock clock = new FakeClock(T0);
        final List<Fired> fired = new CopyOnWriteArrayList<>();
        final Replica replica;

        Node(KubernetesClient client, WatchedNamespaces watched) throws Exception {
            var parts = new Replica.Parts("pod-a", clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(),
                    (secrets, c, n) -> fire -> {
                        fired.add(new Fired(fire.spec().id().toString(), fire.slot(), secret(secrets, fire.spec())));
                        return CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
                    }, Runnable::run, JobSpecParser.Options.DEFAULT);
            LeaseSettings lease = new LeaseSettings(watched.own(), "leasecron", "pod-a", Duration.ofSeconds(3), Duration.ofSeconds(2),
                    Duration.ofMillis(500), Duration.ZERO);
            replica = Replica.kubernetes(parts, client, lease, watched);
            toClose.add(replica);
            replica.start(false);
            await(replica::jobsLoaded, "the replica loaded its jobs");
        }

        void run(Duration d) {
            Instant until = clock.now().plus(d);
            while (clock.now().isBefore(until)) {
                clock.advance(STEP);
                replica.step();
            }
        }

        List<String> jobs() {
            return replica.catalogue().entries().stream().map(e -> e.id().toString()).toList();
        }

        /** Fires by job, each as its slots' seconds after T0 and the Secret value (or error) it saw. */
        Map<String, List<String>> firedByJob() {
            return fired.stream().collect(Collectors.groupingBy(Fired::job, TreeMap::new, Collectors.mapping(
                    f -> Duration.between(T0, f.slot()).toSeconds() + "s " + f.secret(), Collectors.toList())));
        }
    }

    static String secret(SecretResolver secrets, JobSpec spec) {
        var ref = ((HttpAction) spec.action()).secretHeaders().get("Authorization");
        if (ref == null) {
            return "-";
        }
        try {
            return secrets.value(spec.id(), ref);
        } catch (SecretResolver.SecretUnavailableException e) {
            return e.getMessage();
        }
    }

    /**
     * The Events the service made in {@code ns}: the control plane makes its own there too (its IP allocator repairs
     * the chart's Service now and then), which say nothing of where the service reports.
     */
    static List<Event> eventsBy(KubernetesClient admin, String ns) {
        return admin.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> "leasecron".equals(e.getReportingComponent())).toList();
    }

    static void await(BooleanSupplier condition, String what) {
        Await.until(condition, what, Duration.ofSeconds(20));
    }

    /**
     * Waits (at most 10 s each) until the API server's RBAC authorizer grants ServiceAccount {@code account}
     * ({@code namespace/name}) every verb of {@code role} in namespace {@code ns}: it learns of new bindings through its
     * own informers, a moment after they are created.
     */
    void awaitGranted(String account, String ns, io.fabric8.kubernetes.api.model.rbac.Role role) throws InterruptedException {
        String[] sa = account.split("/");
        for (var rule : role.getRules()) {
            for (String resource : rule.getResources()) {
                for (String verb : rule.getVerbs()) {
                    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder().withNewSpec()
                            .withUser("system:serviceaccount:" + sa[0] + ":" + sa[1])
                            .withGroups("system:serviceaccounts", "system:serviceaccounts:" + sa[0], "system:authenticated")
                            .withNewResourceAttributes().withNamespace(ns).withGroup(rule.getApiGroups().get(0))
                            .withResource(resource).withVerb(verb)
                            .withName(rule.getResourceNames().isEmpty() ? null : rule.getResourceNames().get(0))
                            .endResourceAttributes().endSpec().build();
                    await(() -> Boolean.TRUE.equals(cp.admin().authorization().v1().subjectAccessReview().create(review).getStatus()
                            .getAllowed()), account + " may " + verb + " " + resource + " in " + ns);
                }
            }
        }
    }

    static ConfigMap jobs(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(data).build();
    }

    static final String WITH_TOKEN = "schedule: \"@every 1s\"\nhttp:\n  url: http://127.0.0.1:9/x\n  headers:\n"
            + "    Authorization: {valueFrom: {secretKeyRef: {name: token, key: value}}}\n";

    void secret(String namespace, String value) {
        cp.admin().secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName("token").endMetadata()
                .addToStringData("value", value).build()).create();
    }

    /**
     * The chart installed with {@code jobNamespaces.names: [a, b]}: jobs of both namespaces load with namespaced ids
     * (the same ConfigMap and key in each stay two jobs) and fire; each reads the Secret of its own namespace, never the
     * service's or the other's of the same name; the invalid one's Event is in its namespace; its Kubernetes Jobs are
     * created there; deleting one namespace's ConfigMap unschedules only that namespace's job.
     */
    @Test
    void jobs_of_two_listed_namespaces_fire_with_namespaced_ids_and_their_events_secrets_and_jobs_stay_in_their_namespace()
            throws Exception {
        String home = cp.createNamespace("ns-home");
        String a = cp.createNamespace("ns-a");
        String b = cp.createNamespace("ns-b");
        Helm.pinned().run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", home,
                "--set", "jobNamespaces.names={" + a + "," + b + "}", "--set", "secrets.names={token}",
                "--set", "kubernetesJob.enabled=true").ok("helm install with jobNamespaces.names");
        KubernetesClient admin = cp.admin();
        cp.awaitGranted(home, "leasecron", admin.rbac().roles().inNamespace(home).withName("leasecron").get());
        for (String ns : List.of(a, b)) {
            awaitGranted(home + "/leasecron", ns, admin.rbac().roles().inNamespace(ns).withName("leasecron-jobs").get());
        }
        secret(home, "from-home");
        secret(a, "from-a");
        // b has no Secret "token": its job must not get home's or a's.
        admin.configMaps().inNamespace(a).resource(jobs("billing", Map.of("nightly", WITH_TOKEN))).create();
        admin.configMaps().inNamespace(b).resource(jobs("billing", Map.of("nightly", WITH_TOKEN,
                "broken", "schedule: \"61 * * * *\"\nhttp: {url: http://127.0.0.1:9/x}\n"))).create();
        KubernetesClient client = cp.serviceAccountClient(home, "leasecron", "leasecron/pod-a");
        toClose.add(client);
        WatchedNamespaces watched = WatchedNamespaces.of(home, Optional.of(List.of(a, b)), Optional.empty());

        Permissions.check(client, home, watched); // the chart's Roles grant everything the service asks, where it asks it
        String withoutC = assertThrows(IllegalStateException.class, () -> Permissions.check(client, home,
                WatchedNamespaces.of(home, Optional.of(List.of(a, "ns-not-granted")), Optional.empty()))).getMessage();
        assertEquals("the service account may not list configmaps, watch configmaps, create events in namespace ns-not-granted;"
                + " grant them with the Helm chart's RBAC for value namespaces (docs/rbac.md explains each rule)", withoutC);

        Node node = new Node(client, watched);
        node.run(Duration.ofMillis(3500));

        assertTrue(node.replica.elector().orElseThrow().isLeader());
        assertEquals(List.of(a + "/billing/nightly", b + "/billing/broken", b + "/billing/nightly"), node.jobs());
        String missing = "secret token key value: there is no Secret token in namespace " + b;
        assertEquals(Map.of(a + "/billing/nightly", List.of("1s from-a", "2s from-a", "3s from-a"),
                b + "/billing/nightly", List.of("1s " + missing, "2s " + missing, "3s " + missing)), node.firedByJob());

        // The invalid job's Event is on its ConfigMap, in its namespace; none elsewhere.
        node.replica.events().orElseThrow().flush(5000);
        List<Event> events = eventsBy(admin, b);
        assertEquals(1, events.size(), events.toString());
        assertEquals("InvalidJobSpec", events.get(0).getReason());
        assertEquals(b + "/billing data.broken", events.get(0).getInvolvedObject().getNamespace() + "/"
                + events.get(0).getInvolvedObject().getName() + " " + events.get(0).getInvolvedObject().getFieldPath());
        assertEquals(b + "/billing/broken: schedule \"61 * * * *\": minute 61 is out of range 0-59 (the job is not scheduled)",
                events.get(0).getMessage());
        assertEquals(List.of(), eventsBy(admin, a));
        assertEquals(List.of(), eventsBy(admin, home));

        // A kubernetesJob action of a job in a creates its Job in a, with the RoleBinding there, not in the service's.
        KubernetesJobRunner runner = new KubernetesJobRunner(client, home);
        toClose.add(runner);
        JobSpec spec = Jobs.spec(a + "/reports/nightly", "schedule: \"0 3 * * *\"\nkubernetesJob:\n  template:\n    spec:\n"
                + "      template:\n        spec:\n          containers: [{name: report, image: busybox:1.36}]\n");
        CompletableFuture<RunResult> run = runner.start(new Fire(spec, T0, 1, 1, "pod-a"));
        String name = KubernetesJobRunner.jobName(spec.id(), T0, 1);
        await(() -> admin.batch().v1().jobs().inNamespace(a).withName(name).get() != null, "Job " + name + " in " + a);
        Job job = admin.batch().v1().jobs().inNamespace(a).withName(name).get();
        assertEquals("reports.nightly", job.getMetadata().getLabels().get(KubernetesJobRunner.JOB_LABEL));
        assertEquals(a + "/reports/nightly", job.getMetadata().getAnnotations().get("leasecron.io/job-id"));
        assertEquals(List.of(), admin.batch().v1().jobs().inNamespace(home).list().getItems());
        RealApiServerTest.finish(admin, a, name, true);
        assertEquals(new RunResult.Succeeded("Job " + name + " completed"), run.get(20, TimeUnit.SECONDS));

        // Deleting a's ConfigMap unschedules a's job only; b's of the same name goes on firing.
        admin.configMaps().inNamespace(a).withName("billing").delete();
        await(() -> node.jobs().size() == 2, "the deletion reached the catalogue");
        assertEquals(List.of(b + "/billing/broken", b + "/billing/nightly"), node.jobs());
        node.fired.clear();
        node.run(Duration.ofSeconds(2));
        assertEquals(new TreeSet<>(List.of(b + "/billing/nightly")), node.firedByJob().keySet());
    }

    /**
     * The chart installed with {@code jobNamespaces.names: ["*"]} and a selector: its ClusterRole is enough for
     * ConfigMaps of every namespace and for following which namespaces match; a namespace labelled later has its jobs
     * loaded, one whose label is removed has them unscheduled, and a namespace that never matched is never read.
     */
    @Test
    void with_all_namespaces_and_a_selector_a_namespace_counts_while_its_label_matches() throws Exception {
        String home = cp.createNamespace("sel-home");
        String a = cp.createNamespace("sel-a");
        String b = cp.createNamespace("sel-b");
        String selector = "leasecron.io/tenant-of=" + home;
        KubernetesClient admin = cp.admin();
        admin.namespaces().withName(a).edit(n -> {
            n.getMetadata().getLabels().put("leasecron.io/tenant-of", home);
            return n;
        });
        Helm.pinned().run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", home,
                "--set", "jobNamespaces.names={*}", "--set", "jobNamespaces.selector=" + selector).ok("helm install with all namespaces");
        cp.awaitGranted(home, "leasecron", admin.rbac().roles().inNamespace(home).withName("leasecron").get());
        // The ClusterRoleBinding applies in every namespace: once the authorizer grants these, it has learned it.
        cp.awaitAuthorized(home, "leasecron", "", "namespaces", "watch", true);
        cp.awaitAuthorized(home, "leasecron", "", "configmaps", "watch", true);
        admin.configMaps().inNamespace(a).resource(jobs("team", Map.of("tick", "schedule: \"@every 1s\"\nhttp: {url: http://127.0.0.1:9/x}\n")))
                .create();
        admin.configMaps().inNamespace(b).resource(jobs("team", Map.of("tick", "schedule: \"@every 1s\"\nhttp: {url: http://127.0.0.1:9/x}\n")))
                .create();
        KubernetesClient client = cp.serviceAccountClient(home, "leasecron", "leasecron/pod-a");
        toClose.add(client);
        WatchedNamespaces watched = WatchedNamespaces.of(home, Optional.of(List.of("*")), Optional.of(selector));
        Permissions.check(client, home, watched);

        Node node = new Node(client, watched);
        assertEquals(List.of(a + "/team/tick"), node.jobs(), "only the labelled namespace, though the ClusterRole reads all");

        admin.namespaces().withName(b).edit(n -> {
            n.getMetadata().getLabels().put("leasecron.io/tenant-of", home);
            return n;
        });
        await(() -> node.jobs().size() == 2, "b, labelled now, had its jobs loaded");
        admin.namespaces().withName(a).edit(n -> {
            n.getMetadata().getLabels().remove("leasecron.io/tenant-of");
            return n;
        });
        await(() -> node.jobs().size() == 1, "a, no longer labelled, had its jobs unscheduled");
        assertEquals(List.of(b + "/team/tick"), node.jobs());
        node.run(Duration.ofMillis(2500));
        assertEquals(Map.of(b + "/team/tick", List.of("1s -", "2s -")), node.firedByJob());
    }

    /** A selector the API server cannot parse stops the replica at its start, with the server's reason. */
    @Test
    void a_malformed_selector_stops_the_replica_at_startup_with_the_servers_reason() throws Exception {
        String home = cp.createNamespace("bad-selector");
        Helm.pinned().run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", home,
                "--set", "jobNamespaces.names={*}", "--set", "jobNamespaces.selector=tenant").ok("helm install with a selector");
        cp.awaitAuthorized(home, "leasecron", "", "namespaces", "list", true);
        KubernetesClient client = cp.serviceAccountClient(home, "leasecron", "leasecron/pod-a");
        toClose.add(client);
        WatchedNamespaces watched = WatchedNamespaces.of(home, Optional.of(List.of("*")), Optional.of("tenant in (a"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Node(client, watched));
        assertTrue(e.getMessage().startsWith("LEASECRON_NAMESPACE_SELECTOR \"tenant in (a\" is not a label selector the API"
                + " server accepts (") && e.getMessage().endsWith("); write it like leasecron.io/tenant=true or team in (a,b)"),
                e.getMessage());
    }
}
