package io.leasecron;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Asks the API server, before anything starts, whether this service account may do everything docs/rbac.md lists,
 * so that a missing verb stops the replica at startup with the list of what is missing, instead of a replica that
 * runs and silently never becomes leader or never sees its jobs.
 */
final class Permissions {
    private static final Logger LOG = Logger.getLogger(Permissions.class);

    /** group, resource, verb */
    static final String[][] REQUIRED = {
        {"coordination.k8s.io", "leases", "get"}, {"coordination.k8s.io", "leases", "list"},
        {"coordination.k8s.io", "leases", "watch"}, {"coordination.k8s.io", "leases", "create"},
        {"coordination.k8s.io", "leases", "update"}, {"", "configmaps", "list"}, {"", "configmaps", "watch"},
        {"", "events", "create"},
    };

    private Permissions() {
    }

    /** Throws with every missing permission; logs and goes on when the API cannot answer the question itself. */
    static void check(KubernetesClient client, String namespace) {
        List<String> missing = new ArrayList<>();
        for (String[] r : REQUIRED) {
            SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                    .withNamespace(namespace).withGroup(r[0]).withResource(r[1]).withVerb(r[2]).endResourceAttributes().endSpec()
                    .build();
            try {
                SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
                if (answer.getStatus() == null) {
                    LOG.debugf("the API server gave no answer for %s %s; permissions not checked", r[2], r[1]);
                    return; // not a real API server (a test double): nothing to conclude
                }
                if (!Boolean.TRUE.equals(answer.getStatus().getAllowed())) {
                    missing.add(r[2] + " " + r[1] + (r[0].isEmpty() ? "" : "." + r[0]));
                }
            } catch (KubernetesClientException e) {
                LOG.warnf("cannot check permissions (HTTP %d: %s); starting anyway", e.getCode(), e.getMessage());
                return;
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the service account may not " + String.join(", ", missing) + " in namespace "
                    + namespace + "; grant them with the Role in k8s/rbac.yaml (docs/rbac.md explains each rule)");
        }
    }
}
