package io.leasecron.control;

import io.leasecron.job.JobId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Local mode's {@link ControlStore}: one replica, so memory; nothing outlives the process. */
public final class MemoryControlStore implements ControlStore {
    private final Map<String, RunRecord> runs = new HashMap<>();
    private final Map<JobId, Pause> pauses = new HashMap<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long version;

    @Override
    public RunRecord create(RunRecord run) {
        RunRecord stored;
        synchronized (this) {
            if (runs.containsKey(run.name())) {
                throw new IllegalStateException("run " + run.name() + " exists already");
            }
            stored = run.withVersion(Long.toString(++version));
            runs.put(run.name(), stored);
        }
        changed();
        return stored;
    }

    @Override
    public synchronized Optional<RunRecord> readRun(String name) {
        return Optional.ofNullable(runs.get(name));
    }

    @Override
    public boolean replace(RunRecord run) {
        synchronized (this) {
            RunRecord now = runs.get(run.name());
            if (now == null || !now.version().equals(run.version())) {
                return false;
            }
            runs.put(run.name(), run.withVersion(Long.toString(++version)));
        }
        changed();
        return true;
    }

    @Override
    public void update(String name, Map<String, String> fields) {
        merge(name, fields, false);
    }

    @Override
    public void settle(String name, Map<String, String> fields) {
        merge(name, fields, true);
    }

    /** Sets the fields of a run, in one step with the check of {@code onlyUnstarted} (neither started nor ended). */
    private void merge(String name, Map<String, String> fields, boolean onlyUnstarted) {
        synchronized (this) {
            RunRecord now = runs.get(name);
            if (now == null || onlyUnstarted && (now.startedAt() != null || now.finished())) {
                return;
            }
            Map<String, String> data = now.data();
            data.putAll(fields);
            runs.put(name, RunRecord.parse(name, Long.toString(++version), data).orElseThrow());
        }
        changed();
    }

    @Override
    public void delete(String name) {
        synchronized (this) {
            runs.remove(name);
        }
        changed();
    }

    @Override
    public synchronized Collection<RunRecord> runs() {
        return new ArrayList<>(runs.values());
    }

    @Override
    public boolean pause(Pause pause) {
        synchronized (this) {
            if (pauses.putIfAbsent(pause.job(), pause) != null) {
                return false;
            }
        }
        changed();
        return true;
    }

    @Override
    public boolean resume(JobId job) {
        synchronized (this) {
            if (pauses.remove(job) == null) {
                return false;
            }
        }
        changed();
        return true;
    }

    @Override
    public Optional<Pause> readPause(JobId job) {
        return pause(job);
    }

    @Override
    public synchronized Optional<Pause> pause(JobId job) {
        return Optional.ofNullable(pauses.get(job));
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    @Override
    public void start() {
    }

    @Override
    public boolean synced() {
        return true;
    }

    @Override
    public void close() {
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }
}
