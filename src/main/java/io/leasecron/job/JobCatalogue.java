package io.leasecron.job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Every job this replica knows, by source (a ConfigMap) and key, valid or not. Sources push whole ConfigMap
 * snapshots; the catalogue validates each key and hands valid specs to its {@link Sink} (the engine)
 * synchronously, before the entry becomes visible here. So a job that can be read from the catalogue is always
 * already scheduled: reads after writes see the write.
 *
 * <p>A broken edit of a job that was valid keeps the last valid spec scheduled and records the error beside it;
 * a new job that is invalid is listed with its error and never scheduled. Nothing else is disturbed.
 */
public final class JobCatalogue {
    private static final Logger LOG = Logger.getLogger(JobCatalogue.class);

    /** Receives valid specs; the engine. */
    public interface Sink {
        void upsert(JobSpec spec);

        void remove(JobId id);
    }

    /**
     * One job key as last seen.
     *
     * @param active the spec being scheduled: the current one if valid, else the last valid one, if any
     * @param problems why the current text is invalid; empty when it is valid
     */
    public record Entry(JobId id, Optional<JobSpec> active, List<String> problems, String text) {
        public Entry {
            problems = List.copyOf(problems);
        }

        public boolean valid() {
            return problems.isEmpty();
        }

        /** The full error message, each problem prefixed by the job id; empty when valid. */
        public Optional<String> error() {
            return valid() ? Optional.empty()
                    : Optional.of(String.join("; ", problems.stream().map(p -> id + ": " + p).toList()));
        }
    }

    /** A spec was rejected; {@code kept} is the earlier valid version that stays scheduled, if there is one. */
    public record Rejection(JobId id, InvalidJobSpecException error, Optional<JobSpec> kept) {
        public boolean keptPrevious() {
            return kept.isPresent();
        }
    }

    private final Sink sink;
    private final Map<String, Map<String, Entry>> sources = new HashMap<>();
    private final Map<String, String> sourceProblems = new TreeMap<>();
    private final List<Consumer<Rejection>> rejectionListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<JobSpec>> scheduledListeners = new CopyOnWriteArrayList<>();

    private final JobSpecParser.Options options;
    private final SpecCheck check;

    public JobCatalogue(Sink sink) {
        this(sink, JobSpecParser.Options.DEFAULT);
    }

    public JobCatalogue(Sink sink, JobSpecParser.Options options) {
        this(sink, options, SpecCheck.NONE);
    }

    /** @param check run on each new or changed valid spec before it is scheduled; its problems make the spec invalid */
    public JobCatalogue(Sink sink, JobSpecParser.Options options, SpecCheck check) {
        this.sink = Objects.requireNonNull(sink);
        this.options = Objects.requireNonNull(options);
        this.check = Objects.requireNonNull(check);
    }

    public void onRejection(Consumer<Rejection> listener) {
        rejectionListeners.add(listener);
    }

    /** {@link #apply(String, String, Map)} for a ConfigMap whose jobs' ids do not name a namespace. */
    public void apply(String source, Map<String, String> data) {
        apply("", source, data);
    }

    /** Called, after the engine has it, with each spec that is new or whose text changed; never for a resync. */
    public void onScheduled(Consumer<JobSpec> listener) {
        scheduledListeners.add(listener);
    }

    /**
     * Replaces everything known from ConfigMap {@code source} of {@code namespace} with {@code data} (ConfigMap key to
     * YAML); an empty namespace gives ids that do not name one. Unchanged keys are left alone, so a resync or a rescan
     * never reschedules anything. A key that is not a valid ConfigMap key is listed with that error, never scheduled.
     */
    public void apply(String namespace, String configMap, Map<String, String> data) {
        apply(namespace, configMap, data, checked(namespace, configMap, data));
    }

