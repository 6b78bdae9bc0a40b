package io.leasecron.control;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Kubernetes mode's {@link ControlStore}: two ConfigMaps in the service's own namespace, {@code <lease>-runs} (one data
 * key per manual run) and {@code <lease>-pauses} (one data key per paused job), labelled {@code leasecron.io/control},
 * so that {@code kubectl get configmap <lease>-pauses -o yaml} shows every pause. Two fixed names let the Role narrow
 * {@code get} and {@code update} to them: the service cannot change any other ConfigMap. An informer keeps this
 * replica's copy.
 *
 * <p>Every change is a read, a change of the data, and an update conditional on the resourceVersion read, repeated
 * after a conflict (another key of the same ConfigMap changed meanwhile). Each run carries its own version, so a
 * conditional {@link #replace} of one run fails only if that run changed, not when another one did.
 */
public final class KubernetesControlStore implements ControlStore {
    private static final Logger LOG = Logger.getLogger(KubernetesControlStore.class);
    public static final String LABEL = "leasecron.io/control";
    /** Attempts of one change against concurrent changes of other keys. */
    static final int ATTEMPTS = 8;
    /** The most data the runs ConfigMap may hold (the API server's limit for an object is 1 MiB). */
    static final int MAX_BYTES = 900 * 1024;
    private static final String VERSION = "v", BY = "by", SINCE = "since";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> FIELDS = new TypeReference<>() {
    };

    private final KubernetesClient client;
    private final String namespace;
    private final String runsName;
    private final String pausesName;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile SharedIndexInformer<ConfigMap> informer;
    /** The informer's copy, decoded: runs by name, pauses by job. */
    private volatile Map<String, RunRecord> runs = Map.of();
    private final Map<JobId, Pause> pauses = new ConcurrentHashMap<>();

    /** @param lease the Lease's name: the ConfigMaps are {@code <lease>-runs} and {@code <lease>-pauses} */
    public KubernetesControlStore(KubernetesClient client, String namespace, String lease) {
        this.client = client;
        this.namespace = namespace;
        this.runsName = lease + "-runs";
        this.pausesName = lease + "-pauses";
    }

    /** The data key of a pause of {@code job}: derived from the id (a ConfigMap key allows no {@code /}). */
    public static String pauseKey(JobId job) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(job.toString().getBytes(StandardCharsets.UTF_8));
            return "job-" + HexFormat.of().formatHex(h, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- runs

    @Override
    public RunRecord create(RunRecord run) {
        RunRecord stored = run.withVersion("1");
        change(runsName, "runs", data -> {
            if (data.containsKey(run.name())) {
                throw new IllegalStateException("run " + run.name() + " exists already");
            }
            data.put(run.name(), encode(stored));
            int bytes = data.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
            if (bytes > MAX_BYTES) {
                throw new ControlStoreException("ConfigMap " + namespace + "/" + runsName + " would hold " + bytes / 1024
                        + " KiB of manual runs, more than " + MAX_BYTES / 1024 + " KiB; lower LEASECRON_RUN_RETENTION or ask for fewer runs", null);
            }
            return true;
        });
        return stored;
    }

    @Override
    public Optional<RunRecord> readRun(String name) {
        return Optional.ofNullable(data(get(runsName)).get(name)).flatMap(v -> decode(name, v));
    }

    @Override
    public boolean replace(RunRecord run) {
        return change(runsName, "runs", data -> {
            Optional<RunRecord> now = Optional.ofNullable(data.get(run.name())).flatMap(v -> decode(run.name(), v));
            if (now.isEmpty() || !now.get().version().equals(run.version())) {
                return false;
            }
            data.put(run.name(), encode(run.withVersion(next(run.version()))));
            return true;
        });
    }

    @Override
    public void update(String name, Map<String, String> fields) {
        merge(name, fields, false);
    }

    @Override
    public void settle(String name, Map<String, String> fields) {
        merge(name, fields, true);
    }

    private void merge(String name, Map<String, String> fields, boolean onlyUnstarted) {
        change(runsName, "runs", data -> {
            Optional<RunRecord> now = Optional.ofNullable(data.get(name)).flatMap(v -> decode(name, v));
            if (now.isEmpty() || onlyUnstarted && (now.get().startedAt() != null || now.get().finished())) {
                return false;
            }
            Map<String, String> merged = now.get().data();
            merged.putAll(fields);
            RunRecord.parse(name, next(now.get().version()), merged).ifPresent(r -> data.put(name, encode(r)));
            return true;
        });
    }

    @Override
    public void delete(String name) {
        change(runsName, "runs", data -> data.remove(name) != null);
    }

    @Override
    public Collection<RunRecord> runs() {
        return runs.values();
    }

    // ---------------------------------------------------------------- pauses

    @Override
    public boolean pause(Pause pause) {
        return change(pausesName, "pauses", data -> {
            if (data.containsKey(pauseKey(pause.job()))) {
                return false;
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put(RunRecord.JOB, pause.job().toString());
            fields.put(BY, pause.by());
            fields.put(SINCE, pause.since().toString());
            data.put(pauseKey(pause.job()), Serialization.asJson(fields));
            return true;
        });
    }

    @Override
    public boolean resume(JobId job) {
        return change(pausesName, "pauses", data -> data.remove(pauseKey(job)) != null);
    }

    @Override
    public Optional<Pause> readPause(JobId job) {
        return Optional.ofNullable(data(get(pausesName)).get(pauseKey(job))).flatMap(KubernetesControlStore::pause);
    }

    @Override
    public Optional<Pause> pause(JobId job) {
        return pauses.isEmpty() ? Optional.empty() : Optional.ofNullable(pauses.get(job));
    }

    // ---------------------------------------------------------------- following the store

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
        SharedIndexInformer<ConfigMap> i = client.configMaps().inNamespace(namespace).withLabel(LABEL).runnableInformer(0);
        i.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                took(cm.getMetadata().getName(), cm.getData());
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap cm) {
                took(cm.getMetadata().getName(), cm.getData());
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                took(cm.getMetadata().getName(), null);
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

    /** The informer delivered a version of one of the two ConfigMaps (null data: deleted). */
    private void took(String name, Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        if (name.equals(runsName)) {
            Map<String, RunRecord> decoded = new LinkedHashMap<>();
            d.forEach((k, v) -> decode(k, v).ifPresent(r -> decoded.put(k, r)));
            runs = decoded;
        } else if (name.equals(pausesName)) {
            Map<JobId, Pause> now = new LinkedHashMap<>();
            d.values().forEach(v -> pause(v).ifPresent(p -> now.put(p.job(), p)));
            pauses.keySet().retainAll(now.keySet());
            pauses.putAll(now);
        } else {
            return; // another release's
        }
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.errorf(e, "a listener of the control ConfigMaps failed");
            }
        }
    }

    // ---------------------------------------------------------------- reading and changing one ConfigMap

    private ConfigMap get(String name) {
        try {
            return client.configMaps().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw failure("get", name, e);
        }
    }

    private static Map<String, String> data(ConfigMap cm) {
        return cm == null || cm.getData() == null ? Map.of() : cm.getData();
    }

    /**
     * Reads the ConfigMap (from the API server), lets {@code change} edit a copy of its data and writes it back,
     * conditional on the version read; again after a conflict. {@code change} answers whether it changed anything
     * (false: nothing is written, and that is the result).
     */
    private boolean change(String name, String kind, Function<Map<String, String>, Boolean> change) {
        for (int attempt = 1;; attempt++) {
            ConfigMap cm = get(name);
            Map<String, String> data = new LinkedHashMap<>(data(cm));
            if (!change.apply(data)) {
                return false;
            }
            ConfigMap next = new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                    .withResourceVersion(cm == null ? null : cm.getMetadata().getResourceVersion()).addToLabels(LABEL, kind)
                    .addToLabels("app.kubernetes.io/managed-by", "leasecron").endMetadata().withData(data).build();
            try {
                var resource = client.configMaps().inNamespace(namespace).resource(next);
                if (cm == null) {
                    resource.create();
                } else {
                    resource.update();
                }
                return true;
            } catch (KubernetesClientException e) {
                // 409: changed since read, or created meanwhile. The Fabric8 mock server answers a stale version with
                // 409 and reason Invalid: go by the code.
                if ((e.getCode() == 409 || e.getCode() == 404 && cm != null) && attempt < ATTEMPTS) {
                    continue;
                }
                throw failure(cm == null ? "create" : "update", name, e);
            }
        }
    }

    private static String encode(RunRecord r) {
        Map<String, String> fields = r.data();
        fields.put(VERSION, r.version());
        return Serialization.asJson(fields);
    }

    private static Optional<RunRecord> decode(String name, String json) {
        try {
            Map<String, String> fields = JSON.readValue(json, FIELDS);
            return RunRecord.parse(name, fields.getOrDefault(VERSION, "0"), fields);
        } catch (RuntimeException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Pause> pause(String json) {
        try {
            Map<String, String> f = JSON.readValue(json, FIELDS);
            return Optional.of(new Pause(JobId.parse(f.get(RunRecord.JOB)), f.getOrDefault(BY, "unknown"), Instant.parse(f.get(SINCE))));
        } catch (RuntimeException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static String next(String version) {
        return Long.toString(Long.parseLong(version) + 1);
    }

    private ControlStoreException failure(String verb, String name, KubernetesClientException e) {
        String why = switch (e.getCode()) {
            case 403 -> "forbidden: grant " + verb + " on configmaps " + runsName + " and " + pausesName + " in namespace " + namespace
                    + " (docs/rbac.md)";
            case 409 -> "it kept changing (" + ATTEMPTS + " conflicts in a row)";
            case 0 -> "no response from the API server";
            default -> "HTTP " + e.getCode() + (e.getStatus() != null && e.getStatus().getMessage() != null
                    ? ": " + e.getStatus().getMessage() : "");
        };
        return new ControlStoreException("cannot " + verb + " ConfigMap " + namespace + "/" + name + ": " + why, e);
    }
}
