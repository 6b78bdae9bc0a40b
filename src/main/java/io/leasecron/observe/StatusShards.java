package io.leasecron.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leasecron.job.JobId;
import io.leasecron.observe.JobStatuses.Status;
import io.leasecron.observe.RunHistory.Record;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The layout of job status in ConfigMaps, without I/O: which shard holds a job (a CRC-32 of its id, modulo the shard
 * count: the same on every replica and every version), the data key and JSON value of one job, how two statuses of a
 * job merge, and how a shard is trimmed to its byte budget.
 *
 * <p>Merging is a union: runs are identified by slot, attempt and outcome, times take the later value. So applying the
 * same change twice, or onto a newer stored version written by another replica, loses nothing and duplicates nothing:
 * what makes a conflicting write safe to retry after re-reading.
 */
public final class StatusShards {
    /** A ConfigMap's data, keys and values together, must stay under 1 MiB; the budget leaves room below it. */
    public static final int MAX_BUDGET = 900 * 1024;
    /** The byte budget of a shard in the service: half the limit, so a shard at its budget is still a modest write. */
    public static final int DEFAULT_BUDGET = 512 * 1024;
    /** A run's detail (an error message, an HTTP status line) is cut to this many characters when stored. */
    public static final int MAX_DETAIL = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Newest slot first; a slot's later attempt first; then by outcome, so that every replica orders alike. */
    static final Comparator<Record> NEWEST_FIRST = Comparator.comparing(Record::slot).reversed()
            .thenComparing(Comparator.comparingInt(Record::attempt).reversed()).thenComparing(Record::outcome);

    private final int shards;
    private final int runsPerJob;
    private final int budget;

    /**
     * @param shards how many ConfigMaps hold the status
     * @param runsPerJob most runs kept per job
     * @param budget most bytes of data (keys and values) per shard
     */
    public StatusShards(int shards, int runsPerJob, int budget) {
        if (shards < 1 || shards > 1000) {
            throw new IllegalArgumentException("leasecron.status.shards must be between 1 and 1000, got " + shards);
        }
        if (runsPerJob < 1) {
            throw new IllegalArgumentException("leasecron.history.runs-per-job must be at least 1, got " + runsPerJob);
        }
        if (budget < 16 * 1024 || budget > MAX_BUDGET) {
            throw new IllegalArgumentException("a status shard's budget must be between 16 KiB and " + MAX_BUDGET + " bytes, got " + budget);
        }
        this.shards = shards;
        this.runsPerJob = runsPerJob;
        this.budget = budget;
    }

    public int shards() {
        return shards;
    }

    public int runsPerJob() {
        return runsPerJob;
    }

