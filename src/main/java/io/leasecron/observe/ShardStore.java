package io.leasecron.observe;

import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where status shards are kept: ConfigMaps in Kubernetes ({@link ConfigMapShardStore}); a map in tests. Writes are
 * conditional on the version read, as Kubernetes' optimistic concurrency makes them.
 */
public interface ShardStore {

    /** One shard as stored: its index, the version to write against, and its data (key: job, value: JSON). */
    record Shard(int index, String resourceVersion, Map<String, String> data) {
        public Shard {
            data = Map.copyOf(data);
        }
    }

    /** The write was based on a version that is no longer the stored one (HTTP 409): read again, merge, retry. */
    final class Conflict extends Exception {
        public Conflict(String message) {
            super(message);
        }
    }

    /** Starts following every shard; {@code changed} gets each version seen, in order, from another thread. */
    void watch(Consumer<Shard> changed);

    /** True once the first list of shards has been delivered to {@code changed}. */
    boolean synced();

    /** The shard as stored now, read from the server (after a conflict); empty when it does not exist. */
    Optional<Shard> read(int index);

    /**
     * Creates the shard ({@code base} null) or replaces the data of version {@code base}, and returns the stored result.
     *
     * @throws Conflict when the shard exists (create) or is no longer at version {@code base}
     */
    Shard write(int index, String base, Map<String, String> data) throws Conflict;

    void close();
}
