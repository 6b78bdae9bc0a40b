package io.leasecron.execution;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.leasecron.job.ConcurrencyPolicy;
import io.leasecron.job.JobId;
import io.leasecron.job.KubernetesJobAction;
import io.leasecron.job.KubernetesJobPolicy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Runs {@link KubernetesJobAction}s: one {@code batch/v1} Job per slot (and per retry attempt), named from the job
 * and the slot, so that creating it twice is refused by the API server — a second creation for the same slot,
 * by a retry of the request or by another replica, finds the first Job and follows it instead of starting another.
 * Labels and annotations carry the job id, scheduled time, lease term, replica and {@code Idempotency-Key}. The
 * outcome follows the Job's {@code Complete} or {@code Failed} condition, seen by one informer on the Jobs this
 * service created. A cancelled fire (timeout, Replace) deletes its Job with its Pods. After each outcome, finished
 * Jobs beyond {@code successfulJobsHistoryLimit} / {@code failedJobsHistoryLimit} are deleted. Under
 * {@code concurrencyPolicy: Forbid}, a Job of an earlier slot that is still running — on any replica's watch —
 * makes the fire a skip; under {@code Replace} it is deleted first. Each job's Jobs live in the job's namespace
 * (the service's own for ids that do not name one), watched by one informer per namespace that has had a fire.
 *
 * <p>API calls run on a thread of this runner, never on the engine's dispatch threads. It makes only the requests of
 * the {@code jobs.batch} rule in docs/rbac.md — create, list, watch and delete — and never reads a single Job by
 * name ({@code get}): the Job it created is the one the create returned, and an existing one is found by listing.
 */
public final class KubernetesJobRunner implements ActionRunner, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesJobRunner.class);
    public static final String JOB_LABEL = "leasecron.io/job";
    public static final String MANAGED = "app.kubernetes.io/managed-by";

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, Object> cleanUpLocks = new ConcurrentHashMap<>();
    private final ExecutorService api = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "leasecron-kubernetes-jobs");
        t.setDaemon(true);
        return t;
    });
    /** By {@code <namespace>/<Job name>}. */
    private final Map<String, CompletableFuture<RunResult>> waiting = new ConcurrentHashMap<>();
    /** By namespace. */
    private final Map<String, SharedIndexInformer<Job>> informers = new ConcurrentHashMap<>();

    private final KubernetesJobPolicy policy;

    /** With the default {@link KubernetesJobPolicy}. */
    public KubernetesJobRunner(KubernetesClient client, String namespace) {
        this(client, namespace, KubernetesJobPolicy.DEFAULT);
    }

    /**
     * @param namespace the service's namespace: where the Jobs of jobs whose ids name no namespace are created
     * @param policy checked again before each creation, whatever the spec was checked against when it was loaded
     */
    public KubernetesJobRunner(KubernetesClient client, String namespace, KubernetesJobPolicy policy) {
        this.client = client;
        this.namespace = namespace;
        this.policy = policy;
    }

    /** The Job's name: readable, unique per job (a hash of the id), slot (epoch seconds) and attempt; ≤ 63 chars. */
    public static String jobName(JobId id, java.time.Instant slot, int attempt) {
        String readable = (id.source() + "-" + id.name()).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                .replaceAll("-+", "-").replaceAll("^-|-$", "");
        if (readable.length() > 36) {
            readable = readable.substring(0, 36).replaceAll("-$", "");
        }
        String name = readable + "-" + hash(id.toString()) + "-" + Long.toString(slot.getEpochSecond(), 36);
        return attempt > 1 ? name + "-a" + attempt : name;
    }

    /**
     * The label value that selects every Job of one leasecron job within its namespace: the same whether or not the
     * id names the namespace, so a change of the namespace setting keeps history limits and concurrency working. Over
     * 63 characters, cut and followed by a hash of {@code <configmap>/<key>}: the id without its namespace, which is
     * what the hash was taken over while ids did not name it, so the labels of Jobs created then still match.
     */
    public static String jobLabel(JobId id) {
        String v = id.source() + "." + id.name();
        return v.length() <= 63 ? v : v.substring(0, 50) + "." + hash(id.source() + "/" + id.name());
    }

    @Override
    public CompletableFuture<RunResult> start(Fire fire) {
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        String name = jobName(fire.spec().id(), fire.slot(), fire.attempt());
        String namespace = fire.spec().id().namespaceOr(this.namespace);
        result.whenComplete((r, e) -> {
            waiting.remove(namespace + "/" + name);
            if (result.isCancelled()) {
                api.execute(() -> delete(namespace, name, "the fire was cancelled (timeout, Replace or shutdown)"));
            }
        });
        // The attempt has left this process once the API server has the Job (or refused it), not when the create
        // is queued here: a replica killed before that leaves the slot uncertain, not recorded as started.
        CompletableFuture<Void> created = fire.handOff().defer();
        api.execute(() -> {
            try {
                create(fire, namespace, name, result);
            } catch (RuntimeException e) {
                result.complete(new RunResult.Failed("creating Job " + name + " failed: " + e.getMessage()));
            } finally {
                created.complete(null);
            }
        });
        return result;
    }

    private void create(Fire fire, String namespace, String name, CompletableFuture<RunResult> result) {
        KubernetesJobAction action = (KubernetesJobAction) fire.spec().action();
        List<String> refused = policy.violations(action.template());
        if (!refused.isEmpty()) {
            result.complete(new RunResult.Failed("Job " + name + " not created, the kubernetesJob policy refuses it: "
                    + String.join("; ", refused)));
            return;
        }
        String label = jobLabel(fire.spec().id());
        ensureInformer(namespace);
        List<Job> running = list(namespace, label).stream().filter(j -> !j.getMetadata().getName().equals(name) && finished(j).isEmpty()).toList();
        if (!running.isEmpty()) {
            if (fire.spec().concurrencyPolicy() == ConcurrencyPolicy.Forbid) {
                result.complete(new RunResult.Skipped("Job " + running.get(0).getMetadata().getName()
                        + " of an earlier slot is still running (concurrencyPolicy Forbid)"));
                return;
            }
            if (fire.spec().concurrencyPolicy() == ConcurrencyPolicy.Replace) {
                running.forEach(j -> delete(namespace, j.getMetadata().getName(), "replaced by slot " + fire.slot() + " (concurrencyPolicy Replace)"));
            }
        }
        Map<String, String> annotations = new HashMap<>();
        annotations.put("leasecron.io/job-id", fire.spec().id().toString());
        annotations.put("leasecron.io/scheduled-time", HttpActionRunner.SCHEDULED_TIME.format(fire.slot()));
        annotations.put("leasecron.io/term", Long.toString(fire.term()));
        annotations.put("leasecron.io/replica", fire.replica());
        annotations.put("leasecron.io/attempt", Integer.toString(fire.attempt()));
        annotations.put("leasecron.io/idempotency-key", fire.idempotencyKey());
        Job job = job(action, namespace, name, label, annotations);
        waiting.put(namespace + "/" + name, result);
        Job current;
        try {
            // Strict: a field the API server does not know fails the run with its name instead of being dropped,
            // should the check when the spec was loaded not have reached the server.
            current = client.batch().v1().jobs().inNamespace(namespace).resource(job).fieldValidation(Validation.STRICT).create();
            LOG.debugf("%s slot %s: created Job %s", fire.spec().id(), fire.slot(), name);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                result.complete(new RunResult.Failed("creating Job " + name + " failed (HTTP " + e.getCode() + "): "
                        + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage())
                        + (e.getCode() == 403 ? "; grant create, list, watch and delete on jobs.batch (docs/rbac.md)" : "")));
                return;
            }
            LOG.infof("%s slot %s: Job %s exists already (created for this slot before); following it", fire.spec().id(),
                    fire.slot(), name);
            // It may have finished before this fire registered its interest, so no informer event will come: look
            // once, with the list the Role grants (no get on jobs).
            current = list(namespace, label).stream().filter(j -> name.equals(j.getMetadata().getName())).findFirst().orElse(null);
            if (current == null) {
                result.complete(new RunResult.Failed("Job " + name
                        + " existed already and was deleted before its outcome could be read"));
                return;
            }
        }
        finished(current).ifPresent(result::complete);
        if (result.isDone()) {
            cleanUp(action, namespace, label);
        } else {
            result.thenRun(() -> api.execute(() -> cleanUp(action, namespace, label)));
        }
    }

    /**
     * The Job created for one attempt: the template's metadata with leasecron's label and {@code annotations} added, and
     * the template's spec. The same for the dry run when the spec is loaded ({@link KubernetesJobDryRun}).
     */
    static Job job(KubernetesJobAction action, String namespace, String name, String label, Map<String, String> annotations) {
        var template = action.template();
        Map<String, String> labels = new HashMap<>(template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? Map.of() : template.getMetadata().getLabels());
        labels.put(JOB_LABEL, label);
        labels.put(MANAGED, "leasecron");
        Map<String, String> all = new HashMap<>(template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? Map.of() : template.getMetadata().getAnnotations());
        all.putAll(annotations);
        ObjectMeta meta = new ObjectMeta();
        meta.setName(name);
        meta.setNamespace(namespace);
        meta.setLabels(labels);
        meta.setAnnotations(all);
        Job job = new Job();
        job.setMetadata(meta);
        job.setSpec(template.getSpec());
        return job;
    }

    /** The Jobs of one leasecron job, straight from the API server. */
    private List<Job> list(String namespace, String label) {
        return client.batch().v1().jobs().inNamespace(namespace).withLabel(JOB_LABEL, label).list().getItems();
    }

    /** The outcome of a finished Job, or empty while it runs. */
    static Optional<RunResult> finished(Job j) {
        if (j.getStatus() == null || j.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (JobCondition c : j.getStatus().getConditions()) {
            if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
                return Optional.of(new RunResult.Succeeded("Job " + j.getMetadata().getName() + " completed"));
            }
            if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                return Optional.of(new RunResult.Failed("Job " + j.getMetadata().getName() + " failed"
                        + (c.getReason() != null ? ": " + c.getReason() : "") + (c.getMessage() != null ? " (" + c.getMessage() + ")" : "")));
            }
        }
        return Optional.empty();
    }

    private synchronized void ensureInformer(String namespace) {
        if (informers.containsKey(namespace)) {
            return;
        }
        SharedIndexInformer<Job> informer = client.batch().v1().jobs().inNamespace(namespace).withLabel(MANAGED, "leasecron").runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job j) {
                seen(j);
            }

            @Override
            public void onUpdate(Job old, Job j) {
                seen(j);
            }

            @Override
            public void onDelete(Job j, boolean unknown) {
                CompletableFuture<RunResult> f = waiting.get(key(j));
                if (f != null) {
                    f.complete(finished(j).orElse(new RunResult.Failed("Job " + j.getMetadata().getName()
                            + " was deleted before it finished")));
                }
            }
        });
        informer.start();
        informers.put(namespace, informer);
    }

    private static String key(Job j) {
        return j.getMetadata().getNamespace() + "/" + j.getMetadata().getName();
    }

    private void seen(Job j) {
        CompletableFuture<RunResult> f = waiting.get(key(j));
        if (f != null) {
            finished(j).ifPresent(f::complete);
        }
    }

    private void delete(String namespace, String name, String why) {
        try {
            boolean deleted = !client.batch().v1().jobs().inNamespace(namespace).withName(name)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete().isEmpty();
            if (deleted) {
                LOG.infof("deleted Job %s/%s: %s", namespace, name, why);
            } else {
                LOG.debugf("Job %s/%s was gone already (%s)", namespace, name, why);
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not delete Job %s/%s (%s): %s", namespace, name, why, e.getMessage());
        }
    }

    /**
     * Keeps the newest finished Jobs of one job within the history limits; deletes the older ones. One clean-up of a
     * job at a time: two outcomes arriving together would otherwise both list, then both delete, the same old Job.
     */
    private void cleanUp(KubernetesJobAction action, String namespace, String label) {
        synchronized (cleanUpLocks.computeIfAbsent(namespace + "/" + label, k -> new Object())) {
            cleanUpNow(action, namespace, label);
        }
    }

    private void cleanUpNow(KubernetesJobAction action, String namespace, String label) {
        try {
            List<Job> jobs = list(namespace, label);
            List<Job> done = jobs.stream().filter(j -> finished(j).isPresent())
                    .sorted(Comparator.comparing((Job j) -> j.getMetadata().getCreationTimestamp() == null ? ""
                            : j.getMetadata().getCreationTimestamp()).thenComparing(j -> j.getMetadata().getName()).reversed())
                    .toList();
            List<Job> ok = done.stream().filter(j -> finished(j).get() instanceof RunResult.Succeeded).toList();
            List<Job> failed = done.stream().filter(j -> !(finished(j).get() instanceof RunResult.Succeeded)).toList();
            ok.stream().skip(action.successfulJobsHistoryLimit()).forEach(j -> delete(namespace, j.getMetadata().getName(),
                    "beyond successfulJobsHistoryLimit " + action.successfulJobsHistoryLimit()));
            failed.stream().skip(action.failedJobsHistoryLimit()).forEach(j -> delete(namespace, j.getMetadata().getName(),
                    "beyond failedJobsHistoryLimit " + action.failedJobsHistoryLimit()));
        } catch (RuntimeException e) {
            LOG.warnf("cleaning up the Jobs of %s in %s failed: %s", label, namespace, e.getMessage());
        }
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 3);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        informers.values().forEach(SharedIndexInformer::close);
        api.shutdownNow();
    }
}
