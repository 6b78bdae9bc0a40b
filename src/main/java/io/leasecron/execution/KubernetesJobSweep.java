package io.leasecron.execution;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.KubernetesJobAction;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The periodic sweep of the {@code batch/v1} Jobs this service created, for what the clean-up after each run cannot
 * catch: a replica that crashed between a Job's end and its clean-up, and the Jobs of a leasecron job that was deleted
 * from its ConfigMap (or no longer has a {@code kubernetesJob} action). One list per watched namespace per sweep (by the
 * label {@code app.kubernetes.io/managed-by=leasecron}; one list in all when every namespace is watched, of which only
 * the namespaces the sources admit count), then one delete per Job it removes; the leader alone sweeps. The Jobs of a
 * namespace whose ConfigMaps are not read (another release's, or the service's own when it is not watched) are never
 * touched.
 *
 * <p>Per leasecron job, by the namespace and {@code leasecron.io/job} label of its Jobs (what
 * {@link KubernetesJobRunner#jobLabel} keeps through a change of the namespace setting, unlike the id):
 * <ul>
 * <li>a job with a {@code kubernetesJob} action (its current spec, or the last valid one after a broken edit): finished
 * Jobs beyond {@code successfulJobsHistoryLimit} / {@code failedJobsHistoryLimit} are deleted, newest kept;</li>
 * <li>a job no longer in any ConfigMap, or no longer a {@code kubernetesJob}: its finished Jobs are deleted, its running
 * ones are left to finish (deleting a ConfigMap key must not kill work in progress) and swept once finished;</li>
 * <li>a job whose text is invalid and that never had a valid version: nothing is deleted (its intent is unknown).</li>
 * </ul>
 * Jobs without the label or the {@code leasecron.io/job-id} annotation are not this service's and are never touched, nor
 * are those whose annotation names an id of another namespace than theirs.
 */
public final class KubernetesJobSweep {
    private static final Logger LOG = Logger.getLogger(KubernetesJobSweep.class);
    static final String JOB_ID = "leasecron.io/job-id";

    /** What one sweep did: Jobs seen, and deleted by reason. */
    public record Result(int seen, int beyondHistoryLimit, int ofRemovedJobs) {
    }

    private final KubernetesClient client;
    private final String own;
    /** Empty: all namespaces. */
    private final List<String> namespaces;
    private final Predicate<String> admitted;
    private final Supplier<List<JobCatalogue.Entry>> jobs;
    private final Counter historyLimit;
    private final Counter removed;
    private final java.util.Set<String> forbidden = new java.util.HashSet<>();

    /**
     * @param own the service's namespace: where the Jobs of ids that name no namespace are
     * @param namespaces the namespaces whose ConfigMaps are read; empty for all namespaces
     * @param admitted which of them count now (with all namespaces and a selector, those it matches): the Jobs of any
     *        other namespace are another release's, never swept
     */
    public KubernetesJobSweep(KubernetesClient client, String own, List<String> namespaces, Predicate<String> admitted,
            Supplier<List<JobCatalogue.Entry>> jobs, MeterRegistry registry) {
        this.client = client;
        this.own = own;
        this.namespaces = List.copyOf(namespaces);
        this.admitted = admitted;
        this.jobs = jobs;
        this.historyLimit = counter(registry, "history_limit");
        this.removed = counter(registry, "job_removed");
    }

    private static Counter counter(MeterRegistry registry, String reason) {
        return Counter.builder("leasecron.kubernetes.jobs.swept")
                .description("Kubernetes Jobs deleted by the periodic sweep, by reason").tag("reason", reason).register(registry);
    }

    /** One sweep; a namespace whose list fails is logged and skipped (the next sweep tries again). */
    public synchronized Result sweep() {
        List<Job> all = new ArrayList<>();
        for (String namespace : namespaces.isEmpty() ? java.util.Collections.<String>singletonList(null) : namespaces) {
            list(namespace).stream().filter(j -> admitted.test(j.getMetadata().getNamespace())).forEach(all::add);
        }
        Map<String, JobCatalogue.Entry> known = jobs.get().stream().collect(Collectors.toMap(
                e -> key(e.id().namespaceOr(own), KubernetesJobRunner.jobLabel(e.id())), e -> e, (a, b) -> a, LinkedHashMap::new));
        Map<String, List<Job>> byJob = all.stream().filter(this::ours).collect(Collectors.groupingBy(
                j -> key(j.getMetadata().getNamespace(), j.getMetadata().getLabels().get(KubernetesJobRunner.JOB_LABEL)),
                LinkedHashMap::new, Collectors.toList()));
        int beyond = 0;
        int ofRemoved = 0;
        for (var group : byJob.entrySet()) {
            JobCatalogue.Entry entry = known.get(group.getKey());
            Optional<KubernetesJobAction> action = entry == null ? Optional.empty() : entry.active()
                    .filter(s -> s.action() instanceof KubernetesJobAction).map(s -> (KubernetesJobAction) s.action());
            if (action.isPresent()) {
                for (Job j : beyondLimits(group.getValue(), action.get())) {
                    beyond += delete(j, "beyond its history limits", historyLimit);
                }
            } else if (entry == null || entry.active().isPresent()) {
                for (Job j : group.getValue()) {
                    if (KubernetesJobRunner.finished(j).isPresent()) {
                        ofRemoved += delete(j, entry == null ? "its job was removed from its ConfigMap"
                                : "its job no longer has a kubernetesJob action", removed);
                    }
                }
            }
        }
        if (beyond + ofRemoved > 0) {
            LOG.infof("Kubernetes Job sweep: %d Jobs seen, %d deleted beyond history limits, %d of removed jobs", all.size(), beyond,
                    ofRemoved);
        }
        return new Result(all.size(), beyond, ofRemoved);
    }

    /** The service's Jobs in {@code namespace} (null: all namespaces); empty when the list fails. */
    private List<Job> list(String namespace) {
        String where = namespace == null ? "all namespaces" : namespace;
        try {
            var jobs = client.batch().v1().jobs();
            return (namespace == null ? jobs.inAnyNamespace().withLabel(KubernetesJobRunner.MANAGED, "leasecron")
                    : jobs.inNamespace(namespace).withLabel(KubernetesJobRunner.MANAGED, "leasecron")).list().getItems();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403) {
                if (forbidden.add(where)) {
                    LOG.infof("the Kubernetes Job sweep may not list jobs.batch in %s (kubernetesJob actions are not enabled,"
                            + " docs/rbac.md); it skips it", where);
                }
            } else {
                LOG.warnf("the Kubernetes Job sweep could not list Jobs in %s (HTTP %d: %s); next sweep tries again", where,
                        e.getCode(), e.getMessage());
            }
            return List.of();
        }
    }

    /** The finished Jobs of one job beyond its limits: successful and failed ranked apart, newest first, then by name. */
    static List<Job> beyondLimits(List<Job> jobs, KubernetesJobAction action) {
        Comparator<Job> newestFirst = Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp() == null ? ""
                : j.getMetadata().getCreationTimestamp()).thenComparing(j -> j.getMetadata().getName()).reversed();
        List<Job> done = jobs.stream().filter(j -> KubernetesJobRunner.finished(j).isPresent()).sorted(newestFirst).toList();
        List<Job> beyond = new ArrayList<>();
        done.stream().filter(j -> KubernetesJobRunner.finished(j).get() instanceof RunResult.Succeeded)
                .skip(action.successfulJobsHistoryLimit()).forEach(beyond::add);
        done.stream().filter(j -> !(KubernetesJobRunner.finished(j).get() instanceof RunResult.Succeeded))
                .skip(action.failedJobsHistoryLimit()).forEach(beyond::add);
        return beyond;
    }

    private int delete(Job j, String why, Counter counter) {
        String name = j.getMetadata().getName();
        String job = annotation(j);
        try {
            boolean deleted = !client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(name)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete().isEmpty();
            if (deleted) {
                counter.increment();
                LOG.infof("%s: deleted Job %s: %s", job, name, why);
                return 1;
            }
        } catch (KubernetesClientException e) {
            LOG.warnf("%s: could not delete Job %s (%s): HTTP %d: %s", job, name, why, e.getCode(), e.getMessage());
        }
        return 0;
    }

    private static String key(String namespace, String label) {
        return namespace + "/" + label;
    }

    /**
     * Whether a listed Job is one of a job's: labelled with its job and annotated with its id, an id of the Job's own
     * namespace (a Job in a tenant's namespace cannot stand for a job of another namespace).
     */
    private boolean ours(Job j) {
        Map<String, String> labels = j.getMetadata().getLabels();
        String id = annotation(j);
        if (labels == null || labels.get(KubernetesJobRunner.JOB_LABEL) == null || id == null) {
            return false;
        }
        try {
            return JobId.parse(id).namespaceOr(own).equals(j.getMetadata().getNamespace());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String annotation(Job j) {
        Map<String, String> a = j.getMetadata().getAnnotations();
        return a == null ? null : a.get(JOB_ID);
    }
}
