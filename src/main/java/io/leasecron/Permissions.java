package io.leasecron;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.job.WatchedNamespaces;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Asks the API server, before anything starts, whether this service account may do everything docs/rbac.md lists,
 * so that a missing verb stops the replica at startup with the list of what is missing, instead of a replica that
 * runs and silently never becomes leader or never sees its jobs.
 */
final class Permissions {
    private static final Logger LOG = Logger.getLogger(Permissions.class);

    /** group, resource, verb: in the service's namespace. */
    static final String[][] LEASE = {
        {"coordination.k8s.io", "leases", "get"}, {"coordination.k8s.io", "leases", "list"},
        {"coordination.k8s.io", "leases", "watch"}, {"coordination.k8s.io", "leases", "create"},
        {"coordination.k8s.io", "leases", "update"},
    };
    /**
     * In the service's namespace, for the job status ({@code <lease>-status-<n>}): list and watch them, create them; get
     * and update are narrowed to the shards' names, so they are asked for the first and the last shard.
     */
    static final String[][] STATUS = {{"", "configmaps", "list"}, {"", "configmaps", "watch"}, {"", "configmaps", "create"}};
    static final String[] STATUS_NAMED = {"get", "update"};
    /** In every namespace jobs are read from (cluster-wide when all are). */
    static final String[][] JOBS = {{"", "configmaps", "list"}, {"", "configmaps", "watch"}, {"", "events", "create"}};
    /** Cluster-wide, with a namespace selector. */
    static final String[][] SELECTOR = {{"", "namespaces", "list"}, {"", "namespaces", "watch"}};
    /** What the default (jobs in the service's namespace) needs there: the Role of k8s/rbac.yaml (without resource names). */
    static final String[][] REQUIRED = java.util.stream.Stream.of(Arrays.stream(LEASE), Arrays.stream(STATUS),
            Arrays.stream(STATUS_NAMED).map(v -> new String[] {"", "configmaps", v}), Arrays.stream(JOBS))
            .flatMap(s -> s).toArray(String[][]::new);
    /** The Lease's name and shard count of k8s/rbac.yaml (the chart's defaults), for the checks that do not say. */
    static final String DEFAULT_LEASE = "leasecron";

    private Permissions() {
    }

    private static void ask(Map<String, String[]> questions, String namespace, String[] rule, String name) {
        String[] q = {namespace, rule[0], rule[1], rule[2], name};
        questions.putIfAbsent(String.join("\n", q), q);
    }

    /** {@link #check(KubernetesClient, String, WatchedNamespaces)} for jobs in the service's namespace. */
    static void check(KubernetesClient client, String namespace) {
        check(client, namespace, WatchedNamespaces.own(namespace));
    }

    /**
     * Throws with every missing permission, by namespace: the Lease's in the service's namespace, the jobs' in each
     * namespace jobs are read from (cluster-wide for all of them). Logs and goes on when the API cannot answer the
     * question itself.
     */
    static void check(KubernetesClient client, String namespace, WatchedNamespaces jobs) {
        check(client, namespace, jobs, DEFAULT_LEASE, io.leasecron.observe.ClusterStatus.Settings.DEFAULTS.shards());
    }

    /**
     * As {@link #check(KubernetesClient, String, WatchedNamespaces)}, with the job status rules for the shards of Lease
     * {@code lease}: {@code <lease>-status-0} to {@code <lease>-status-<shards - 1>}.
     */
    static void check(KubernetesClient client, String namespace, WatchedNamespaces jobs, String lease, int shards) {
        // By namespace ("" for cluster-wide): what is missing there.
        Map<String, List<String>> missing = new LinkedHashMap<>();
        // namespace, group, resource, verb, name ("" for any); a question asked twice is asked once.
        Map<String, String[]> questions = new LinkedHashMap<>();
        for (String[] r : LEASE) {
            ask(questions, namespace, r, "");
        }
        for (String[] r : STATUS) {
            ask(questions, namespace, r, "");
        }
        List<String> named = new ArrayList<>(shards == 1 ? List.of(lease + "-status-0")
                : List.of(lease + "-status-0", lease + "-status-" + (shards - 1)));
        named.add(lease + "-runs"); // manual runs and pauses (control.KubernetesControlStore)
        named.add(lease + "-pauses");
        for (String shard : named) {
            for (String verb : STATUS_NAMED) {
                ask(questions, namespace, new String[] {"", "configmaps", verb}, shard);
            }
        }
        for (String ns : jobs.all() ? List.of("") : jobs.each()) {
            for (String[] r : JOBS) {
                ask(questions, ns, r, "");
            }
        }
        if (jobs.selector().isPresent()) {
            for (String[] r : SELECTOR) {
                ask(questions, "", r, "");
            }
        }
        for (String[] q : questions.values()) {
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                    .withNamespace(q[0].isEmpty() ? null : q[0]).withGroup(q[1]).withResource(q[2]).withVerb(q[3])
                    .withName(q[4].isEmpty() ? null : q[4]).endResourceAttributes().endSpec().build();
            try {
                SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
                if (answer.getStatus() == null) {
                    LOG.debugf("the API server gave no answer for %s %s; permissions not checked", q[3], q[2]);
                    return; // not a real API server (a test double): nothing to conclude
                }
                if (!Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                    missing.computeIfAbsent(q[0], k -> new ArrayList<>()).add(q[3] + " " + q[2] + (q[1].isEmpty() ? "" : "." + q[1])
                            + (q[4].isEmpty() ? "" : "/" + q[4]));
                }
            } catch (KubernetesClientException e) {
                LOG.warnf("cannot check permissions (HTTP %d: %s); starting anyway", e.getCode(), e.getMessage());
                return;
            }
        }
        if (!missing.isEmpty()) {
            List<String> where = new ArrayList<>();
            missing.forEach((ns, verbs) -> where.add(String.join(", ", verbs) + (ns.isEmpty() ? " cluster-wide" : " in namespace " + ns)));
            throw new IllegalStateException("the service account may not " + String.join("; ", where) + "; grant them with "
                    + (jobs.qualified() ? "the Helm chart's RBAC for value namespaces" : "the Role in k8s/rbac.yaml")
                    + " (docs/rbac.md explains each rule)");
        }
    }
}
