package io.leasecron.job;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The job ConfigMap sources the namespace setting asks for ({@link WatchedNamespaces}): one informer per watched
 * namespace, or one over all namespaces; with a namespace selector, also an informer on the matching namespaces
 * (cluster-scoped {@code list} and {@code watch} on {@code namespaces}), so that a namespace labelled later has its
 * jobs loaded, and one unlabelled or deleted has them unscheduled. Only ConfigMaps in namespaces the selector matches
 * count; the replica is loaded once the namespaces and the ConfigMaps have both been listed and applied.
 */
public final class ConfigMapJobSources implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConfigMapJobSources.class);

    private final KubernetesClient client;
    private final WatchedNamespaces namespaces;
    private final List<ConfigMapJobSource> sources = new ArrayList<>();
    private SharedIndexInformer<Namespace> selected;

    public ConfigMapJobSources(KubernetesClient client, WatchedNamespaces namespaces, JobCatalogue catalogue) {
        this.client = client;
        this.namespaces = namespaces;
        if (namespaces.all()) {
            sources.add(new ConfigMapJobSource(client, null, true, this::admitted, catalogue));
        } else {
            for (String ns : namespaces.each()) {
                sources.add(new ConfigMapJobSource(client, ns, namespaces.qualified(), n -> true, catalogue));
            }
        }
    }

    /** With a selector: whether {@code namespace} matches it now (as the namespace informer last saw). */
    public boolean admitted(String namespace) {
        if (namespaces.selector().isEmpty()) {
            return true;
        }
        SharedIndexInformer<Namespace> s = selected;
        return s != null && s.getStore().getByKey(namespace) != null;
    }

    /**
     * With a selector: asks the API server to list namespaces by it once, so that a selector it cannot parse stops
     * the replica at startup with the server's reason, instead of an informer that retries it forever and a replica
     * that never becomes ready.
     */
    private void checkSelector() {
        namespaces.selector().ifPresent(selector -> {
            try {
                client.namespaces().withLabelSelector(selector).list(new ListOptionsBuilder().withLimit(1L).build());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 400) {
                    throw new IllegalStateException("LEASECRON_NAMESPACE_SELECTOR \"" + selector + "\" is not a label selector the API"
                            + " server accepts (" + (e.getStatus() != null ? e.getStatus().getMessage() : e.getMessage())
                            + "); write it like leasecron.io/tenant=true or team in (a,b)", e);
                }
                LOG.warnf("cannot check LEASECRON_NAMESPACE_SELECTOR (HTTP %d: %s); starting anyway", e.getCode(), e.getMessage());
            }
        });
    }

    /**
     * Starts every informer, the namespaces' first; returns at once, after one request to check a selector.
     *
     * @throws IllegalStateException the API server refuses the namespace selector as malformed
     */
    public void start() {
        checkSelector();
        namespaces.selector().ifPresent(selector -> {
            selected = client.namespaces().withLabelSelector(selector).runnableInformer(0);
            ConfigMapJobSource all = sources.get(0);
            selected.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Namespace ns) {
                    LOG.infof("namespace %s matches %s: its job ConfigMaps are read", ns.getMetadata().getName(), selector);
                    all.refresh(ns.getMetadata().getName());
                }

                @Override
                public void onUpdate(Namespace old, Namespace ns) {
                    all.refresh(ns.getMetadata().getName());
                }

                @Override
                public void onDelete(Namespace ns, boolean finalStateUnknown) {
                    LOG.infof("namespace %s is gone or no longer matches %s: its jobs are unscheduled", ns.getMetadata().getName(),
                            selector);
                    all.refresh(ns.getMetadata().getName());
                }
            });
            selected.exceptionHandler((started, t) -> {
                LOG.warnf("listing or watching the namespaces labelled %s failed (%s); retrying", selector, t.getMessage());
                return true;
            });
            selected.start();
        });
        sources.forEach(ConfigMapJobSource::start);
        LOG.infof("job ConfigMaps are read from %s; job ids are %s", namespaces,
                namespaces.qualified() ? "<namespace>/<configmap>/<key>" : "<configmap>/<key>");
    }

    /** True once every source has applied its first list (and, with a selector, the namespaces were listed). */
    public boolean loaded() {
        if (selected != null && !selected.hasSynced()) {
            return false;
        }
        return sources.stream().allMatch(ConfigMapJobSource::loaded);
    }

    /**
     * Restarts the ConfigMap informer of {@code namespace} (empty: the one of every namespace), for a watch that stalled
     * ({@link ConfigMapJobSource#restart()}); each is judged by its own traffic.
     */
    public void restart(String namespace) {
        sources.stream().filter(s -> s.namespace().equals(namespace)).forEach(ConfigMapJobSource::restart);
    }

    /** Where the informers watch, one entry each: namespaces, or a single empty one for every namespace. */
    public List<String> watched() {
        return sources.stream().map(ConfigMapJobSource::namespace).toList();
    }

    /** The ConfigMap a job came from, as last applied. */
    public Optional<ConfigMapJobSource.Ref> ref(JobId job) {
        for (ConfigMapJobSource s : sources) {
            Optional<ConfigMapJobSource.Ref> r = s.ref(job);
            if (r.isPresent()) {
                return r;
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        if (selected != null) {
            selected.close();
        }
        sources.forEach(ConfigMapJobSource::close);
    }
}