    /**
     * The {@link SpecCheck} problems of each key whose text is new or changed and parses, by key and text; run without
     * the lock, so a slow check (an API call) holds up no reader. A key edited again meanwhile is checked next time.
     */
    private Map<String, Map.Entry<String, List<String>>> checked(String namespace, String configMap, Map<String, String> data) {
        if (check == SpecCheck.NONE) {
            return Map.of();
        }
        Map<String, Map.Entry<String, List<String>>> out = new HashMap<>();
        for (Map.Entry<String, String> e : data.entrySet()) {
            String text = e.getValue() == null ? "" : e.getValue();
            JobId id;
            try {
                id = new JobId(namespace, configMap, e.getKey());
            } catch (IllegalArgumentException ex) {
                continue;
            }
            if (entry(id).map(old -> old.text().equals(text)).orElse(false)) {
                continue;
            }
            try {
                List<String> problems = check.problems(parse(id, text));
                if (!problems.isEmpty()) {
                    out.put(e.getKey(), Map.entry(text, problems));
                }
            } catch (InvalidJobSpecException ex) {
                // reported by apply
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "%s: checking the spec failed; it is scheduled unchecked", id);
            }
        }
        return out;
    }

    private synchronized void apply(String namespace, String configMap, Map<String, String> data,
            Map<String, Map.Entry<String, List<String>>> checked) {
        String source = JobId.sourceKey(namespace, configMap);
        try {
            new JobId(namespace, configMap, "-");
        } catch (IllegalArgumentException e) {
            reportSourceProblem(source, e.getMessage() + "; its jobs are not loaded");
            return;
        }
        Map<String, Entry> previous = sources.getOrDefault(source, Map.of());
        Map<String, Entry> next = new LinkedHashMap<>();
        List<Rejection> rejections = new ArrayList<>();
        List<JobSpec> scheduled = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
            String key = e.getKey();
            String text = e.getValue() == null ? "" : e.getValue();
            Entry old = previous.get(key);
            if (old != null && old.text().equals(text)) {
                next.put(key, old);
                continue;
            }
            if (key.isEmpty()) {
                LOG.warnf("%s: a data key is empty; ignored", source);
                continue;
            }
            JobId id = new JobId(namespace, configMap, key);
            try {
                JobSpec spec = parse(id, text);
                var refused = checked.get(key);
                if (refused != null && refused.getKey().equals(text)) {
                    throw new InvalidJobSpecException(id, refused.getValue());
                }
                sink.upsert(spec);
                next.put(key, new Entry(id, Optional.of(spec), List.of(), text));
                scheduled.add(spec);
            } catch (InvalidJobSpecException ex) {
                Optional<JobSpec> kept = old != null ? old.active() : Optional.empty();
                next.put(key, new Entry(id, kept, ex.problems(), text));
                rejections.add(new Rejection(id, ex, kept));
            }
        }
        for (Map.Entry<String, Entry> e : previous.entrySet()) {
            if (!next.containsKey(e.getKey()) && e.getValue().active().isPresent()) {
                sink.remove(e.getValue().id());
            }
        }
        if (next.isEmpty()) {
            sources.remove(source);
        } else {
            sources.put(source, next);
        }
        sourceProblems.remove(source);
        for (JobSpec spec : scheduled) {
            for (Consumer<JobSpec> l : scheduledListeners) {
                try {
                    l.accept(spec);
                } catch (RuntimeException ex) {
                    LOG.errorf(ex, "%s: scheduled listener failed", spec.id());
                }
            }
        }
        for (Rejection r : rejections) {
            LOG.warnf("%s%s", r.error().getMessage(), r.keptPrevious() ? " (the last valid version keeps running)" : "");
            for (Consumer<Rejection> l : rejectionListeners) {
                try {
                    l.accept(r);
                } catch (RuntimeException ex) {
                    LOG.errorf(ex, "%s: rejection listener failed", r.id());
                }
            }
        }
    }

    /**
     * The spec of a job, or its problems: those of its key (only a local jobs folder can hold an invalid one; the API
     * server refuses them) listed before those of its text.
     */
    private JobSpec parse(JobId id, String text) throws InvalidJobSpecException {
        Optional<String> keyProblem = JobId.keyProblem(id.name());
        if (keyProblem.isEmpty()) {
            return JobSpecParser.parse(id, text, options);
        }
        List<String> problems = new ArrayList<>(List.of(keyProblem.get()));
        try {
            JobSpecParser.parse(id, text, options);
        } catch (InvalidJobSpecException e) {
            problems.addAll(e.problems());
        }
        throw new InvalidJobSpecException(id, problems);
    }

    /** The ConfigMap {@code source} of {@code namespace} is gone: all of its jobs are unscheduled. */
    public void removeSource(String namespace, String source) {
        removeSource(JobId.sourceKey(namespace, source));
    }

    /**
     * The source is gone (ConfigMap deleted, file removed): all of its jobs are unscheduled. {@code source} as
     * {@link JobId#sourceKey()} names it.
     */
    public synchronized void removeSource(String source) {
        Map<String, Entry> previous = sources.remove(source);
        sourceProblems.remove(source);
        if (previous != null) {
            for (Entry e : previous.values()) {
                if (e.active().isPresent()) {
                    sink.remove(e.id());
                }
            }
        }
    }

    /** A source that could not be read at all (not YAML, not a ConfigMap); its last good jobs stay scheduled. */
    public synchronized void reportSourceProblem(String source, String problem) {
        if (!problem.equals(sourceProblems.put(source, problem))) {
            LOG.warnf("%s: %s", source, problem);
        }
    }

    /** Replaces every source problem at once (a source that rescans everything reports all of them). */
    public synchronized void replaceSourceProblems(Map<String, String> problems) {
        problems.forEach((source, problem) -> {
            if (!problem.equals(sourceProblems.get(source))) {
                LOG.warnf("%s: %s", source, problem);
            }
        });
        sourceProblems.clear();
        sourceProblems.putAll(problems);
    }

    public synchronized Map<String, String> sourceProblems() {
        return Map.copyOf(sourceProblems);
    }

    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        sources.values().forEach(m -> out.addAll(m.values()));
        out.sort(Comparator.comparing(Entry::id));
        return out;
    }

    /**
     * Reads the catalogue and whatever its sink holds in one consistent view: the sink is only changed under this
     * lock, so a job listed by {@code view} is scheduled in the engine for the whole call.
     */
    public synchronized <T> T read(java.util.function.Function<List<Entry>, T> view) {
        return view.apply(entries());
    }

    /** One job and whatever the sink holds for it, in one consistent view (see {@link #read}). */
    public synchronized <T> Optional<T> readEntry(JobId id, java.util.function.Function<Entry, T> view) {
        return entry(id).map(view);
    }

    public synchronized Optional<Entry> entry(JobId id) {
        return Optional.ofNullable(sources.getOrDefault(id.sourceKey(), Map.of()).get(id.name()));
    }

    /** Jobs whose current text is valid ({@code true}) or invalid ({@code false}), without copying the catalogue. */
    public synchronized long count(boolean valid) {
        long n = 0;
        for (Map<String, Entry> m : sources.values()) {
            for (Entry e : m.values()) {
                n += e.valid() == valid ? 1 : 0;
            }
        }
        return n;
    }

    public synchronized int size() {
        return sources.values().stream().mapToInt(Map::size).sum();
    }
}
