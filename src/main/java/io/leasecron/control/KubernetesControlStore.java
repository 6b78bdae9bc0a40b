package io.leasecron.control;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.leasecron.job.JobId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * Kubernetes mode's {@link ControlStore}: one small ConfigMap per manual run ({@code leasecron-run-…}) and per paused
 * job ({@code leasecron-pause-…}), in the service's own namespace, labelled {@code leasecron.io/control}, so that
 * {@code kubectl get configmaps -l leasecron.io/control} shows them all. An informer keeps this replica's copy.
 * Conditional writes go by resourceVersion (a lost race is a 409, as for the Lease); a pause is a create, so two
 * replicas pausing one job at once give one pause and one conflict.
 */
public final class KubernetesControlStore implements ControlStore {
    private static final Logger LOG = Logger.getLogger(KubernetesControlStore.class);
    public static final String LABEL = "leasecron.io/control";
    static final String RUN = "run", PAUSE = "pause";
    private static final String BY = "by", SINCE = "since";

    private final KubernetesClient client;
    private final String namespace;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile SharedIndexInformer<ConfigMap> informer;
    /** The pauses the informer holds, by job (asked on every scheduled fire: a map lookup, no hashing). */
    private final Map<JobId, Pause> pauses = new ConcurrentHashMap<>();

    public KubernetesControlStore(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** The ConfigMap that records a pause of {@code job}: a name derived from the id, so that a pause is a create. */
    public static String pauseName(JobId job) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(job.toString().getBytes(StandardCharsets.UTF_8));
            return "leasecron-pause-" + HexFormat.of().formatHex(h, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public RunRecord create(RunRecord run) {
        try {
            return read(configMaps().resource(configMap(run.name(), RUN, run.data(), null)).create()).orElseThrow();
        } catch (KubernetesClientException e) {
            throw failure("create configmap " + run.name(), e);
        }
    }

    @Override
    public Optional<RunRecord> readRun(String name) {
        try {
            return read(configMaps().withName(name).get());
        } catch (KubernetesClientException e) {
            throw failure("get configmap " + name, e);
        }
    }

    @Override
    public boolean replace(RunRecord run) {
        try {
            configMaps().resource(configMap(run.name(), RUN, run.data(), run.version())).update();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409 || e.getCode() == 404) {
                return false;
            }
            throw failure("update configmap " + run.name(), e);
        }
    }

    @Override
    public void update(String name, Map<String, String> fields) {
        try {
            configMaps().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("data", fields)));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw failure("patch configmap " + name, e);
            }
        }
    }

    @Override
    public void delete(String name) {
        try {
            configMaps().withName(name).delete();
        } catch (KubernetesClientException e) {
            throw failure("delete configmap " + name, e);
        }
    }

    @Override
    public Collection<RunRecord> runs() {
        List<RunRecord> out = new ArrayList<>();
        SharedIndexInformer<ConfigMap> i = informer;
        if (i != null) {
            for (ConfigMap cm : i.getStore().list()) {
                if (RUN.equals(label(cm))) {
                    read(cm).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    @Override
    public boolean pause(Pause pause) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(RunRecord.JOB, pause.job().toString());
        data.put(BY, pause.by());
        data.put(SINCE, pause.since().toString());
        try {
            configMaps().resource(configMap(pauseName(pause.job()), PAUSE, data, null)).create();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw failure("create configmap " + pauseName(pause.job()), e);
        }
    }

    @Override
    public boolean resume(JobId job) {
        try {
            return !configMaps().withName(pauseName(job)).delete().isEmpty();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw failure("delete configmap " + pauseName(job), e);
        }
    }

    @Override
    public Optional<Pause> readPause(JobId job) {
        try {
            return pause(job, configMaps().withName(pauseName(job)).get());
        } catch (KubernetesClientException e) {
            throw failure("get configmap " + pauseName(job), e);
        }
    }

    @Override
    public Optional<Pause> pause(JobId job) {
        return pauses.isEmpty() ? Optional.empty() : Optional.ofNullable(pauses.get(job));
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
        SharedIndexInformer<ConfigMap> i = configMaps().withLabel(LABEL).runnableInformer(0);
        i.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                paused(cm).ifPresent(p -> pauses.put(p.job(), p));
                changed();
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap cm) {
                paused(old).ifPresent(p -> pauses.remove(p.job()));
                paused(cm).ifPresent(p -> pauses.put(p.job(), p));
                changed();
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                paused(cm).ifPresent(p -> pauses.remove(p.job()));
                changed();
            }
        });
        // Keep listing and watching through any failure, the first list included.
        i.exceptionHandler((started, t) -> {
            LOG.debugf("watching the control ConfigMaps of %s failed (%s); retrying", namespace, t.getMessage());
            return true;
        });
        informer = i;
        i.start();
    }

    @Override
    public boolean synced() {
        SharedIndexInformer<ConfigMap> i = informer;
        return i != null && i.hasSynced();
    }

    @Override
    public void close() {
        SharedIndexInformer<ConfigMap> i = informer;
        if (i != null) {
            i.close();
        }
    }

    private void changed() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "a listener of the control ConfigMaps failed");
            }
        }
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<ConfigMap, io.fabric8.kubernetes.api.model.ConfigMapList,
            io.fabric8.kubernetes.client.dsl.Resource<ConfigMap>> configMaps() {
        return client.configMaps().inNamespace(namespace);
    }

    private ConfigMap configMap(String name, String kind, Map<String, String> data, String version) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).withResourceVersion(version)
                .addToLabels(LABEL, kind).addToLabels("app.kubernetes.io/managed-by", "leasecron").endMetadata()
                .withData(data).build();
    }

    private static String label(ConfigMap cm) {
        Map<String, String> l = cm.getMetadata().getLabels();
        return l == null ? null : l.get(LABEL);
    }

    private static Optional<RunRecord> read(ConfigMap cm) {
        if (cm == null || !RUN.equals(label(cm))) {
            return Optional.empty();
        }
        return RunRecord.parse(cm.getMetadata().getName(), cm.getMetadata().getResourceVersion(), cm.getData());
    }

    /** The pause a ConfigMap records, if it is one. */
    private static Optional<Pause> paused(ConfigMap cm) {
        if (cm == null || !PAUSE.equals(label(cm)) || cm.getData() == null) {
            return Optional.empty();
        }
        try {
            JobId job = JobId.parse(cm.getData().get(RunRecord.JOB));
            return pauseName(job).equals(cm.getMetadata().getName()) ? pause(job, cm) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Pause> pause(JobId job, ConfigMap cm) {
        if (cm == null || !PAUSE.equals(label(cm)) || cm.getData() == null || !job.toString().equals(cm.getData().get(RunRecord.JOB))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Pause(job, cm.getData().getOrDefault(BY, "unknown"), Instant.parse(cm.getData().get(SINCE))));
        } catch (RuntimeException e) {
            return Optional.of(new Pause(job, cm.getData().getOrDefault(BY, "unknown"), Instant.EPOCH));
        }
    }

    private ControlStoreException failure(String what, KubernetesClientException e) {
        String why = switch (e.getCode()) {
            case 403 -> "forbidden: grant create, get, update, patch, delete, list and watch on configmaps in namespace " + namespace
                    + " (docs/rbac.md)";
            case 0 -> "no response from the API server";
            default -> "HTTP " + e.getCode() + (e.getStatus() != null && e.getStatus().getMessage() != null
                    ? ": " + e.getStatus().getMessage() : "");
        };
        return new ControlStoreException("cannot " + what + " in namespace " + namespace + ": " + why, e);
    }
}
