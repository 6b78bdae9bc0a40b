package io.leasecron.api.auth;

import io.leasecron.engine.Clock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The API server's recent answers about tokens, reused for a short time so that a burst of requests with one token
 * costs one TokenReview and one SubjectAccessReview per request kind, not one each.
 *
 * <p>Guarantees: an answer is reused for at most the time-to-live, measured on the monotonic clock; at most
 * {@code capacity} answers are held (the oldest goes first); keys hold a SHA-256 digest of the token, never the token
 * itself. Not promised: that a revoked token or binding is refused before the time-to-live has passed.
 */
final class AuthCache<V> {
    private record Entry<V>(V value, long storedAt) {
    }

    private final Clock clock;
    private final long ttlNanos;
    private final int capacity;
    private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>();

    AuthCache(Clock clock, Duration ttl, int capacity) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("LEASECRON_API_AUTH_CACHE_TTL must not be negative, got " + ttl);
        }
        this.clock = clock;
        this.ttlNanos = ttl.toNanos();
        this.capacity = capacity;
    }

    /** The answer stored for {@code key} less than the time-to-live ago. */
    synchronized Optional<V> get(String key) {
        Entry<V> e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (clock.nanoTime() - e.storedAt() >= ttlNanos) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(e.value());
    }

    synchronized void put(String key, V value) {
        if (ttlNanos == 0) {
            return;
        }
        long now = clock.nanoTime();
        entries.remove(key);
        if (entries.size() >= capacity) {
            for (Iterator<Map.Entry<String, Entry<V>>> it = entries.entrySet().iterator(); it.hasNext(); ) {
                if (now - it.next().getValue().storedAt() >= ttlNanos) {
                    it.remove();
                }
            }
        }
        while (entries.size() >= capacity) {
            entries.remove(entries.keySet().iterator().next());
        }
        entries.put(key, new Entry<>(value, now));
    }

    synchronized int size() {
        return entries.size();
    }

    /** The digest that stands for a token in keys: SHA-256, hex. */
    static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