    /** The shard of a job: stable across replicas, restarts and versions (CRC-32 of the id's text). */
    public int shardOf(JobId job) {
        CRC32 crc = new CRC32();
        crc.update(job.toString().getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    /**
     * The data key of a job: its id with {@code /} as {@code .}, cut to fit, and 12 hex digits of its SHA-256, so that
     * two ids never share a key (the value names the job; the key only has to be unique and readable).
     */
    public static String key(JobId job) {
        String text = job.toString();
        String readable = text.replace('/', '.');
        if (readable.length() > 240) {
            readable = readable.substring(0, 240);
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return readable + "." + HexFormat.of().formatHex(d, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Two statuses of one job as one: the later times, the union of the runs, newest first, at most the cap. */
    public Status merge(Status stored, Status added) {
        if (stored == null) {
            stored = Status.NONE;
        }
        List<Record> runs = new ArrayList<>(added.runs());
        Set<String> seen = new HashSet<>();
        for (Record r : added.runs()) {
            seen.add(identity(r));
        }
        for (Record r : stored.runs()) {
            if (seen.add(identity(r))) {
                runs.add(r);
            }
        }
        runs.sort(NEWEST_FIRST);
        return cap(new Status(RunHistory.max(stored.lastScheduleTime(), added.lastScheduleTime()),
                RunHistory.max(stored.lastSuccessfulTime(), added.lastSuccessfulTime()), runs));
    }

    private Status cap(Status s) {
        return s.runs().size() <= runsPerJob ? s : new Status(s.lastScheduleTime(), s.lastSuccessfulTime(), s.runs().subList(0, runsPerJob));
    }

    private static String identity(Record r) {
        return r.slot() + "#" + r.attempt() + "#" + r.outcome();
    }

    /** A run as stored: its detail cut to {@link #MAX_DETAIL} characters. */
    static Record stored(Record r) {
        String detail = r.detail();
        if (detail != null && detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL - 1) + "…";
        }
        return detail == r.detail() ? r : new Record(r.slot(), r.outcome(), r.replica(), r.term(), r.attempt(), r.duration(), detail,
                r.willRetry());
    }

    // ------------------------------------------------------------------ encoding

    /**
     * A shard's data: each job under {@link #key}, trimmed to the budget. Trimming keeps the times of every job and drops
     * runs oldest first: the largest number of newest runs per job for which the shard fits. Jobs are dropped only when
     * even their times do not fit (tens of thousands of jobs per shard); then the jobs last in id order go first.
     */
    public Map<String, String> encode(Map<JobId, Status> jobs) {
        TreeMap<JobId, Status> sorted = new TreeMap<>(jobs);
        Map<JobId, String> keys = new LinkedHashMap<>();
        Map<JobId, String> heads = new LinkedHashMap<>();
        Map<JobId, List<String>> runs = new LinkedHashMap<>();
        int most = 0;
        for (var e : sorted.entrySet()) {
            keys.put(e.getKey(), key(e.getKey()));
            heads.put(e.getKey(), head(e.getKey(), e.getValue()));
            List<String> encoded = e.getValue().runs().stream().limit(runsPerJob).map(r -> run(stored(r))).toList();
            runs.put(e.getKey(), encoded);
            most = Math.max(most, encoded.size());
        }
        // Bytes of each job at k runs: key + head + ",\"runs\":[" + the first k runs + (k - 1) commas + "]}".
        Map<JobId, long[]> sizes = new LinkedHashMap<>();
        for (JobId job : sorted.keySet()) {
            List<String> r = runs.get(job);
            long[] size = new long[r.size() + 1];
            size[0] = utf8(keys.get(job)) + utf8(heads.get(job)) + RUNS_OPEN + 2;
            for (int i = 0; i < r.size(); i++) {
                size[i + 1] = size[i] + utf8(r.get(i)) + (i == 0 ? 0 : 1);
            }
            sizes.put(job, size);
        }
        if (size(sizes, 0) <= budget) {
            // The largest k that fits: the size grows with k.
            int low = 0;
            int high = most;
            while (low < high) {
                int k = (low + high + 1) / 2;
                if (size(sizes, k) <= budget) {
                    low = k;
                } else {
                    high = k - 1;
                }
            }
            return values(sorted.keySet(), keys, heads, runs, low);
        }
        // Not even the times fit: keep the jobs that do, in id order.
        List<JobId> kept = new ArrayList<>();
        long size = 0;
        for (JobId job : sorted.keySet()) {
            size += sizes.get(job)[0];
            if (size > budget) {
                break;
            }
            kept.add(job);
        }
        return values(kept, keys, heads, runs, 0);
    }

    private static final int RUNS_OPEN = ",\"runs\":[".length();

    private static long size(Map<JobId, long[]> sizes, int k) {
        long total = 0;
        for (long[] s : sizes.values()) {
            total += s[Math.min(k, s.length - 1)];
        }
        return total;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static Map<String, String> values(Iterable<JobId> jobs, Map<JobId, String> keys, Map<JobId, String> heads,
            Map<JobId, List<String>> runs, int k) {
        Map<String, String> data = new TreeMap<>();
        for (JobId job : jobs) {
            data.put(keys.get(job), value(heads.get(job), runs.get(job), k));
        }
        return data;
    }

    /** {@code head} is the job's object without its closing brace; the runs follow as an array. */
    private static String value(String head, List<String> runs, int k) {
        List<String> kept = runs.subList(0, Math.min(k, runs.size()));
        return head + ",\"runs\":[" + String.join(",", kept) + "]}";
    }

    private static String head(JobId job, Status s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", job.toString());
        if (s.lastScheduleTime() != null) {
            o.put("lastScheduleTime", s.lastScheduleTime().toString());
        }
        if (s.lastSuccessfulTime() != null) {
            o.put("lastSuccessfulTime", s.lastSuccessfulTime().toString());
        }
        String text = write(o);
        return text.substring(0, text.length() - 1);
    }

    /** Fields at their default (no replica, term 0, no detail, no retry) are left out. */
    private static String run(Record r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("slot", r.slot().toString());
        o.put("outcome", r.outcome());
        if (r.replica() != null) {
            o.put("replica", r.replica());
        }
        if (r.term() != 0) {
            o.put("term", r.term());
        }
        if (r.attempt() != 0) {
            o.put("attempt", r.attempt());
        }
        if (!r.duration().isZero()) {
            o.put("durationMs", r.duration().toMillis());
        }
        if (r.detail() != null) {
            o.put("detail", r.detail());
        }
        if (r.willRetry()) {
            o.put("willRetry", true);
        }
        return write(o);
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The jobs of a shard's data. A value that cannot be read (edited by hand) is skipped and reported through
     * {@code unreadable}, so one broken key does not hide the others.
     */
    public static Map<JobId, Status> decode(Map<String, String> data, java.util.function.BiConsumer<String, String> unreadable) {
        Map<JobId, Status> jobs = new LinkedHashMap<>();
        if (data == null) {
            return jobs;
        }
        data.forEach((key, value) -> {
            try {
                JsonNode o = JSON.readTree(value);
                JobId id = JobId.parse(o.path("id").asText());
                List<Record> runs = new ArrayList<>();
                for (JsonNode r : o.path("runs")) {
                    runs.add(new Record(Instant.parse(r.path("slot").asText()), r.path("outcome").asText(),
                            r.hasNonNull("replica") ? r.get("replica").asText() : null, r.path("term").asLong(0),
                            r.path("attempt").asInt(0), Duration.ofMillis(r.path("durationMs").asLong(0)),
                            r.hasNonNull("detail") ? r.get("detail").asText() : null, r.path("willRetry").asBoolean(false)));
                }
                runs.sort(NEWEST_FIRST);
                jobs.put(id, new Status(instant(o, "lastScheduleTime"), instant(o, "lastSuccessfulTime"), runs));
            } catch (JsonProcessingException | RuntimeException e) {
                unreadable.accept(key, e.getMessage());
            }
        });
        return jobs;
    }

    private static Instant instant(JsonNode o, String field) {
        return o.hasNonNull(field) ? Instant.parse(o.get(field).asText()) : null;
    }
}
