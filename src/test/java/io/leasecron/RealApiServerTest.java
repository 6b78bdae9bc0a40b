package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.leasecron.engine.EngineSettings;
import io.leasecron.execution.Fire;
import io.leasecron.execution.KubernetesJobRunner;
import io.leasecron.execution.RunResult;
import io.leasecron.helm.Helm;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.KubernetesLeaseStore;
import io.leasecron.leader.LeaderElector;
import io.leasecron.leader.LeaseRecord;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.leader.LeaseStore.Conflict;
import io.leasecron.leader.LeaseStore.LeaseStoreException;
import io.leasecron.testing.Await;
import io.leasecron.testing.Closer;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.RealControlPlane;
import io.leasecron.testing.RealControlPlane.Grant;
import io.leasecron.testing.RealControlPlane.OptionalRule;
import io.leasecron.testing.TcpProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a real kube-apiserver v1.33 and etcd ({@link RealControlPlane}): what the Fabric8 mock server cannot tell,
 * namely whether the documented Role is enough and exactly enough, whether a ServiceAccount token from the
 * TokenRequest API works, what the server's own validation and optimistic concurrency answer, how an informer
 * survives a watch that expired, and whether {@code kubectl apply --server-side} and edits reach the engine.
 *
 * <p>Replicas are driven by hand with fake clocks, as in {@link ReplicasTest}; the only waits are for the informer
 * threads, each until an exact condition holds.
 */
class RealApiServerTest {
    private static final Logger LOG = Logger.getLogger(RealApiServerTest.class);
    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z"); // a Tuesday
    static final Duration STEP = Duration.ofMillis(100);
    static final String LEASE = "leasecron";

    RealControlPlane cp;
    final Closer toClose = new Closer();

    /** Per test, so that a skip (LEASECRON_SKIP_REAL_API=1) or a failure is reported on every test, not hidden. */
    @BeforeEach
    void controlPlane() {
        cp = RealControlPlane.shared();
    }

    @AfterEach
    void close() {
        toClose.close();
    }

    <T extends AutoCloseable> T closing(T c) {
        return toClose.add(c);
    }

    /** One fire as the action saw it. */
    record Fired(String job, Instant slot, String replica, long term) {
    }

    /** A whole replica with its own fake clock and API client; every fire is recorded, none is executed. */
    final class Node {
        final FakeClock clock;
        final List<Fired> fired = new CopyOnWriteArrayList<>();
        final Replica replica;

        Node(String namespace, String identity, KubernetesClient client) throws Exception {
            this(namespace, identity, client, T0);
        }

        Node(String namespace, String identity, KubernetesClient client, Instant start) throws Exception {
            clock = new FakeClock(start);
            var parts = new Replica.Parts(identity, clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(), (s, c, n) -> fire -> {
                fired.add(new Fired(fire.spec().id().toString(), fire.slot(), fire.replica(), fire.term()));
                return CompletableFuture.completedFuture(new RunResult.Succeeded("recorded"));
            }, Runnable::run, io.leasecron.job.JobSpecParser.Options.DEFAULT);
            replica = closing(Replica.kubernetes(parts, client, settings(namespace, LEASE, identity)));
            replica.start(false);
            await(replica::jobsLoaded, identity + " loaded its jobs");
        }

        /** Moves this replica's clock on by {@code d} in steps, taking one turn per step. */
        void run(Duration d) {
            Instant until = clock.now().plus(d);
            while (clock.now().isBefore(until)) {
                clock.advance(STEP);
                replica.step();
            }
        }

        LeaderElector elector() {
            return replica.elector().orElseThrow();
        }

        Set<String> jobs() {
            return replica.catalogue().entries().stream().map(e -> e.id().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Short timings, as in ReplicasTest: lease 3 s, renew deadline 2 s, retry period 500 ms. */
    static LeaseSettings settings(String namespace, String lease, String identity) {
        return new LeaseSettings(namespace, lease, identity, Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500),
                Duration.ZERO);
    }

    /** Waits for something another thread does (an informer delivering), never for the scheduler. */
    static void await(BooleanSupplier condition, String what) {
        Await.until(condition, what, Duration.ofSeconds(20));
    }

    static ConfigMap jobs(String name, Map<String, String> data) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).addToLabels("leasecron.io/jobs", "true").endMetadata()
                .withData(data).build();
    }

    static String every(String schedule, String url) {
        return "schedule: \"" + schedule + "\"\nhttp: {url: \"" + url + "\"}\n";
    }

