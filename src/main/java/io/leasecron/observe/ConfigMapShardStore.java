package io.leasecron.observe;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Status shards as ConfigMaps {@code <lease>-status-<n>} in the service's namespace, labelled
 * {@code leasecron.io/status=true}, followed by an informer on that label (ConfigMaps of another release's lease in
 * the same namespace are ignored by name). Writes are a create, or an update conditional on the version read.
 */
public final class ConfigMapShardStore implements ShardStore {
    private static final Logger LOG = Logger.getLogger(ConfigMapShardStore.class);
    public static final String LABEL = "leasecron.io/status";

    private final KubernetesClient client;
    private final String namespace;
    private final String prefix;
    private volatile SharedIndexInformer<ConfigMap> informer;

    /** @param lease the Lease's name: the shards are {@code <lease>-status-0}, {@code -1}, ... */
    public ConfigMapShardStore(KubernetesClient client, String namespace, String lease) {
        this.client = client;
        this.namespace = namespace;
        this.prefix = lease + "-status-";
    }

    /** The name of shard {@code index}. */
    public String name(int index) {
        return prefix + index;
    }

    /** The shard a ConfigMap's name denotes, if it is one of this lease's. */
    OptionalInt index(String name) {
        if (!name.startsWith(prefix)) {
            return OptionalInt.empty();
        }
        String n = name.substring(prefix.length());
        if (!n.matches("0|[1-9][0-9]{0,3}")) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(Integer.parseInt(n));
    }

    @Override
    public void watch(Consumer<Shard> changed) {
        SharedIndexInformer<ConfigMap> i = client.configMaps().inNamespace(namespace).withLabel(LABEL, "true").runnableInformer(0);
        i.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                shard(cm).ifPresent(changed);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap cm) {
                shard(cm).ifPresent(changed);
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                index(cm.getMetadata().getName()).ifPresent(n -> changed.accept(new Shard(n, null, Map.of())));
            }
        });
        // Keep listing and watching through any failure, the first list included.
        i.exceptionHandler((started, t) -> {
            LOG.warnf("listing or watching the status ConfigMaps in namespace %s failed (%s); retrying", namespace, t.getMessage());
            return true;
        });
        i.start();
        informer = i;
    }

    private Optional<Shard> shard(ConfigMap cm) {
        OptionalInt n = index(cm.getMetadata().getName());
        if (n.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Shard(n.getAsInt(), cm.getMetadata().getResourceVersion(), cm.getData() == null ? Map.of() : cm.getData()));
    }

    @Override
    public boolean synced() {
        SharedIndexInformer<ConfigMap> i = informer;
        return i != null && i.hasSynced();
    }

    @Override
    public Optional<Shard> read(int index) {
        try {
            return Optional.ofNullable(client.configMaps().inNamespace(namespace).withName(name(index)).get()).flatMap(this::shard);
        } catch (KubernetesClientException e) {
            throw failure("get", index, e);
        }
    }

    @Override
    public Shard write(int index, String base, Map<String, String> data) throws Conflict {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name(index)).withNamespace(namespace)
                .withResourceVersion(base).addToLabels(LABEL, "true").addToLabels("app.kubernetes.io/managed-by", "leasecron")
                .endMetadata().withData(data).build();
        try {
            var configMaps = client.configMaps().inNamespace(namespace).resource(cm);
            return shard(base == null ? configMaps.create() : configMaps.update()).orElseThrow();
        } catch (KubernetesClientException e) {
            // The Fabric8 mock server answers a stale resourceVersion with 409 and reason Invalid: go by the code.
            if (e.getCode() == 409 || e.getCode() == 404 && base != null) {
                throw new Conflict("ConfigMap " + namespace + "/" + name(index) + (base == null ? " exists already"
                        : " is no longer at resourceVersion " + base));
            }
            throw failure(base == null ? "create" : "update", index, e);
        }
    }

    private RuntimeException failure(String verb, int index, KubernetesClientException e) {
        String why = e.getCode() == 403 ? "forbidden: grant " + verb + " on configmaps in namespace " + namespace + " (docs/rbac.md)"
                : e.getCode() == 0 ? "no response" : "HTTP " + e.getCode();
        return new IllegalStateException("cannot " + verb + " ConfigMap " + namespace + "/" + name(index) + ": " + why, e);
    }

    @Override
    public void close() {
        SharedIndexInformer<ConfigMap> i = informer;
        if (i != null) {
            i.close();
        }
    }
}
