package io.leasecron.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Kubernetes mode's job source: an informer on the ConfigMaps labelled {@code leasecron.io/jobs=true} in one
 * namespace, or in all namespaces (of which an {@code admitted} filter may take some). Every replica runs the same,
 * so adds, edits and deletes reach every engine within the watch latency. The informer relists after a watch expires
 * or a connection drops; the catalogue ignores unchanged keys, so a relist neither loses nor duplicates a job.
 * Removing the label unschedules the ConfigMap's jobs like deleting it, and so does a namespace leaving the filter.
 */
public final class ConfigMapJobSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConfigMapJobSource.class);

    /** What an Event about a ConfigMap needs to point at it. */
    public record Ref(String namespace, String name, String uid, String resourceVersion) {
    }

    private final KubernetesClient client;
    /** Null: all namespaces. */
    private final String namespace;
    private final boolean qualified;
    private final Predicate<String> admitted;
    private final JobCatalogue catalogue;
    /** By {@code <namespace>/<name>}. */
    private final Map<String, Ref> applied = new ConcurrentHashMap<>();
    /** Per ConfigMap, the version whose application to the catalogue has returned: what {@link #loaded()} judges. */
    private final Map<String, String> reached = new ConcurrentHashMap<>();
    private volatile SharedIndexInformer<ConfigMap> informer;
    private volatile boolean loaded;
    private boolean closed;

    /** The ConfigMaps of one namespace, with ids that do not name it (the default: the service's own namespace). */
    public ConfigMapJobSource(KubernetesClient client, String namespace, JobCatalogue catalogue) {
        this(client, namespace, false, ns -> true, catalogue);
    }

    /**
     * @param namespace the namespace to watch; null for all namespaces
     * @param qualified whether job ids name the namespace
     * @param admitted which namespaces' ConfigMaps count; a change of its answer for a namespace takes effect with
     *        {@link #refresh(String)}
     */
    public ConfigMapJobSource(KubernetesClient client, String namespace, boolean qualified, Predicate<String> admitted,
            JobCatalogue catalogue) {
        this.client = client;
        this.namespace = namespace;
        this.qualified = qualified;
        this.admitted = admitted;
        this.catalogue = catalogue;
    }

    /** The namespace watched; empty for all namespaces. */
    public String namespace() {
        return namespace == null ? "" : namespace;
    }

    private String where() {
        return namespace == null ? "all namespaces" : "namespace " + namespace;
    }

    /** Starts the informer; returns at once. {@link #loaded()} tells when the first list has been applied. */
    public void start() {
        informer = inform(null);
        LOG.infof("watching ConfigMaps labelled %s=true in %s", DirectoryJobSource.LABEL, where());
    }

    /**
     * Replaces the informer with a new one (a new list, then a new watch), for a watch that stalled. The new one starts
     * from what reached the catalogue, so a ConfigMap deleted while the old watch was silent is removed when the new
     * list lacks it, the ones that did not change are not delivered again, and every other version is. Does nothing
     * after {@link #close()}.
     */
    public synchronized void restart() {
        SharedIndexInformer<ConfigMap> old = informer;
        if (closed || old == null) {
            return;
        }
        // Stopping drops the old informer's queued notifications: its store may hold versions that never reached the
        // catalogue, which a new informer started from that store would take as already delivered.
        old.stop();
        informer = inform(applied(old.getStore().list()));
    }

    /**
     * The ConfigMaps of {@code listed} as the catalogue last took them in: each at the version that reached it, and
     * none that never did, so the new list delivers an add or an update for every version not yet applied.
     */
    private List<ConfigMap> applied(List<ConfigMap> listed) {
        List<ConfigMap> seed = new ArrayList<>();
        for (ConfigMap cm : listed) {
            String version = reached.get(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName());
            if (version == null) {
                continue;
            }
            seed.add(version.equals(cm.getMetadata().getResourceVersion()) ? cm
                    : new ConfigMapBuilder(cm).editMetadata().withResourceVersion(version).endMetadata().build());
        }
        return seed;
    }

    private SharedIndexInformer<ConfigMap> inform(List<ConfigMap> initial) {
        var configMaps = namespace == null ? client.configMaps().inAnyNamespace() : client.configMaps().inNamespace(namespace);
        SharedIndexInformer<ConfigMap> informer = configMaps.withLabel(DirectoryJobSource.LABEL, "true").runnableInformer(0);
        if (initial != null) {
            informer.initialState(initial.stream());
        }
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                apply(cm);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap cm) {
                apply(cm);
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                remove(cm.getMetadata().getNamespace(), cm.getMetadata().getName(), "is gone or no longer labelled "
                        + DirectoryJobSource.LABEL + "=true");
            }
        });
        // Keep listing and watching through any failure, the first list included (by default an informer whose
        // first list fails stops for good: a replica started during an API outage would never load its jobs).
        informer.exceptionHandler((started, t) -> {
            LOG.warnf("listing or watching ConfigMaps in %s failed (%s); retrying", where(), t.getMessage());
            return true;
        });
        informer.start();
        return informer;
    }

    private synchronized void remove(String ns, String name, String why) {
        reached.remove(ns + "/" + name);
        if (applied.remove(ns + "/" + name) != null) {
            catalogue.removeSource(qualified ? ns : "", name);
            LOG.infof("ConfigMap %s/%s %s: its jobs are unscheduled", ns, name, why);
        }
    }

    /**
     * Applies again, or removes, the ConfigMaps of {@code namespace} after {@code admitted}'s answer for it may have
     * changed (a namespace that started or stopped matching the selector, or was deleted).
     */
    public synchronized void refresh(String namespace) {
        if (informer == null) {
            return;
        }
        for (ConfigMap cm : informer.getStore().list()) {
            if (namespace.equals(cm.getMetadata().getNamespace())) {
                apply(cm);
            }
        }
        if (!admitted.test(namespace)) {
            for (String key : applied.keySet()) {
                if (key.startsWith(namespace + "/")) {
                    remove(namespace, key.substring(namespace.length() + 1), "is in a namespace no longer watched");
                }
            }
        }
    }

    private synchronized void apply(ConfigMap cm) {
        String name = cm.getMetadata().getName();
        String ns = cm.getMetadata().getNamespace();
        if (!admitted.test(ns)) {
            return;
        }
        String source = qualified ? ns : "";
        try {
            Map<String, String> data = cm.getData() == null ? Map.of() : new LinkedHashMap<>(cm.getData());
            if (cm.getBinaryData() != null && !cm.getBinaryData().isEmpty()) {
                catalogue.reportSourceProblem(JobId.sourceKey(source, name), "binaryData keys " + cm.getBinaryData().keySet()
                        + " are ignored; job specs go under data as YAML text");
            }
            // The ref first: Events about the version being applied point at it.
            applied.put(ns + "/" + name, new Ref(ns, name, cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion()));
            catalogue.apply(source, name, data);
        } catch (RuntimeException e) {
            // One ConfigMap that cannot be applied must not stop the informer from delivering the others.
            LOG.errorf(e, "ConfigMap %s/%s could not be applied; its previous jobs stay as they were", ns, name);
        } finally {
            reached.put(ns + "/" + name, cm.getMetadata().getResourceVersion());
        }
    }

    /**
     * True once the informer has listed every labelled ConfigMap and each listed version has reached the catalogue,
     * and from then on: the readiness of a replica whose jobs were loaded does not flap while later edits are
     * being applied (the informer's store holds an edit a moment before its handler has applied it).
     */
    public boolean loaded() {
        if (loaded) {
            return true;
        }
        if (informer == null || !informer.hasSynced()) {
            return false;
        }
        for (ConfigMap cm : informer.getStore().list()) {
            if (!admitted.test(cm.getMetadata().getNamespace())) {
                continue;
            }
            String version = reached.get(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName());
            if (!Objects.equals(version, cm.getMetadata().getResourceVersion())) {
                return false;
            }
        }
        loaded = true;
        return true;
    }

    /** The version of a ConfigMap the informer holds, null if none: for tests that wait for an event to be queued. */
    String listedVersion(String ns, String name) {
        SharedIndexInformer<ConfigMap> current = informer;
        ConfigMap cm = current == null ? null : current.getStore().getByKey(ns + "/" + name);
        return cm == null ? null : cm.getMetadata().getResourceVersion();
    }

    /** The ConfigMap a job came from, as last applied. */
    public Optional<Ref> ref(JobId job) {
        String ns = job.namespaceOr(namespace == null ? "" : namespace);
        return Optional.ofNullable(applied.get(ns + "/" + job.source()));
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (informer != null) {
            informer.close();
        }
    }
}