    static List<Instant> seconds(int from, int through) {
        List<Instant> out = new ArrayList<>();
        for (int s = from; s <= through; s++) {
            out.add(T0.plusSeconds(s));
        }
        return out;
    }

    static Map<String, List<Instant>> slotsByJob(List<Fired> fired) {
        return fired.stream().collect(Collectors.groupingBy(Fired::job, TreeMap::new,
                Collectors.mapping(Fired::slot, Collectors.toList())));
    }

    static String missingMessage(String namespace, String missing) {
        return "the service account may not " + missing + " in namespace " + namespace
                + "; grant them with the Role in k8s/rbac.yaml (docs/rbac.md explains each rule)";
    }

    // ---------------------------------------------------------------- RBAC: the documented Role, exactly

    @Test
    void a_replica_with_a_service_account_token_and_the_documented_role_leads_fires_and_reports() throws Exception {
        String ns = cp.createNamespace("documented-role");
        cp.applyRbac(ns);
        KubernetesClient admin = cp.admin();
        admin.configMaps().inNamespace(ns).resource(jobs("team", Map.of(
                "tick", every("@every 1s", "http://127.0.0.1:9/tick"),
                "broken", every("61 * * * *", "http://127.0.0.1:9/broken")))).create();
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));

        Permissions.check(client, ns); // throws if anything in docs/rbac.md is not granted

        Node a = new Node(ns, "pod-a", client);
        a.run(Duration.ofMillis(5500));

        assertTrue(a.elector().isLeader(), "pod-a leads");
        assertEquals(List.of("team/broken", "team/tick"), List.copyOf(a.jobs()));
        assertEquals(Map.of("team/tick", seconds(1, 5)), slotsByJob(a.fired), "every slot of the job fired once, in order");
        assertEquals(Set.of("pod-a/term 1"), a.fired.stream().map(f -> f.replica() + "/term " + f.term()).collect(Collectors.toSet()));

        Lease lease = admin.leases().inNamespace(ns).withName(LEASE).get();
        assertEquals("pod-a", lease.getSpec().getHolderIdentity());
        assertEquals(3, lease.getSpec().getLeaseDurationSeconds());
        assertEquals(0, lease.getSpec().getLeaseTransitions());
        assertEquals("1", lease.getMetadata().getAnnotations().get(LeaseRecord.TERM));
        assertEquals("2026-12-01T10:00:05Z", lease.getMetadata().getAnnotations().get(LeaseRecord.CLAIMED_UNTIL));
        assertEquals("2026-12-01T10:00:05Z", lease.getMetadata().getAnnotations().get(LeaseRecord.DISPATCHED_THROUGH));

        // events create, granted by the Role: the new leader reported the invalid job on its ConfigMap.
        a.replica.events().orElseThrow().flush(5000);
        assertEquals(1, a.replica.events().orElseThrow().emitted());
        var events = admin.v1().events().inNamespace(ns).list().getItems();
        assertEquals(1, events.size());
        assertEquals("InvalidJobSpec", events.get(0).getReason());
        assertEquals("ConfigMap", events.get(0).getInvolvedObject().getKind());
        assertEquals("team", events.get(0).getInvolvedObject().getName());
        assertEquals("data.broken", events.get(0).getInvolvedObject().getFieldPath());
        assertEquals("team/broken: schedule \"61 * * * *\": minute 61 is out of range 0-59 (the job is not scheduled)",
                events.get(0).getMessage());
        assertEquals("pod-a", events.get(0).getReportingInstance());

        // A graceful stop releases the Lease with an update the Role allows, keeping the fencing record.
        a.replica.shutdown(Duration.ofSeconds(1));
        Lease released = admin.leases().inNamespace(ns).withName(LEASE).get();
        assertNull(released.getSpec().getHolderIdentity(), "released");
        assertEquals("1", released.getMetadata().getAnnotations().get(LeaseRecord.TERM));
        assertEquals("2026-12-01T10:00:05Z", released.getMetadata().getAnnotations().get(LeaseRecord.DISPATCHED_THROUGH));

        // The next replica takes over at once, fires only after the released claim, and reports the same broken job
        // again: the server refuses the duplicate Event (same name), so there is still exactly one.
        AtomicInteger eventPosts = new AtomicInteger();
        Node b = new Node(ns, "pod-b", closing(cp.client(cp.apiUrl(), cp.token(ns, "leasecron"), ns, "leasecron/pod-b",
                new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        if (request.method().equals("POST") && request.uri().getPath().endsWith("/events")) {
                            eventPosts.incrementAndGet();
                        }
                    }
                })), a.clock.now());
        b.run(Duration.ofMillis(1600));
        assertTrue(b.elector().isLeader(), "pod-b leads");
        assertEquals(Map.of("team/tick", seconds(6, 7)), slotsByJob(b.fired));
        assertEquals(Set.of("pod-b/term 2"), b.fired.stream().map(f -> f.replica() + "/term " + f.term()).collect(Collectors.toSet()));
        Lease taken = admin.leases().inNamespace(ns).withName(LEASE).get();
        assertEquals("pod-b", taken.getSpec().getHolderIdentity());
        assertEquals(1, taken.getSpec().getLeaseTransitions());
        assertEquals("2", taken.getMetadata().getAnnotations().get(LeaseRecord.TERM));
        b.replica.events().orElseThrow().flush(5000);
        assertEquals(1, eventPosts.get(), "pod-b reported the broken job when it took over");
        assertEquals(0, b.replica.events().orElseThrow().emitted(), "refused as a duplicate (409)");
        assertEquals(0, b.replica.events().orElseThrow().failures(), "a duplicate is not a failure");
        assertEquals(1, admin.v1().events().inNamespace(ns).list().getItems().size());
    }

    @Test
    void without_update_on_leases_the_startup_check_names_that_verb_and_the_server_forbids_renewals() throws Exception {
        String ns = cp.createNamespace("no-lease-update");
        cp.applyRbac(ns, new Grant("leases", "update"));
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Permissions.check(client, ns));
        assertEquals(missingMessage(ns, "update leases.coordination.k8s.io"), e.getMessage());

        // What the check predicted is what the server does: create works, the first renewal is forbidden.
        var store = new KubernetesLeaseStore(client, ns, LEASE);
        LeaseRecord created = store.create(new LeaseRecord("pod-a", 3, T0, T0, 0, 1, null, null, null));
        LeaseStoreException denied = assertThrows(LeaseStoreException.class, () -> store.update(
                new LeaseRecord("pod-a", 3, T0, T0.plusSeconds(1), 0, 1, null, null, created.resourceVersion())));
        assertEquals("cannot update lease " + ns + "/leasecron: forbidden: grant get, create, update, list and watch on "
                + "leases.coordination.k8s.io (docs/rbac.md)", denied.getMessage());
    }

    @Test
    void without_create_on_events_the_startup_check_names_that_verb_and_the_server_refuses_events() throws Exception {
        String ns = cp.createNamespace("no-events");
        io.fabric8.kubernetes.api.model.rbac.Role role = cp.applyRbac(ns, new Grant("events", "create"));
        assertEquals(4, role.getRules().size(), "the events rule had only this verb and is gone");
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Permissions.check(client, ns));
        assertEquals(missingMessage(ns, "create events"), e.getMessage());

        KubernetesClientException denied = assertThrows(KubernetesClientException.class, () -> client.v1().events()
                .inNamespace(ns).resource(new EventBuilder().withNewMetadata().withName("probe").endMetadata()
                        .withNewInvolvedObject().withKind("ConfigMap").withName("team").withNamespace(ns).endInvolvedObject()
                        .withReason("Probe").withMessage("probe").build()).create());
        assertEquals(403, denied.getCode());
    }

    @Test
    void a_service_account_without_the_role_is_told_every_missing_verb() throws Exception {
        String ns = cp.createNamespace("no-role");
        cp.createServiceAccount(ns, "leasecron");
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Permissions.check(client, ns));
        assertEquals(missingMessage(ns, "get leases.coordination.k8s.io, list leases.coordination.k8s.io, "
                + "watch leases.coordination.k8s.io, create leases.coordination.k8s.io, update leases.coordination.k8s.io, "
                + "list configmaps, watch configmaps, create configmaps, get configmaps/leasecron-status-0, "
                + "update configmaps/leasecron-status-0, get configmaps/leasecron-status-15, update configmaps/leasecron-status-15, "
                + "get configmaps/leasecron-runs, update configmaps/leasecron-runs, get configmaps/leasecron-pauses, "
                + "update configmaps/leasecron-pauses, create events"), e.getMessage());
    }

    /**
     * The Role as users get it from {@code helm install}, with one verb taken away afterwards (as a hand-edited or
     * outdated Role would be): the service's startup check, with a token of the chart's ServiceAccount, names exactly
     * that verb, so the replica stops at startup instead of running without ever seeing its jobs.
     */
    @Test
    void the_charts_role_without_watch_on_configmaps_fails_the_startup_check_naming_that_verb() throws Exception {
        String ns = cp.createNamespace("chart-role");
        Helm.pinned().run(cp.adminKubeconfig(), "install", "leasecron", "helm/leasecron", "--namespace", ns).ok("helm install");
        cp.awaitGranted(ns, "leasecron", cp.admin().rbac().roles().inNamespace(ns).withName("leasecron").get());
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));
        Permissions.check(client, ns); // the chart's Role as installed: everything granted

        cp.admin().rbac().roles().inNamespace(ns).withName("leasecron").edit(role -> {
            role.getRules().stream().filter(r -> r.getResources().contains("configmaps") && r.getVerbs().contains("watch"))
                    .forEach(r -> r.setVerbs(List.of("list")));
            return role;
        });
        cp.awaitAuthorized(ns, "leasecron", "", "configmaps", "watch", false);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Permissions.check(client, ns));
        assertEquals(missingMessage(ns, "watch configmaps"), e.getMessage());
    }

    // ---------------------------------------------------------------- kubernetesJob actions

    /**
     * A {@code kubernetesJob} action whose service account has exactly the chart's Role with
     * {@code kubernetesJob.enabled=true} (create, list, watch, delete on jobs.batch; no get): one Job per slot under a
     * deterministic name, a second creation for that slot refused by the server and followed as the same run, the
     * outcome taken from the Job's status, and the history limits applied after each run. No controller-manager runs
     * here, so the test plays the Job controller and writes each Job's status through the status subresource.
     */
    @Test
    void a_kubernetes_job_action_with_the_documented_job_rule_creates_follows_and_cleans_up_jobs() throws Exception {
        String ns = cp.createNamespace("kubernetes-jobs");
        cp.applyRbac(ns, Set.of(OptionalRule.KUBERNETES_JOBS));
        KubernetesClient admin = cp.admin();
        List<String> refusals = new CopyOnWriteArrayList<>(); // every answer of 400 or more either replica got
        Interceptor refused = new Interceptor() {
            @Override
            public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
                if (response.code() >= 400) {
                    refusals.add(request.header("User-Agent") + " " + request.method() + " " + request.uri().getPath() + " "
                            + response.code());
                }
            }
        };
        KubernetesClient a = closing(cp.client(cp.apiUrl(), cp.token(ns, "leasecron"), ns, "leasecron/pod-a", refused));
        KubernetesClient b = closing(cp.client(cp.apiUrl(), cp.token(ns, "leasecron"), ns, "leasecron/pod-b", refused));
        KubernetesJobRunner runnerA = closing(new KubernetesJobRunner(a, ns));
        KubernetesJobRunner runnerB = closing(new KubernetesJobRunner(b, ns));
        JobSpec spec = Jobs.spec("reports/nightly", "schedule: \"0 3 * * *\"\nkubernetesJob:\n  successfulJobsHistoryLimit: 2\n"
                + "  failedJobsHistoryLimit: 1\n  template:\n    spec:\n      backoffLimit: 0\n      template:\n        spec:\n"
                + "          containers: [{name: report, image: busybox:1.36, args: [echo, hi]}]\n");
        Instant day0 = Instant.parse("2026-12-01T03:00:00Z");
        var jobs = admin.batch().v1().jobs().inNamespace(ns);

        CompletableFuture<RunResult> first = runnerA.start(new Fire(spec, day0, 1, 3, "pod-a"));
        String name = "reports-nightly-9710b5-tpcj00";
        assertEquals(name, KubernetesJobRunner.jobName(spec.id(), day0, 1), "the name is a function of the job and the slot");
        await(() -> jobs.withName(name).get() != null, "Job " + name + " was created");
        Job created = jobs.withName(name).get();
        assertEquals("3", created.getMetadata().getAnnotations().get("leasecron.io/term"));
        assertEquals("pod-a", created.getMetadata().getAnnotations().get("leasecron.io/replica"));
        assertEquals("reports.nightly", created.getMetadata().getLabels().get(KubernetesJobRunner.JOB_LABEL));

        // The same slot again, on another replica: the server refuses the creation, and the fire follows the Job.
        CompletableFuture<RunResult> second = runnerB.start(new Fire(spec, day0, 1, 4, "pod-b"));
        String refusal = "leasecron/pod-b POST /apis/batch/v1/namespaces/" + ns + "/jobs 409";
        await(() -> refusals.contains(refusal), "pod-b's creation was refused");
        assertFalse(first.isDone(), "running until the Job finishes");
        finish(admin, ns, name, true);
        assertEquals(new RunResult.Succeeded("Job " + name + " completed"), first.get(20, TimeUnit.SECONDS));
        assertEquals(first.get(), second.get(20, TimeUnit.SECONDS), "the refused creation is the same run, not a failure");
        assertEquals(List.of(name), jobNames(admin, ns), "exactly one Job for the slot");

        // Four more days, failed, failed, succeeded, succeeded: after each outcome the runner applies the limits itself.
        List<Boolean> succeeded = List.of(false, false, true, true);
        for (int day = 1; day <= 4; day++) {
            Instant slot = day0.plus(Duration.ofDays(day));
            String n = KubernetesJobRunner.jobName(spec.id(), slot, 1);
            CompletableFuture<RunResult> run = runnerA.start(new Fire(spec, slot, 1, 3, "pod-a"));
            await(() -> jobs.withName(n).get() != null, "Job " + n + " was created");
            finish(admin, ns, n, succeeded.get(day - 1));
            assertEquals(succeeded.get(day - 1) ? new RunResult.Succeeded("Job " + n + " completed")
                    : new RunResult.Failed("Job " + n + " failed: BackoffLimitExceeded (Job has reached the specified backoff limit)"),
                    run.get(20, TimeUnit.SECONDS));
        }
        List<String> kept = java.util.stream.Stream.of(2, 3, 4)
                .map(d -> KubernetesJobRunner.jobName(spec.id(), day0.plus(Duration.ofDays(d)), 1)).sorted().toList();
        await(() -> jobNames(admin, ns).equals(kept), "only the newest failed Job (day 2) and the two newest successful ones "
                + "(days 3, 4) are left");
        assertEquals(List.of(refusal), refusals, "the only refusal was the duplicate creation: nothing the Role does not grant was asked");
    }

    static List<String> jobNames(KubernetesClient admin, String ns) {
        return admin.batch().v1().jobs().inNamespace(ns).list().getItems().stream().map(j -> j.getMetadata().getName()).sorted()
                .toList();
    }

    /** What the Job controller writes when a Job ends (the server checks these fields are consistent). */
    static void finish(KubernetesClient admin, String ns, String name, boolean succeeded) {
        Job j = admin.batch().v1().jobs().inNamespace(ns).withName(name).get();
        String now = java.time.format.DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        JobStatusBuilder status = new JobStatusBuilder().withStartTime(now).withActive(0).withReady(0).withTerminating(0);
        if (succeeded) {
            status.withSucceeded(1).withCompletionTime(now)
                    .addToConditions(condition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now))
                    .addToConditions(condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", now));
        } else {
            status.withFailed(1)
                    .addToConditions(condition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now))
                    .addToConditions(condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now));
        }
        j.setStatus(status.build());
        admin.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
    }

    static io.fabric8.kubernetes.api.model.batch.v1.JobCondition condition(String type, String reason, String message, String now) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason(reason).withMessage(message)
                .withLastProbeTime(now).withLastTransitionTime(now).build();
    }

    // ---------------------------------------------------------------- watches that expire

    /**
     * A replica cut off from the API server while its job ConfigMaps change many times, and etcd compacts the
     * history it would resume from: on reconnecting, its watch is answered 410 Gone, the informer lists again, and
     * the catalogue ends up exactly at the ConfigMaps' state, every job once. Its own control plane, without the
     * watch cache (whose history would otherwise serve the old resourceVersion), so the 410 is certain.
     */
    @Test
    void an_expired_config_map_watch_relists_and_every_edit_made_meanwhile_reaches_the_catalogue_once() throws Exception {
        RealControlPlane own = closing(RealControlPlane.startDedicated("no-watch-cache", "--watch-cache=false"));
        String ns = own.createNamespace("relist");
        own.applyRbac(ns);
        KubernetesClient admin = own.admin();
        var cms = admin.configMaps().inNamespace(ns);
        cms.resource(jobs("alpha", Map.of("a1", every("@every 1s", "http://127.0.0.1:9/a1?v=0"),
                "a2", every("@every 1s", "http://127.0.0.1:9/a2")))).create();
        cms.resource(jobs("beta", Map.of("b1", every("@every 1s", "http://127.0.0.1:9/b1")))).create();

        TcpProxy proxy = closing(new TcpProxy("127.0.0.1", own.apiPort()));
        AtomicInteger configMapLists = new AtomicInteger();
        Interceptor counter = new Interceptor() {
            @Override
            public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                String query = request.uri().getQuery();
                // The job ConfigMaps' lists only (the status and control informers list their own).
                if (request.method().equals("GET") && request.uri().getPath().endsWith("/configmaps")
                        && query != null && query.contains("leasecron.io/jobs") && !query.contains("watch=true")) {
                    configMapLists.incrementAndGet();
                }
            }
        };
        KubernetesClient client = closing(own.client("https://127.0.0.1:" + proxy.port(), own.token(ns, "leasecron"), ns,
                "leasecron/pod-a", counter));
        Node a = new Node(ns, "pod-a", client);
        assertEquals(1, configMapLists.get(), "the informer's first list");
        a.run(Duration.ofMillis(2050));
        assertEquals(Map.of("alpha/a1", seconds(1, 2), "alpha/a2", seconds(1, 2), "beta/b1", seconds(1, 2)), slotsByJob(a.fired));

        proxy.cut();
        for (int v = 1; v <= 30; v++) { // thirty edits of one job while the replica sees nothing
            String a1 = every("@every 1s", "http://127.0.0.1:9/a1?v=" + v);
            cms.withName("alpha").edit(cm -> new ConfigMapBuilder(cm).addToData("a1", a1).build());
        }
        cms.withName("alpha").edit(cm -> new ConfigMapBuilder(cm).removeFromData("a2")
                .addToData("a3", every("@every 1s", "http://127.0.0.1:9/a3")).build());
        cms.withName("beta").delete();
        cms.resource(jobs("gamma", Map.of("g1", every("@every 1s", "http://127.0.0.1:9/g1")))).create();
        String finalA1 = every("@every 1s", "http://127.0.0.1:9/a1?v=30");
        long compacted = own.compactEtcd();
        assertTrue(a.jobs().contains("beta/b1"), "nothing reached the replica while it was cut off");
        proxy.restore();

        Set<String> expected = new TreeSet<>(List.of("alpha/a1", "alpha/a3", "gamma/g1"));
        await(() -> a.jobs().equals(expected) && a.replica.jobsLoaded(), "the catalogue holds exactly the ConfigMaps' jobs");
        LOG.infof("relisted after etcd was compacted at revision %d: %d ConfigMap lists", compacted, configMapLists.get());
        assertEquals(2, configMapLists.get(), "the informer listed once more, after its watch expired (410 Gone)");
        assertEquals(finalA1, a.replica.catalogue().entry(JobId.parse("alpha/a1")).map(JobCatalogue.Entry::text).orElseThrow());
        assertEquals(3, a.replica.engine().jobCount(), "the engine schedules exactly those jobs");

        a.fired.clear();
        a.run(Duration.ofSeconds(3));
        assertEquals(Map.of("alpha/a1", seconds(3, 5), "alpha/a3", seconds(3, 5), "gamma/g1", seconds(3, 5)), slotsByJob(a.fired),
                "after the relist every job fires once per slot; the deleted ones never");
        assertEquals(2, configMapLists.get(), "no further list");
    }

    // ---------------------------------------------------------------- kubectl

    /**
     * What a service team does: {@code kubectl apply --server-side} (twice: the second apply drops a key, which
     * server-side apply removes because this manager owned it), then an edit through get / replace, then a
     * patch. Each reaches the catalogue and the engine's next run.
     */
    @Test
    void kubectl_server_side_apply_replace_and_patch_reach_the_engine() throws Exception {
        String ns = cp.createNamespace("kubectl");
        cp.applyRbac(ns);
        Node a = new Node(ns, "pod-a", closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a")));
        JobId report = JobId.parse("billing/report");
        JobId cleanup = JobId.parse("billing/cleanup");

        cp.kubectl(manifest(ns, "*/5 * * * *", true), "-n", ns, "apply", "--server-side", "--field-manager=team-billing", "-f", "-");
        await(() -> schedule(a, report).equals(Optional.of("*/5 * * * *")) && a.jobs().contains(cleanup.toString()), "the applied jobs");
        assertEquals(T0.plusSeconds(5 * 60), next(a, report));
        assertEquals(Instant.parse("2026-12-02T03:00:00Z"), next(a, cleanup));

        cp.kubectl(manifest(ns, "*/10 * * * *", false), "-n", ns, "apply", "--server-side", "--field-manager=team-billing", "-f", "-");
        await(() -> schedule(a, report).equals(Optional.of("*/10 * * * *")) && !a.jobs().contains(cleanup.toString()),
                "the second apply");
        assertEquals(T0.plusSeconds(10 * 60), next(a, report));
        assertEquals(Optional.empty(), a.replica.engine().status(cleanup), "the dropped key is unscheduled");

        String yaml = cp.kubectl(null, "-n", ns, "get", "configmap", "billing", "-o", "yaml");
        assertTrue(yaml.contains("*/10 * * * *"), yaml);
        cp.kubectl(yaml.replace("*/10 * * * *", "0 12 * * *"), "-n", ns, "replace", "-f", "-");
        await(() -> schedule(a, report).equals(Optional.of("0 12 * * *")), "the replaced ConfigMap");
        assertEquals(Instant.parse("2026-12-01T12:00:00Z"), next(a, report));

        cp.kubectl(null, "-n", ns, "patch", "configmap", "billing", "--type=merge", "-p",
                "{\"data\":{\"report\":\"schedule: \\\"30 6 * * 1-5\\\"\\nhttp: {url: \\\"http://127.0.0.1:9/report\\\"}\\n\"}}");
        await(() -> schedule(a, report).equals(Optional.of("30 6 * * 1-5")), "the patch");
        assertEquals(Instant.parse("2026-12-02T06:30:00Z"), next(a, report), "Wednesday 06:30 UTC");
        assertEquals(List.of("billing/report"), List.copyOf(a.jobs()));
        assertEquals(1, a.replica.engine().jobCount());
    }

    static String manifest(String ns, String reportSchedule, boolean withCleanup) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: billing\n  namespace: " + ns + "\n  labels:\n"
                + "    leasecron.io/jobs: \"true\"\ndata:\n  report: |\n    schedule: \"" + reportSchedule + "\"\n"
                + "    http: {url: \"http://127.0.0.1:9/report\"}\n"
                + (withCleanup ? "  cleanup: |\n    schedule: \"0 3 * * *\"\n    http: {url: \"http://127.0.0.1:9/cleanup\"}\n" : "");
    }

    static Optional<String> schedule(Node n, JobId id) {
        return n.replica.catalogue().entry(id).flatMap(JobCatalogue.Entry::active).map(s -> s.scheduleText());
    }

    static Instant next(Node n, JobId id) {
        var status = n.replica.engine().status(id).orElseThrow();
        assertEquals(schedule(n, id).orElseThrow(), status.spec().scheduleText(), "the engine runs the catalogue's spec");
        return status.next().orElseThrow().time();
    }

    // ---------------------------------------------------------------- the Lease, judged by the server

    @Test
    void the_server_refuses_an_invalid_lease_and_the_lease_store_reports_its_message() throws Exception {
        String ns = cp.createNamespace("invalid-lease");
        cp.applyRbac(ns);
        var store = new KubernetesLeaseStore(closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a")), ns, LEASE);

        LeaseStoreException zero = assertThrows(LeaseStoreException.class,
                () -> store.create(new LeaseRecord("pod-a", 0, T0, T0, 0, 1, null, null, null)));
        assertEquals("cannot create lease " + ns + "/leasecron: HTTP 422: Lease.coordination.k8s.io \"leasecron\" is invalid: "
                + "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0", zero.getMessage());
        assertEquals(Optional.empty(), store.get(), "nothing was written");

        LeaseRecord valid = store.create(new LeaseRecord("pod-a", 3, T0, T0, 0, 1, null, null, null));
        LeaseStoreException negative = assertThrows(LeaseStoreException.class, () -> store.update(
                new LeaseRecord("pod-a", -5, T0, T0.plusSeconds(1), 0, 1, T0.plusSeconds(1), null, valid.resourceVersion())));
        assertEquals("cannot update lease " + ns + "/leasecron: HTTP 422: Lease.coordination.k8s.io \"leasecron\" is invalid: "
                + "spec.leaseDurationSeconds: Invalid value: -5: must be greater than 0", negative.getMessage());
        assertEquals(Optional.of(valid), store.get(), "the Lease is as it was");
    }

    @Test
    void a_stale_lease_update_is_a_409_conflict_on_the_real_server() throws Exception {
        String ns = cp.createNamespace("stale-lease");
        cp.applyRbac(ns);
        KubernetesClient client = closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-a"));
        var store = new KubernetesLeaseStore(client, ns, LEASE);
        LeaseRecord v1 = store.create(new LeaseRecord("pod-a", 3, T0, T0, 0, 1, null, null, null));
        LeaseRecord v2 = store.update(new LeaseRecord("pod-a", 3, T0, T0.plusSeconds(1), 0, 1, T0.plusSeconds(1), null,
                v1.resourceVersion()));

        Conflict stale = assertThrows(Conflict.class, () -> store.update(new LeaseRecord("pod-b", 3, T0, T0.plusSeconds(2), 1, 2,
                null, null, v1.resourceVersion())));
        assertEquals("lease " + ns + "/leasecron changed since resourceVersion " + v1.resourceVersion(), stale.getMessage());
        Conflict exists = assertThrows(Conflict.class, () -> store.create(new LeaseRecord("pod-b", 3, T0, T0, 0, 1, null, null, null)));
        assertEquals("lease " + ns + "/leasecron was created by another replica first", exists.getMessage());
        assertEquals(Optional.of(v2), store.get(), "the winner's write stands");

        // The server's own answer: 409 with reason Conflict (the Fabric8 mock server says Invalid).
        Lease raw = new LeaseBuilder().withNewMetadata().withName(LEASE).withNamespace(ns).withResourceVersion(v1.resourceVersion())
                .endMetadata().withNewSpec().withHolderIdentity("pod-b").withLeaseDurationSeconds(3).endSpec().build();
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.leases().inNamespace(ns).resource(raw).update());
        assertEquals(409, e.getCode());
        assertEquals("Conflict", e.getStatus().getReason());
        assertEquals("Operation cannot be fulfilled on leases.coordination.k8s.io \"leasecron\": the object has been modified; "
                + "please apply your changes to the latest version and try again", e.getStatus().getMessage());
    }

    /**
     * Two electors that decided on the same observation write at the same moment, five times on a Lease that does not
     * exist yet (both create) and five times on one whose holder stopped renewing (both update from the same
     * resourceVersion): every time exactly one leads, the other lost with a Conflict, and the Lease says who won.
     */
    @Test
    void two_electors_racing_for_the_same_lease_end_with_exactly_one_leader() throws Exception {
        String ns = cp.createNamespace("race");
        cp.applyRbac(ns);
        KubernetesClient admin = cp.admin();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        toClose.add(pool::shutdownNow);
        List<KubernetesClient> clients = List.of(closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-0")),
                closing(cp.serviceAccountClient(ns, "leasecron", "leasecron/pod-1")));
        List<String> winners = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            boolean takeover = round >= 5;
            String lease = (takeover ? "takeover-" : "create-") + round;
            long previousTerm = 0;
            if (takeover) { // held by a replica that has stopped renewing
                previousTerm = 7;
                new KubernetesLeaseStore(admin, ns, lease).create(new LeaseRecord("gone", 1, T0, T0, 0, previousTerm,
                        T0.plusSeconds(30), T0.plusSeconds(30), null));
            }
            List<FakeClock> clocks = List.of(new FakeClock(T0), new FakeClock(T0));
            List<LeaderElector> electors = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                electors.add(closing(new LeaderElector(new KubernetesLeaseStore(clients.get(i), ns, lease), settings(ns, lease, "pod-" + i),
                        clocks.get(i))));
            }
            for (LeaderElector e : electors) {
                e.step(); // each looks: nothing there / a holder seen just now
            }
            if (takeover) {
                clocks.forEach(c -> c.advance(Duration.ofSeconds(1))); // its lease duration, seen locally by both
            }
            CyclicBarrier together = new CyclicBarrier(2);
            List<Future<Long>> steps = new ArrayList<>();
            for (LeaderElector e : electors) {
                steps.add(pool.submit(() -> {
                    together.await(5, TimeUnit.SECONDS);
                    return e.step();
                }));
            }
            for (Future<Long> f : steps) {
                f.get(10, TimeUnit.SECONDS);
            }
            for (LeaderElector e : electors) {
                assertEquals(1, e.writes(), lease + ": both tried to take the Lease");
            }
            for (int turn = 0; turn < 4; turn++) { // a while later: the winner renews, the loser only looks
                for (int i = 0; i < 2; i++) {
                    clocks.get(i).advance(Duration.ofMillis(500));
                    electors.get(i).step();
                }
            }
            List<String> leaders = electors.stream().filter(LeaderElector::isLeader).map(e -> e.settings().identity()).toList();
            assertEquals(1, leaders.size(), lease + ": leaders " + leaders);
            LeaseRecord r = new KubernetesLeaseStore(admin, ns, lease).get().orElseThrow();
            assertEquals(leaders.get(0), r.holder(), lease);
            assertEquals(previousTerm + 1, r.term(), lease);
            assertEquals(takeover ? 1 : 0, r.transitions(), lease);
            for (LeaderElector e : electors) {
                assertEquals(previousTerm + 1, e.status().term(), lease + " as " + e.settings().identity() + " sees it");
                assertEquals(leaders.get(0), e.status().holderIdentity(), lease + " as " + e.settings().identity() + " sees it");
            }
            winners.add(leaders.get(0));
        }
        LOG.infof("lease races won by %s", winners);
    }
}
