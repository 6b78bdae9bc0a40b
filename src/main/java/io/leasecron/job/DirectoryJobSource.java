package io.leasecron.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Local mode's job source: a folder of the same ConfigMap manifests a user would {@code kubectl apply}
 * ({@code *.yaml}, {@code *.yml}, several documents per file allowed). Only ConfigMaps labelled
 * {@code leasecron.io/jobs: "true"} are read, as in a cluster. The folder is watched and rescanned on change;
 * {@link #rescan()} applies the folder synchronously, so a caller that edits a file and rescans reads its edit.
 *
 * <p>Secret manifests in the folder ({@code kind: Secret}, {@code data} in base64 or {@code stringData}) answer the
 * jobs' {@code valueFrom.secretKeyRef}, as Secrets of the namespace would in a cluster.
 */
public final class DirectoryJobSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DirectoryJobSource.class);
    public static final String LABEL = "leasecron.io/jobs";
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Path directory;
    private JobCatalogue catalogue;
    private final Set<String> known = new HashSet<>();
    /** The ConfigMaps each file held at its last successful read. */
    private final Map<Path, Set<String>> heldBy = new HashMap<>();
    private volatile boolean loaded;
    private volatile Map<String, Map<String, String>> secrets = Map.of();
    private WatchService watcher;
    private Thread thread;

    public DirectoryJobSource(Path directory, JobCatalogue catalogue) {
        this.directory = directory;
        this.catalogue = catalogue;
    }

    /** Sets the catalogue the folder feeds, for a source made before its catalogue (its Secrets feed the runners). */
    public void attach(JobCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    /** Loads the folder once, then watches it. Fails if the folder does not exist. */
    public void start() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException("jobs directory " + directory.toAbsolutePath()
                    + " does not exist; set LEASECRON_JOBS_DIR to a folder of ConfigMap YAML files");
        }
        rescan();
        watcher = FileSystems.getDefault().newWatchService();
        directory.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread = new Thread(this::watch, "leasecron-jobs-dir");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("watching %s for ConfigMaps labelled %s=true", directory.toAbsolutePath(), LABEL);
    }

    public boolean loaded() {
        return loaded;
    }

    private void watch() {
        while (true) {
            try {
                WatchKey key = watcher.take();
                // Editors write in several steps; let them finish, then read the folder once.
                Thread.sleep(100);
                while (watcher.poll(50, TimeUnit.MILLISECONDS) != null) {
                    // drain the burst
                }
                key.pollEvents();
                key.reset();
                rescan();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("rescanning the jobs directory failed; will retry on the next change", e);
            }
        }
    }

    /** Reads every manifest in the folder and applies the ConfigMaps found, synchronously. */
    public synchronized void rescan() {
        Map<String, Map<String, String>> found = new LinkedHashMap<>();
        Map<String, Path> origin = new HashMap<>();
        Set<String> unreadable = new HashSet<>();
        Map<String, String> problems = new java.util.TreeMap<>();
        Map<String, Map<String, String>> foundSecrets = new HashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(directory)) {
            files = s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            LOG.errorf("cannot list %s: %s; keeping the jobs already loaded", directory, e.getMessage());
            return;
        }
        heldBy.keySet().retainAll(files);
        for (Path file : files) {
            readFile(file, found, origin, unreadable, problems, foundSecrets);
        }
        secrets = Map.copyOf(foundSecrets);
        for (Map.Entry<String, Map<String, String>> e : found.entrySet()) {
            catalogue.apply(e.getKey(), e.getValue());
        }
        Set<String> gone = new HashSet<>(known);
        gone.removeAll(found.keySet());
        gone.removeAll(unreadable);
        for (String name : gone) {
            catalogue.removeSource(name);
        }
        known.clear();
        known.addAll(found.keySet());
        known.addAll(unreadable);
        catalogue.replaceSourceProblems(problems);
        loaded = true;
    }

    private void readFile(Path file, Map<String, Map<String, String>> found, Map<String, Path> origin, Set<String> unreadable,
            Map<String, String> problems, Map<String, Map<String, String>> foundSecrets) {
        String fileName = file.getFileName().toString();
        Map<String, Map<String, String>> mine = new LinkedHashMap<>();
        try {
            if (Files.size(file) == 0 && heldBy.containsKey(file)) {
                // Truncated by a writer that has not written yet (a shell redirect, an editor saving in place): not
                // an instruction to unschedule. Deleting the file, or removing the ConfigMaps from it, is.
                problems.put(fileName, fileName + " is empty; the jobs it held keep running until it has content again or is deleted");
                unreadable.addAll(heldBy.get(file));
                return;
            }
        } catch (IOException e) {
            // gone meanwhile: the read below says so
        }
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if (doc != null && "Secret".equals(doc.path("kind").asText())) {
                    secret(doc, fileName, problems, foundSecrets);
                    continue;
                }
                if (doc == null || doc.isNull() || doc.isMissingNode() || !"ConfigMap".equals(doc.path("kind").asText())) {
                    continue;
                }
                String name = doc.path("metadata").path("name").asText("");
                if (name.isEmpty()) {
                    problems.put(fileName, "a ConfigMap without metadata.name; give it a name");
                    continue;
                }
                if (!"true".equals(doc.path("metadata").path("labels").path(LABEL).asText())) {
                    LOG.debugf("%s: ConfigMap %s is not labelled %s=\"true\"; ignored", fileName, name, LABEL);
                    continue;
                }
                if (!name.matches("[-._a-zA-Z0-9]+")) {
                    problems.put(fileName, "ConfigMap name \"" + name + "\" must match [-._a-zA-Z0-9]+ (a Kubernetes object name);"
                            + " its jobs are not loaded, rename it");
                    continue;
                }
                if (origin.containsKey(name) || mine.containsKey(name)) {
                    Path first = origin.getOrDefault(name, file);
                    problems.put(name, "ConfigMap " + name + " is defined in both " + first.getFileName() + " and " + fileName
                            + "; only the first is used, rename one");
                    continue;
                }
                JsonNode dataNode = doc.path("data");
                if (!dataNode.isMissingNode() && !dataNode.isNull() && !dataNode.isObject()) {
                    problems.put(name, fileName + ": data must be a mapping of job name to YAML text");
                    continue;
                }
                Map<String, String> data = new LinkedHashMap<>();
                // A key that is not a valid ConfigMap key is kept: the catalogue lists it with that error.
                dataNode.fields().forEachRemaining(f -> {
                    if (f.getKey().isEmpty()) {
                        problems.put(name, fileName + ": a data key is empty; give the job a name");
                    } else {
                        data.put(f.getKey(), f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString());
                    }
                });
                mine.put(name, data);
            }
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            problems.put(fileName, "cannot read " + fileName + ": " + msg + "; the jobs it held keep their last valid version");
            // A half-written file must not unschedule the jobs it held at its last good read.
            unreadable.addAll(heldBy.getOrDefault(file, Set.of()));
            return;
        }
        mine.forEach((name, data) -> {
            origin.put(name, file);
            found.put(name, data);
        });
        heldBy.put(file, new HashSet<>(mine.keySet()));
    }

    private static void secret(JsonNode doc, String fileName, Map<String, String> problems, Map<String, Map<String, String>> out) {
        String name = doc.path("metadata").path("name").asText("");
        Map<String, String> values = new HashMap<>();
        try {
            doc.path("data").fields().forEachRemaining(f -> values.put(f.getKey(),
                    new String(java.util.Base64.getDecoder().decode(f.getValue().asText().trim()), java.nio.charset.StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            problems.put(fileName, "Secret " + name + ": data values must be base64 (or use stringData for plain text)");
            return;
        }
        doc.path("stringData").fields().forEachRemaining(f -> values.put(f.getKey(), f.getValue().asText()));
        if (!name.isEmpty()) {
            out.put(name, Map.copyOf(values));
        }
    }

    /** The Secrets found in the folder at the last rescan. */
    public SecretResolver secrets() {
        return (job, ref) -> {
            Map<String, String> s = secrets.get(ref.name());
            if (s == null) {
                throw new SecretResolver.SecretUnavailableException(ref + ": there is no Secret "
                        + ref.name() + " in " + directory);
            }
            String v = s.get(ref.key());
            if (v == null) {
                throw new SecretResolver.SecretUnavailableException(ref + ": the Secret has no such key (keys: "
                        + new java.util.TreeSet<>(s.keySet()) + ")");
            }
            return v;
        };
    }

    @Override
    public void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing watcher", e);
            }
        }
    }
}
