package io.leasecron.job;

import static io.leasecron.job.SpecReader.describe;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.leasecron.schedule.CronType;
import io.leasecron.schedule.DstPolicy;
import io.leasecron.schedule.Durations;
import io.leasecron.schedule.InvalidScheduleException;
import io.leasecron.schedule.Schedule;
import io.leasecron.schedule.Schedules;
import io.leasecron.text.Suggestions;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Turns the YAML of one ConfigMap data key into a {@link JobSpec}, or explains every problem with it. The
 * parser collects all problems of a spec rather than stopping at the first, so one edit can fix them all.
 * It never throws anything but {@link InvalidJobSpecException}, whatever the input.
 *
 * <p>This class reads the YAML and the job's own fields (schedule, policies, retry) and picks the action; each
 * action kind is read by its own parser ({@link HttpActionParser}, {@link KubernetesJobActionParser},
 * {@link ShellActionParser}), and every field is read through a {@link SpecReader}, which words and collects
 * the problems.
 */
public final class JobSpecParser {

    /** Largest job spec accepted; a ConfigMap holds at most 1 MiB in total. */
    public static final int MAX_SPEC_BYTES = 64 * 1024;

    static final Set<String> FIELDS = Set.of("description", "schedule", "cronType", "timeZone", "dstPolicy", "runAt",
            "alignTo", "suspend", "concurrencyPolicy", "catchUp", "startingDeadlineSeconds", "delivery", "timeout",
            "retry", "http", "kubernetesJob", "shell");
    /** The action kinds, in the order a message lists those present. */
    static final List<String> ACTIONS = List.of("http", "kubernetesJob", "shell");
    static final Set<String> RETRY_FIELDS = Set.of("attempts", "backoff", "maxBackoff");
    /** Headers every fire carries; a spec may not set them. */
    public static final List<String> RESERVED_HEADERS = List.of("Leasecron-Job", "Leasecron-Scheduled-Time",
            "Idempotency-Key", "Leasecron-Replica", "Leasecron-Attempt", "Leasecron-Term");

    /** The default time zone of a job. */
    public static final ZoneId UTC = ZoneId.of("UTC");

    /** Spellings of {@code cronType}. */
    public static final Map<String, CronType> CRON_TYPES = Map.of("unix", CronType.UNIX, "quartz", CronType.QUARTZ);
    /** Spellings of {@code dstPolicy}. */
    public static final Map<String, DstPolicy> DST_POLICIES = Map.of("RunOnce", DstPolicy.RUN_ONCE, "CronJob", DstPolicy.CRON_JOB);

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JobSpecParser() {
    }

    /**
     * What the operator allows.
     *
     * @param shellEnabled shell actions run programs on the replica's host: off unless enabled
     *        ({@code LEASECRON_SHELL_ENABLED})
     * @param kubernetesJobPolicy what a {@code kubernetesJob} template may ask for; a template asking for more is invalid
     */
    public record Options(boolean shellEnabled, KubernetesJobPolicy kubernetesJobPolicy) {
        public static final Options DEFAULT = new Options(false);

        public Options {
            Objects.requireNonNull(kubernetesJobPolicy, "kubernetesJobPolicy");
        }

        /** With the default {@link KubernetesJobPolicy}. */
        public Options(boolean shellEnabled) {
            this(shellEnabled, KubernetesJobPolicy.DEFAULT);
        }
    }

    public static JobSpec parse(JobId id, String yaml) throws InvalidJobSpecException {
        return parse(id, yaml, Options.DEFAULT);
    }

