package io.leasecron.job;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.LinkedHashMap;
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
    /**
     * The resourceVersion of each ConfigMap once the catalogue has it: {@link #applied} is set before (Events about its
     * jobs name it), and the catalogue may take a while (the dry run of kubernetesJob templates).
     */
    private final Map<String, String> done = new ConcurrentHashMap<>();
    private SharedIndexInformer<ConfigMap> informer;
    private volatile boolean loaded;

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

    private String where() {
        return namespace == null ? "all namespaces" : "namespace " + namespace;
    }

    /** Starts the informer; returns at once. {@link #loaded()} tells when the first list has been applied. */
    public void start() {
        var configMaps = namespace == null ? client.configMaps().inAnyNamespace() : client.configMaps().inNamespace(namespace);
        informer = configMaps.withLabel(DirectoryJobSource.LABEL, "true").runnableInformer(0);
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
        LOG.infof("watching ConfigMaps labelled %s=true in %s", DirectoryJobSource.LABEL, where());
    }

    private synchronized void remove(String ns, String name, String why) {
        done.remove(ns + "/" + name);
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
            applied.put(ns + "/" + name, new Ref(ns, name, cm.getMetadata().getUid(), cm.getMetadata().getResourceVersion()));
            catalogue.apply(source, name, data);
        } catch (RuntimeException e) {
            // One ConfigMap that cannot be applied must not stop the informer from delivering the others.
            LOG.errorf(e, "ConfigMap %s/%s could not be applied; its previous jobs stay as they were", ns, name);
        } finally {
            done.put(ns + "/" + name, cm.getMetadata().getResourceVersion());
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
            String applied = done.get(cm.getMetadata().getNamespace() + "/" + cm.getMetadata().getName());
            if (!Objects.equals(applied, cm.getMetadata().getResourceVersion())) {
                return false;
            }
        }
        loaded = true;
        return true;
    }

    /** The ConfigMap a job came from, as last applied. */
    public Optional<Ref> ref(JobId job) {
        String ns = job.namespaceOr(namespace == null ? "" : namespace);
        return Optional.ofNullable(applied.get(ns + "/" + job.source()));
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
