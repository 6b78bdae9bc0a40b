package io.leasecron.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Status shards in a map, shared by several {@link ClusterStatus} as ConfigMaps are by replicas: versions count up,
 * a write against another version is a {@link ShardStore.Conflict}, and each watcher sees every version at once unless
 * it is {@link Watcher#paused} (a watch that lags).
 */
final class MapShardStore {
    final Map<Integer, ShardStore.Shard> shards = new TreeMap<>();
    final List<String> writes = new ArrayList<>();
    private final List<Watcher> watchers = new ArrayList<>();
    private long version = 100;

    /** One replica's view of the store. */
    final class Watcher implements ShardStore {
        boolean paused;
        private Consumer<Shard> changed;

        @Override
        public void watch(Consumer<Shard> changed) {
            this.changed = changed;
            synchronized (MapShardStore.this) {
                watchers.add(this);
                shards.values().forEach(changed);
            }
        }

        /** Delivers the current version of every shard (a watch that caught up). */
        void resume() {
            paused = false;
            synchronized (MapShardStore.this) {
                shards.values().forEach(changed);
            }
        }

        @Override
        public boolean synced() {
            return changed != null;
        }

        @Override
        public Optional<Shard> read(int index) {
            synchronized (MapShardStore.this) {
                return Optional.ofNullable(shards.get(index));
            }
        }

        @Override
        public Shard write(int index, String base, Map<String, String> data) throws Conflict {
            return MapShardStore.this.write(index, base, data);
        }

        @Override
        public void close() {
        }
    }

    Watcher watcher() {
        return new Watcher();
    }

    synchronized ShardStore.Shard write(int index, String base, Map<String, String> data) throws ShardStore.Conflict {
        ShardStore.Shard current = shards.get(index);
        String now = current == null ? null : current.resourceVersion();
        writes.add(index + "@" + base);
        if (base == null ? now != null : !base.equals(now)) {
            throw new ShardStore.Conflict("shard " + index + " is at " + now + ", not " + base);
        }
        ShardStore.Shard next = new ShardStore.Shard(index, Long.toString(++version), data);
        shards.put(index, next);
        for (Watcher w : watchers) {
            if (!w.paused) {
                w.changed.accept(next);
            }
        }
        return next;
    }
}