    public static JobSpec parse(JobId id, String yaml, Options options) throws InvalidJobSpecException {
        List<String> problems = new ArrayList<>();
        if (yaml == null || yaml.isBlank()) {
            throw new InvalidJobSpecException(id, List.of("empty job spec; write the job's fields as YAML, "
                    + "at least a schedule and an action such as http"));
        }
        int bytes = yaml.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SPEC_BYTES) {
            throw new InvalidJobSpecException(id, List.of("job spec is " + bytes + " bytes; the limit is "
                    + MAX_SPEC_BYTES + " bytes, keep large payloads out of the spec"));
        }
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new InvalidJobSpecException(id, List.of(yamlProblem(e, yaml)));
        } catch (Exception e) {
            throw new InvalidJobSpecException(id, List.of("unreadable YAML: " + e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidJobSpecException(id, List.of("job spec must be a YAML mapping of fields, got "
                    + describe(root) + "; write e.g. 'schedule: \"0 * * * *\"' and 'http: {url: ...}' on their own lines"));
        }
        JobSpec spec = build(id, (ObjectNode) root, options, new SpecReader(problems));
        if (!problems.isEmpty() || spec == null) {
            throw new InvalidJobSpecException(id, problems);
        }
        return spec;
    }

    private static String yamlProblem(JsonProcessingException e, String yaml) {
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        String first = nl > 0 ? msg.substring(0, nl) : msg;
        var loc = e.getLocation();
        String where = loc != null && loc.getLineNr() > 0 ? " at line " + loc.getLineNr() + ", column " + loc.getColumnNr() : "";
        String hint = "";
        if (first.startsWith("Duplicate field")) {
            hint = "; each field may appear once";
        } else if (yaml.matches("(?s).*:\\s*[*@?].*")) {
            hint = "; quote values that start with *, @ or ?, e.g. schedule: \"*/5 * * * *\"";
        }
        return "invalid YAML" + where + ": " + first + hint;
    }

    /** The spec, or null once a problem has been recorded (the problems then say why). */
    private static JobSpec build(JobId id, ObjectNode root, Options options, SpecReader read) {
        read.rejectUnknown(root, FIELDS, "");
        String description = read.text(root, "description", "description").orElse("");
        ZoneId zone = read.text(root, "timeZone", "timeZone").map(z -> zone(z, read)).orElse(UTC);
        CronType cronType = enumValue(root, "cronType", CRON_TYPES, read).orElse(CronType.UNIX);
        DstPolicy dst = enumValue(root, "dstPolicy", DST_POLICIES, read).orElse(DstPolicy.RUN_ONCE);
        Optional<Instant> alignTo = read.text(root, "alignTo", "alignTo").flatMap(t -> read.instant("alignTo", t));
        Optional<String> scheduleText = read.text(root, "schedule", "schedule");
        Optional<String> runAtText = read.text(root, "runAt", "runAt");
        Optional<Instant> runAt = runAtText.flatMap(t -> read.instant("runAt", t));
        Schedule schedule = null;
        String shownSchedule = null;
        if (scheduleText.isPresent() && runAtText.isPresent()) {
            read.problem("both schedule and runAt are set; a job has either a schedule or a one-time runAt");
        } else if (scheduleText.isEmpty() && runAtText.isEmpty() && !root.has("schedule") && !root.has("runAt")) {
            read.problem("no schedule; set schedule (e.g. \"0 3 * * *\" or \"@every 5m\") or runAt (an RFC 3339 time)");
        } else if (scheduleText.isPresent()) {
            shownSchedule = scheduleText.get();
            if (alignTo.isPresent() && !shownSchedule.trim().startsWith("@every")) {
                read.problem("alignTo only applies to \"@every\" schedules; remove it or use an @every schedule");
            }
            if (zone != null) {
                try {
                    schedule = Schedules.parse(shownSchedule, cronType, zone, dst, alignTo.orElse(null));
                } catch (InvalidScheduleException e) {
                    read.problem("schedule \"" + shownSchedule + "\": " + e.getMessage());
                } catch (RuntimeException e) {
                    read.problem("schedule \"" + shownSchedule + "\": cannot be parsed (" + e.getMessage() + ")");
                }
            }
        } else if (runAt.isPresent()) {
            shownSchedule = runAtText.get();
            schedule = Schedules.once(runAt.get(), zone == null ? UTC : zone);
        }
        boolean suspend = read.bool(root, "suspend", "suspend").orElse(false);
        ConcurrencyPolicy concurrency = enumValue(root, "concurrencyPolicy", names(ConcurrencyPolicy.values()), read)
                .orElse(ConcurrencyPolicy.Allow);
        CatchUp catchUp = enumValue(root, "catchUp", names(CatchUp.values()), read).orElse(CatchUp.Latest);
        Optional<Duration> deadline = read.positiveInt(root, "startingDeadlineSeconds", "startingDeadlineSeconds", Integer.MAX_VALUE)
                .map(Duration::ofSeconds);
        if (catchUp == CatchUp.All && deadline.isEmpty() && !root.has("startingDeadlineSeconds")) {
            read.problem("catchUp All needs startingDeadlineSeconds; set how far back missed slots may still fire "
                    + "(e.g. 3600), so an outage never releases an unbounded backlog");
        }
        Delivery delivery = enumValue(root, "delivery", names(Delivery.values()), read).orElse(Delivery.AtMostOnce);
        Duration timeout = read.duration(root, "timeout", "timeout").orElse(JobSpec.DEFAULT_TIMEOUT);
        Retry retry = retry(root.get("retry"), read);
        Action action = action(root, options, read);
        if (read.hasProblems() || schedule == null || zone == null || action == null) {
            return null;
        }
        return new JobSpec(id, description, shownSchedule, cronType, zone, dst, runAt, schedule, suspend, concurrency,
                catchUp, deadline, delivery, timeout, retry, action);
    }

    private static Retry retry(JsonNode node, SpecReader read) {
        if (node == null || node.isNull()) {
            return Retry.NONE;
        }
        if (!node.isObject()) {
            read.problem("retry must be a mapping, got " + describe(node) + "; write e.g. retry: {attempts: 3, backoff: 10s}");
            return Retry.NONE;
        }
        read.rejectUnknown(node, RETRY_FIELDS, "retry.");
        int attempts = read.positiveInt(node, "attempts", "retry.attempts", 100).orElse(3);
        Duration backoff = read.duration(node, "backoff", "retry.backoff").orElse(Duration.ofSeconds(10));
        Duration max = read.duration(node, "maxBackoff", "retry.maxBackoff").orElse(Duration.ofMinutes(5));
        if (max.compareTo(backoff) < 0) {
            read.problem("retry.maxBackoff " + Durations.format(max) + " is shorter than retry.backoff "
                    + Durations.format(backoff) + "; raise maxBackoff or lower backoff");
            return Retry.NONE;
        }
        return new Retry(attempts, backoff, max);
    }

    /** Exactly one action; its own parser reads it. */
    private static Action action(ObjectNode root, Options options, SpecReader read) {
        List<String> present = ACTIONS.stream().filter(root::has).toList();
        if (present.isEmpty()) {
            read.problem("no action; add exactly one of http, kubernetesJob or shell, e.g. http: {url: https://example.com/hook}");
            return null;
        }
        if (present.size() > 1) {
            read.problem(present.size() + " actions (" + String.join(", ", present) + "); a job has exactly one action, keep one");
            return null;
        }
        return switch (present.get(0)) {
            case "http" -> HttpActionParser.parse(root.get("http"), read);
            case "shell" -> ShellActionParser.parse(root.get("shell"), options.shellEnabled(), read);
            default -> KubernetesJobActionParser.parse(root.get("kubernetesJob"), options.kubernetesJobPolicy(), read);
        };
    }

    private static ZoneId zone(String name, SpecReader read) {
        try {
            return zone(name);
        } catch (IllegalArgumentException e) {
            read.problem(e.getMessage());
            return null;
        }
    }

    private static <E> Optional<E> enumValue(JsonNode node, String field, Map<String, E> allowed, SpecReader read) {
        return read.text(node, field, field).flatMap(t -> {
            try {
                return Optional.of(choice(field, t, allowed));
            } catch (IllegalArgumentException e) {
                read.problem(e.getMessage());
                return Optional.empty();
            }
        });
    }

    /** Resolves an IANA region name; the message names the field and suggests a fix. */
    public static ZoneId zone(String name) {
        try {
            if (!name.contains("/") && !name.equals("UTC") && !name.equals("GMT")) {
                // ZoneId also accepts offsets like "+02:00", which have no daylight-saving rules: refuse them
                // so that a zone is always a real region and the schedule follows its clock changes.
                throw new DateTimeException("not a region");
            }
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            String hint = ZoneId.getAvailableZoneIds().stream()
                    .filter(z -> z.equalsIgnoreCase(name) || z.toLowerCase(Locale.ROOT).endsWith("/" + name.toLowerCase(Locale.ROOT)))
                    .sorted().findFirst().map(z -> "; did you mean \"" + z + "\"?")
                    .orElse("; use an IANA time zone name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\"");
            throw new IllegalArgumentException("timeZone \"" + name + "\" is not a known IANA time zone" + hint);
        }
    }

    /** One of a fixed set of spellings; the message lists them or names the closest. */
    public static <E> E choice(String field, String text, Map<String, E> allowed) {
        E e = allowed.get(text);
        if (e != null) {
            return e;
        }
        List<String> names = allowed.keySet().stream().sorted().toList();
        String hint = Suggestions.closest(text, names).map(k -> "; did you mean \"" + k + "\"?")
                .orElse("; use one of " + String.join(", ", names));
        throw new IllegalArgumentException(field + " \"" + text + "\" is not allowed" + hint);
    }

    private static <E extends Enum<E>> Map<String, E> names(E[] values) {
        return Arrays.stream(values).collect(Collectors.toMap(Enum::name, Function.identity()));
    }
}
