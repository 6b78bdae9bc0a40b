package io.leasecron.leader;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/** The election's Lease as a {@code coordination.k8s.io/v1} object, through the Fabric8 client. */
public final class KubernetesLeaseStore implements LeaseStore {
    private static final Logger LOG = Logger.getLogger(KubernetesLeaseStore.class);
    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    public KubernetesLeaseStore(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    private Resource<Lease> lease() {
        return client.leases().inNamespace(namespace).withName(name);
    }

    @Override
    public Optional<LeaseRecord> get() throws LeaseStoreException {
        try {
            return Optional.ofNullable(lease().get()).map(KubernetesLeaseStore::record);
        } catch (KubernetesClientException e) {
            throw failure("get", e);
        }
    }

    @Override
    public LeaseRecord create(LeaseRecord r) throws Conflict, LeaseStoreException {
        try {
            return record(client.leases().inNamespace(namespace).resource(lease(r, null)).create());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw new Conflict("lease " + namespace + "/" + name + " was created by another replica first");
            }
            throw failure("create", e);
        }
    }

    @Override
    public LeaseRecord update(LeaseRecord r) throws Conflict, LeaseStoreException {
        try {
            return record(client.leases().inNamespace(namespace).resource(lease(r, r.resourceVersion())).update());
        } catch (KubernetesClientException e) {
            // The Fabric8 mock server answers a stale resourceVersion with 409 and reason Invalid: go by the code.
            if (e.getCode() == 409) {
                throw new Conflict("lease " + namespace + "/" + name + " changed since resourceVersion " + r.resourceVersion());
            }
            if (e.getCode() == 404) {
                throw new Conflict("lease " + namespace + "/" + name + " was deleted");
            }
            throw failure("update", e);
        }
    }

    @Override
    public AutoCloseable watch(Consumer<Optional<LeaseRecord>> onChange) {
        // An informer rather than a bare watch: it relists after a watch expires (410) or the connection drops.
        SharedIndexInformer<Lease> informer = lease().runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Lease l) {
                onChange.accept(Optional.of(record(l)));
            }

            @Override
            public void onUpdate(Lease old, Lease l) {
                onChange.accept(Optional.of(record(l)));
            }

            @Override
            public void onDelete(Lease l, boolean finalStateUnknown) {
                onChange.accept(Optional.empty());
            }
        });
        // Keep going through any failure, the first list included (by default an informer stops if that fails).
        informer.exceptionHandler((started, t) -> {
            LOG.debugf("watching lease %s/%s failed (%s); retrying", namespace, name, t.getMessage());
            return true;
        });
        informer.start();
        return informer::close;
    }

    private LeaseStoreException failure(String verb, KubernetesClientException e) {
        String what = verb + " lease " + namespace + "/" + name;
        String why = switch (e.getCode()) {
            case 401 -> "unauthorized: the service account token was refused";
            case 403 -> "forbidden: grant get, create, update, list and watch on leases.coordination.k8s.io (docs/rbac.md)";
            case 0 -> "no response: " + rootMessage(e);
            default -> "HTTP " + e.getCode() + ": " + (e.getStatus() != null && e.getStatus().getMessage() != null
                    ? e.getStatus().getMessage() : rootMessage(e));
        };
        return new LeaseStoreException("cannot " + what + ": " + why, e);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    static LeaseRecord record(Lease l) {
        var spec = l.getSpec();
        Map<String, String> a = l.getMetadata().getAnnotations() == null ? Map.of() : l.getMetadata().getAnnotations();
        return new LeaseRecord(spec == null ? null : spec.getHolderIdentity(),
                spec == null || spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds(),
                spec == null ? null : instant(spec.getAcquireTime()), spec == null ? null : instant(spec.getRenewTime()),
                spec == null || spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions(),
                a.containsKey(LeaseRecord.TERM) ? parseTerm(a.get(LeaseRecord.TERM)) : 0,
                parseInstant(a.get(LeaseRecord.CLAIMED_UNTIL)), parseInstant(a.get(LeaseRecord.DISPATCHED_THROUGH)),
                l.getMetadata().getResourceVersion());
    }

    private Lease lease(LeaseRecord r, String resourceVersion) {
        Map<String, String> annotations = new HashMap<>();
        annotations.put(LeaseRecord.TERM, Long.toString(r.term()));
        if (r.claimedUntil() != null) {
            annotations.put(LeaseRecord.CLAIMED_UNTIL, r.claimedUntil().toString());
        }
        if (r.dispatchedThrough() != null) {
            annotations.put(LeaseRecord.DISPATCHED_THROUGH, r.dispatchedThrough().toString());
        }
        Lease l = new Lease();
        l.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).withResourceVersion(resourceVersion)
                .withAnnotations(annotations).withLabels(Map.of("app.kubernetes.io/name", "leasecron")).build());
        l.setSpec(new LeaseSpecBuilder().withHolderIdentity(r.held() ? r.holder() : null)
                .withLeaseDurationSeconds(r.leaseDurationSeconds()).withAcquireTime(zoned(r.acquireTime()))
                .withRenewTime(zoned(r.renewTime())).withLeaseTransitions(r.transitions()).build());
        return l;
    }

    private static long parseTerm(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Instant parseInstant(String s) {
        try {
            return s == null || s.isBlank() ? null : Instant.parse(s.trim());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static Instant instant(ZonedDateTime t) {
        return t == null ? null : t.toInstant();
    }

    private static ZonedDateTime zoned(Instant t) {
        return t == null ? null : t.atZone(ZoneOffset.UTC);
    }
}
