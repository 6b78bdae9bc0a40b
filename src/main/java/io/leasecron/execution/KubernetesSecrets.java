package io.leasecron.execution;

import io.leasecron.job.SecretResolver;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.engine.Clock;
import io.leasecron.job.JobId;
import io.leasecron.job.SecretRef;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secrets of the job's namespace (the service's own for ids that do not name one), read with {@code get} when a fire
 * needs one and kept for {@value #CACHE_SECONDS} seconds, so a rotated credential is picked up within that time. A
 * job never reads a Secret of another namespace: the namespace is the job's, not the reference's to choose.
 */
public final class KubernetesSecrets implements SecretResolver {
    static final long CACHE_SECONDS = 30;
    private final KubernetesClient client;
    private final String namespace;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Map<String, String> data, long readAtNanos) {
    }

    /** @param namespace the service's namespace: where the Secrets of jobs whose ids name no namespace are */
    public KubernetesSecrets(KubernetesClient client, String namespace, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.clock = clock;
    }

    @Override
    public String value(JobId job, SecretRef ref) throws SecretUnavailableException {
        String namespace = job.namespaceOr(this.namespace);
        String key = namespace + "/" + ref.name();
        long now = clock.nanoTime();
        Cached c = cache.get(key);
        if (c == null || now - c.readAtNanos() > CACHE_SECONDS * 1_000_000_000L) {
            Secret s;
            try {
                s = client.secrets().inNamespace(namespace).withName(ref.name()).get();
            } catch (KubernetesClientException e) {
                throw new SecretUnavailableException(ref + ": " + (e.getCode() == 403
                        ? "forbidden; grant get on secrets in namespace " + namespace + " (docs/rbac.md)"
                        : "cannot be read (HTTP " + e.getCode() + ")"));
            }
            if (s == null) {
                cache.remove(key);
                throw new SecretUnavailableException(ref + ": there is no Secret " + ref.name() + " in namespace " + namespace);
            }
            c = new Cached(s.getData() == null ? Map.of() : Map.copyOf(s.getData()), now);
            cache.put(key, c);
        }
        String encoded = c.data().get(ref.key());
        if (encoded == null) {
            throw new SecretUnavailableException(ref + ": the Secret has no such key (keys: " + new TreeSet<>(c.data().keySet()) + ")");
        }
        return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }
}
