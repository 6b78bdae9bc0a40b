package io.leasecron.job;

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
import io.leasecron.text.Redaction;
import io.leasecron.text.Suggestions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the YAML of one ConfigMap data key into a {@link JobSpec}, or explains every problem with it. The
 * parser collects all problems of a spec rather than stopping at the first, so one edit can fix them all.
 * It never throws anything but {@link InvalidJobSpecException}, whatever the input.
 */
public final class JobSpecParser {

    /** Largest job spec accepted; a ConfigMap holds at most 1 MiB in total. */
    public static final int MAX_SPEC_BYTES = 64 * 1024;

    static final Set<String> FIELDS = Set.of("description", "schedule", "cronType", "timeZone", "dstPolicy", "runAt",
            "alignTo", "suspend", "concurrencyPolicy", "catchUp", "startingDeadlineSeconds", "delivery", "timeout",
            "retry", "http", "kubernetesJob", "shell");
    static final Set<String> ACTIONS = Set.of("http", "kubernetesJob", "shell");
    static final Set<String> RETRY_FIELDS = Set.of("attempts", "backoff", "maxBackoff");
    static final Set<String> HTTP_FIELDS = Set.of("url", "method", "headers", "body", "expectStatus");
    static final Set<String> SHELL_FIELDS = Set.of("command", "env", "workingDir");
    static final Set<String> KUBERNETES_JOB_FIELDS = Set.of("template", "successfulJobsHistoryLimit", "failedJobsHistoryLimit");
    private static final com.fasterxml.jackson.databind.ObjectMapper KUBERNETES = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final List<String> HTTP_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    /** Headers every fire carries; a spec may not set them. */
    public static final List<String> RESERVED_HEADERS = List.of("Leasecron-Job", "Leasecron-Scheduled-Time",
            "Idempotency-Key", "Leasecron-Replica", "Leasecron-Attempt", "Leasecron-Term");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

    /** The default time zone of a job. */
    public static final ZoneId UTC = ZoneId.of("UTC");

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
            java.util.Objects.requireNonNull(kubernetesJobPolicy, "kubernetesJobPolicy");
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
        Spec s = new Spec((ObjectNode) root, problems, options);
        JobSpec spec = s.build(id);
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

    private static String describe(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isNumber()) {
            return "the number " + n.asText();
        }
        if (n.isBoolean()) {
            return "the boolean " + n.asText();
        }
        return "the text \"" + n.asText() + "\"";
    }

    /** One parse; collects problems instead of throwing. */
    private static final class Spec {
        private final ObjectNode root;
        private final List<String> problems;
        private final Options options;

        Spec(ObjectNode root, List<String> problems, Options options) {
            this.root = root;
            this.problems = problems;
            this.options = options;
        }

        JobSpec build(JobId id) {
            rejectUnknown(root, FIELDS, "");
            String description = text(root, "description", "description").orElse("");
            ZoneId zone = text(root, "timeZone", "timeZone").map(this::zone).orElse(UTC);
            CronType cronType = enumValue(root, "cronType", "cronType", CRON_TYPES)
                    .orElse(CronType.UNIX);
            DstPolicy dst = enumValue(root, "dstPolicy", "dstPolicy", DST_POLICIES).orElse(DstPolicy.RUN_ONCE);
            Optional<Instant> alignTo = text(root, "alignTo", "alignTo").flatMap(t -> instant("alignTo", t));
            Optional<String> scheduleText = text(root, "schedule", "schedule");
            Optional<String> runAtText = text(root, "runAt", "runAt");
            Optional<Instant> runAt = runAtText.flatMap(t -> instant("runAt", t));
            Schedule schedule = null;
            String shownSchedule = null;
            if (scheduleText.isPresent() && runAtText.isPresent()) {
                problems.add("both schedule and runAt are set; a job has either a schedule or a one-time runAt");
            } else if (scheduleText.isEmpty() && runAtText.isEmpty() && !root.has("schedule") && !root.has("runAt")) {
                problems.add("no schedule; set schedule (e.g. \"0 3 * * *\" or \"@every 5m\") or runAt (an RFC 3339 time)");
            } else if (scheduleText.isPresent()) {
                shownSchedule = scheduleText.get();
                if (alignTo.isPresent() && !shownSchedule.trim().startsWith("@every")) {
                    problems.add("alignTo only applies to \"@every\" schedules; remove it or use an @every schedule");
                }
                if (zone != null) {
                    try {
                        schedule = Schedules.parse(shownSchedule, cronType, zone, dst, alignTo.orElse(null));
                    } catch (InvalidScheduleException e) {
                        problems.add("schedule \"" + shownSchedule + "\": " + e.getMessage());
                    } catch (RuntimeException e) {
                        problems.add("schedule \"" + shownSchedule + "\": cannot be parsed (" + e.getMessage() + ")");
                    }
                }
            } else if (runAt.isPresent()) {
                shownSchedule = runAtText.get();
                schedule = Schedules.once(runAt.get(), zone == null ? UTC : zone);
            }
            boolean suspend = bool(root, "suspend", "suspend").orElse(false);
            ConcurrencyPolicy concurrency = enumValue(root, "concurrencyPolicy", "concurrencyPolicy",
                    names(ConcurrencyPolicy.values())).orElse(ConcurrencyPolicy.Allow);
            CatchUp catchUp = enumValue(root, "catchUp", "catchUp", names(CatchUp.values())).orElse(CatchUp.Latest);
            Optional<Duration> deadline = positiveInt(root, "startingDeadlineSeconds", "startingDeadlineSeconds", Integer.MAX_VALUE)
                    .map(Duration::ofSeconds);
            if (catchUp == CatchUp.All && deadline.isEmpty() && !root.has("startingDeadlineSeconds")) {
                problems.add("catchUp All needs startingDeadlineSeconds; set how far back missed slots may still fire "
                        + "(e.g. 3600), so an outage never releases an unbounded backlog");
            }
            Delivery delivery = enumValue(root, "delivery", "delivery", names(Delivery.values())).orElse(Delivery.AtMostOnce);
            Duration timeout = duration(root, "timeout", "timeout").orElse(JobSpec.DEFAULT_TIMEOUT);
            Retry retry = retry();
            Action action = action();
            if (!problems.isEmpty() || schedule == null || zone == null || action == null) {
                return null;
            }
            return new JobSpec(id, description, shownSchedule, cronType, zone, dst, runAt, schedule, suspend, concurrency,
                    catchUp, deadline, delivery, timeout, retry, action);
        }

        private Retry retry() {
            JsonNode node = root.get("retry");
            if (node == null || node.isNull()) {
                return Retry.NONE;
            }
            if (!node.isObject()) {
                problems.add("retry must be a mapping, got " + describe(node) + "; write e.g. retry: {attempts: 3, backoff: 10s}");
                return Retry.NONE;
            }
            rejectUnknown(node, RETRY_FIELDS, "retry.");
            int attempts = positiveInt(node, "attempts", "retry.attempts", 100).orElse(3);
            Duration backoff = duration(node, "backoff", "retry.backoff").orElse(Duration.ofSeconds(10));
            Duration max = duration(node, "maxBackoff", "retry.maxBackoff").orElse(Duration.ofMinutes(5));
            if (max.compareTo(backoff) < 0) {
                problems.add("retry.maxBackoff " + Durations.format(max) + " is shorter than retry.backoff "
                        + Durations.format(backoff) + "; raise maxBackoff or lower backoff");
                return Retry.NONE;
            }
            return new Retry(attempts, backoff, max);
        }

        private Action action() {
            List<String> present = new ArrayList<>();
            for (String a : List.of("http", "kubernetesJob", "shell")) {
                if (root.has(a)) {
                    present.add(a);
                }
            }
            if (present.isEmpty()) {
                problems.add("no action; add exactly one of http, kubernetesJob or shell, e.g. http: {url: https://example.com/hook}");
                return null;
            }
            if (present.size() > 1) {
                problems.add(present.size() + " actions (" + String.join(", ", present) + "); a job has exactly one action, keep one");
                return null;
            }
            return switch (present.get(0)) {
                case "http" -> http(root.get("http"));
                case "shell" -> shell(root.get("shell"));
                default -> kubernetesJob(root.get("kubernetesJob"));
            };
        }

        private HttpAction http(JsonNode node) {
            if (node == null || !node.isObject()) {
                problems.add("http must be a mapping with at least url, got " + describe(node)
                        + "; write e.g. http: {url: https://example.com/hook}");
                return null;
            }
            rejectUnknown(node, HTTP_FIELDS, "http.");
            Optional<String> urlText = text(node, "url", "http.url");
            URI url = null;
            if (urlText.isEmpty()) {
                if (!node.has("url")) {
                    problems.add("http.url is missing; set the absolute http:// or https:// URL to call");
                }
            } else {
                url = url(urlText.get());
            }
            String method = text(node, "method", "http.method").map(m -> {
                String upper = m.toUpperCase(Locale.ROOT);
                if (!HTTP_METHODS.contains(upper)) {
                    problems.add("http.method \"" + m + "\" is not supported; use one of " + String.join(", ", HTTP_METHODS));
                }
                return upper;
            }).orElse("POST");
            Map<String, String> headers = new LinkedHashMap<>();
            Map<String, SecretRef> secretHeaders = new LinkedHashMap<>();
            headers(node.get("headers"), headers, secretHeaders);
            Optional<String> body = text(node, "body", "http.body");
            if (body.isPresent() && (method.equals("GET") || method.equals("HEAD"))) {
                problems.add("http.body is set but http.method is " + method + ", which sends no body; use POST, PUT or PATCH");
            }
            HttpAction.StatusMatcher expect = expectStatus(node.get("expectStatus"));
            if (url == null || expect == null) {
                return null;
            }
            return new HttpAction(url, method, headers, secretHeaders, body.orElse(null), expect);
        }

        /**
         * The URL to call. A credential in its user-info is refused, since the spec is shown in the API and its
         * text is kept in the ConfigMap; it goes in a header from a Secret instead. Every message shows the URL
         * as {@link Redaction#url(String)} renders it, never the credential.
         */
        private URI url(String text) {
            String shown = Redaction.url(text.trim());
            if (Redaction.hasUserInfo(text.trim())) {
                problems.add("http.url \"" + shown + "\" has credentials before the host (user-info, masked here as "
                        + Redaction.URL_MARK + "); remove them from the URL and send them in a header from a Secret, "
                        + "e.g. headers: {Authorization: {valueFrom: {secretKeyRef: {name: my-secret, key: authorization}}}} "
                        + "with the Secret's value \"Basic <base64 of user:password>\"");
                return null;
            }
            try {
                URI u = new URI(text.trim());
                if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                    problems.add("http.url \"" + shown + "\" must be an absolute http:// or https:// URL");
                    return null;
                }
                if (u.getHost() == null || u.getHost().isEmpty()) {
                    problems.add("http.url \"" + shown + "\" has no host; write e.g. http://billing.default.svc:8080/hooks/nightly");
                    return null;
                }
                return u;
            } catch (URISyntaxException e) {
                problems.add("http.url \"" + shown + "\" is not a valid URL: " + e.getReason() + " at index " + e.getIndex()
                        + "; percent-encode spaces and special characters");
                return null;
            }
        }

        private void headers(JsonNode node, Map<String, String> out, Map<String, SecretRef> secrets) {
            if (node == null || node.isNull()) {
                return;
            }
            if (!node.isObject()) {
                problems.add("http.headers must be a mapping of header name to value, got " + describe(node));
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                var e = it.next();
                String name = e.getKey();
                if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    problems.add("http.headers \"" + name + "\" is not a valid header name; use letters, digits and '-'");
                    continue;
                }
                if (RESERVED_HEADERS.stream().anyMatch(r -> r.equalsIgnoreCase(name))) {
                    problems.add("http.headers \"" + name + "\" is set by leasecron on every fire; remove it from the spec");
                    continue;
                }
                if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                    problems.add("http.headers \"" + name + "\" is managed by the HTTP client; remove it from the spec");
                    continue;
                }
                JsonNode v = e.getValue();
                if (v.isObject()) {
                    secretRef(v, "http.headers \"" + name + "\"").ifPresent(r -> secrets.put(name, r));
                    continue;
                }
                if (!v.isValueNode() || v.isNull()) {
                    problems.add("http.headers \"" + name + "\" must be a text value or valueFrom.secretKeyRef, got " + describe(v));
                    continue;
                }
                if (v.asText().chars().anyMatch(c -> c == '\r' || c == '\n')) {
                    problems.add("http.headers \"" + name + "\" contains a line break; header values are one line");
                    continue;
                }
                out.put(name, v.asText());
            }
        }

        /** {@code {valueFrom: {secretKeyRef: {name, key}}}}; a credential is never written into a spec itself. */
        private Optional<SecretRef> secretRef(JsonNode v, String field) {
            String example = "; write {valueFrom: {secretKeyRef: {name: my-secret, key: token}}}";
            JsonNode from = v.get("valueFrom");
            if (v.size() != 1 || from == null || !from.isObject() || from.size() != 1 || !from.has("secretKeyRef")
                    || !from.get("secretKeyRef").isObject()) {
                problems.add(field + " is a mapping but not valueFrom.secretKeyRef" + example);
                return Optional.empty();
            }
            JsonNode ref = from.get("secretKeyRef");
            rejectUnknown(ref, Set.of("name", "key"), field + ".valueFrom.secretKeyRef.");
            Optional<String> name = text(ref, "name", field + ".valueFrom.secretKeyRef.name");
            Optional<String> key = text(ref, "key", field + ".valueFrom.secretKeyRef.key");
            if (name.isEmpty() || key.isEmpty()) {
                if (!ref.has("name") || !ref.has("key")) {
                    problems.add(field + ".valueFrom.secretKeyRef needs both name and key" + example);
                }
                return Optional.empty();
            }
            if (!name.get().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                problems.add(field + ".valueFrom.secretKeyRef.name \"" + name.get() + "\" is not a valid Secret name; use lower-case letters, digits, '-' and '.'");
                return Optional.empty();
            }
            return Optional.of(new SecretRef(name.get(), key.get()));
        }

        private ShellAction shell(JsonNode node) {
            if (!options.shellEnabled()) {
                problems.add("shell actions are disabled on this installation; an operator enables them with LEASECRON_SHELL_ENABLED=true, "
                        + "or use http or kubernetesJob");
                return null;
            }
            if (node == null || !node.isObject()) {
                problems.add("shell must be a mapping with at least command, got " + describe(node)
                        + "; write e.g. shell: {command: [/usr/bin/backup, --full]}");
                return null;
            }
            rejectUnknown(node, SHELL_FIELDS, "shell.");
            JsonNode cmd = node.get("command");
            List<String> command = new ArrayList<>();
            if (cmd == null || cmd.isNull()) {
                problems.add("shell.command is missing; set the program and its arguments as a list, e.g. [/usr/bin/backup, --full]");
            } else if (!cmd.isArray() || cmd.isEmpty()) {
                problems.add("shell.command must be a non-empty list (the argument vector, no shell), got " + describe(cmd)
                        + "; write e.g. [/bin/sh, -c, \"pg_dump mydb | gzip > /backup/db.gz\"] to use a shell");
            } else {
                for (JsonNode a : cmd) {
                    if (!a.isValueNode() || a.isNull()) {
                        problems.add("shell.command items must be text, got " + describe(a));
                        return null;
                    }
                    command.add(a.asText());
                }
            }
            Map<String, String> env = new LinkedHashMap<>();
            Map<String, SecretRef> secretEnv = new LinkedHashMap<>();
            JsonNode envNode = node.get("env");
            if (envNode != null && !envNode.isNull()) {
                if (!envNode.isObject()) {
                    problems.add("shell.env must be a mapping of variable name to value, got " + describe(envNode));
                } else {
                    envNode.fields().forEachRemaining(e -> {
                        String name = e.getKey();
                        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                            problems.add("shell.env \"" + name + "\" is not a valid variable name; use letters, digits and '_'");
                        } else if (name.startsWith("LEASECRON_") || name.equals("IDEMPOTENCY_KEY") || name.equals("PATH")) {
                            problems.add("shell.env \"" + name + "\" is set by leasecron on every fire; remove it from the spec");
                        } else if (e.getValue().isObject()) {
                            secretRef(e.getValue(), "shell.env \"" + name + "\"").ifPresent(r -> secretEnv.put(name, r));
                        } else if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                            problems.add("shell.env \"" + name + "\" must be a text value or valueFrom.secretKeyRef, got " + describe(e.getValue()));
                        } else {
                            env.put(name, e.getValue().asText());
                        }
                    });
                }
            }
            String workingDir = text(node, "workingDir", "shell.workingDir").orElse(null);
            if (workingDir != null && !workingDir.startsWith("/")) {
                problems.add("shell.workingDir \"" + workingDir + "\" must be an absolute path");
                return null;
            }
            return command.isEmpty() ? null : new ShellAction(command, env, secretEnv, workingDir);
        }

        private KubernetesJobAction kubernetesJob(JsonNode node) {
            String example = "; write kubernetesJob: {template: {spec: {template: {spec: {containers: [{name: main, image: busybox}], "
                    + "restartPolicy: Never}}}}}, the shape of a CronJob's jobTemplate";
            if (node == null || !node.isObject()) {
                problems.add("kubernetesJob must be a mapping with a template, got " + describe(node) + example);
                return null;
            }
            rejectUnknown(node, KUBERNETES_JOB_FIELDS, "kubernetesJob.");
            int keepOk = nonNegativeInt(node, "successfulJobsHistoryLimit", "kubernetesJob.successfulJobsHistoryLimit", 3);
            int keepFailed = nonNegativeInt(node, "failedJobsHistoryLimit", "kubernetesJob.failedJobsHistoryLimit", 1);
            JsonNode template = node.get("template");
            if (template == null || !template.isObject()) {
                problems.add("kubernetesJob.template is missing" + example);
                return null;
            }
            JsonNode podSpec = template.path("spec").path("template").path("spec");
            JsonNode containers = podSpec.path("containers");
            if (!containers.isArray() || containers.isEmpty()) {
                problems.add("kubernetesJob.template.spec.template.spec.containers is missing or empty" + example);
                return null;
            }
            for (JsonNode c : containers) {
                if (!c.path("name").isTextual() || !c.path("image").isTextual()) {
                    problems.add("kubernetesJob.template.spec.template.spec.containers: every container needs a name and an image");
                    return null;
                }
            }
            String restart = podSpec.path("restartPolicy").asText("Never");
            if (!restart.equals("Never") && !restart.equals("OnFailure")) {
                problems.add("kubernetesJob.template.spec.template.spec.restartPolicy \"" + restart
                        + "\" is not allowed for a Job; use Never or OnFailure");
                return null;
            }
            if (template.path("metadata").has("name") || template.path("metadata").has("generateName")) {
                problems.add("kubernetesJob.template.metadata.name is set by leasecron (one name per slot); remove it");
                return null;
            }
            try {
                var spec = KUBERNETES.convertValue(template, io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec.class);
                if (spec.getSpec().getTemplate().getSpec().getRestartPolicy() == null) {
                    spec.getSpec().getTemplate().getSpec().setRestartPolicy("Never");
                }
                List<String> refused = options.kubernetesJobPolicy().violations(spec);
                if (!refused.isEmpty()) {
                    problems.addAll(refused);
                    return null;
                }
                return new KubernetesJobAction(spec, keepOk, keepFailed);
            } catch (RuntimeException e) {
                problems.add("kubernetesJob.template is not a Job template: " + e.getMessage().lines().findFirst().orElse("") + example);
                return null;
            }
        }

        private int nonNegativeInt(JsonNode node, String name, String field, int fallback) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 100) {
                problems.add(field + " must be a whole number from 0 to 100, got " + describe(v));
                return fallback;
            }
            return v.asInt();
        }

        private HttpAction.StatusMatcher expectStatus(JsonNode node) {
            if (node == null || node.isNull()) {
                return HttpAction.StatusMatcher.ANY_2XX;
            }
            List<JsonNode> items = new ArrayList<>();
            if (node.isArray()) {
                node.forEach(items::add);
            } else {
                items.add(node);
            }
            List<Integer> codes = new ArrayList<>();
            List<Integer> classes = new ArrayList<>();
            for (JsonNode item : items) {
                String t = item.asText().trim();
                if (t.matches("[1-5][xX][xX]")) {
                    classes.add(t.charAt(0) - '0');
                } else if (t.matches("\\d{3}") && Integer.parseInt(t) >= 100 && Integer.parseInt(t) <= 599) {
                    codes.add(Integer.parseInt(t));
                } else {
                    problems.add("http.expectStatus " + (item.isTextual() ? "\"" + t + "\"" : t)
                            + " is not an HTTP status; use codes 100-599 or classes like 2xx, e.g. expectStatus: [200, 204]");
                    return null;
                }
            }
            if (codes.isEmpty() && classes.isEmpty()) {
                problems.add("http.expectStatus is empty; list at least one status such as 200 or 2xx");
                return null;
            }
            return new HttpAction.StatusMatcher(codes, classes);
        }

        private ZoneId zone(String name) {
            try {
                return JobSpecParser.zone(name);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                return null;
            }
        }

        private Optional<Instant> instant(String field, String text) {
            try {
                return Optional.of(OffsetDateTime.parse(text.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                problems.add(field + " \"" + text + "\" is not an RFC 3339 time with an offset; write e.g. "
                        + "2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00");
                return Optional.empty();
            }
        }

        private void rejectUnknown(JsonNode node, Set<String> known, String prefix) {
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                if (!known.contains(name)) {
                    String hint = Suggestions.closest(name, known).map(k -> "; did you mean \"" + prefix + k + "\"?")
                            .orElse("; known fields are " + String.join(", ", known.stream().sorted().toList()));
                    problems.add("unknown field \"" + prefix + name + "\"" + hint);
                }
            }
        }

        private Optional<String> text(JsonNode node, String name, String field) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (!v.isValueNode()) {
                problems.add(field + " must be a text value, got " + describe(v));
                return Optional.empty();
            }
            if (v.isTextual() && v.asText().isBlank()) {
                problems.add(field + " is empty; set a value or remove the field");
                return Optional.empty();
            }
            return Optional.of(v.asText());
        }

        private Optional<Boolean> bool(JsonNode node, String name, String field) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            if (v.isBoolean()) {
                return Optional.of(v.booleanValue());
            }
            if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
                return Optional.of(Boolean.parseBoolean(v.asText()));
            }
            problems.add(field + " must be true or false, got " + describe(v));
            return Optional.empty();
        }

        private Optional<Integer> positiveInt(JsonNode node, String name, String field, int max) {
            JsonNode v = node.get(name);
            if (v == null || v.isNull()) {
                return Optional.empty();
            }
            long value;
            if (v.isIntegralNumber()) {
                value = v.asLong();
            } else if (v.isTextual() && v.asText().matches("-?\\d{1,18}")) {
                value = Long.parseLong(v.asText());
            } else {
                problems.add(field + " must be a whole number, got " + describe(v));
                return Optional.empty();
            }
            if (value < 1 || value > max) {
                problems.add(field + " " + value + " is out of range; use a whole number from 1 to " + max);
                return Optional.empty();
            }
            return Optional.of((int) value);
        }

        private Optional<Duration> duration(JsonNode node, String name, String field) {
            return text(node, name, field).flatMap(t -> {
                try {
                    Duration d = Durations.parse(t.trim());
                    if (d.isZero() || d.isNegative()) {
                        problems.add(field + " \"" + t + "\" must be positive");
                        return Optional.empty();
                    }
                    return Optional.of(d);
                } catch (IllegalArgumentException e) {
                    problems.add(field + " \"" + t + "\": " + e.getMessage());
                    return Optional.empty();
                }
            });
        }

        private <E> Optional<E> enumValue(JsonNode node, String name, String field, Map<String, E> allowed) {
            return text(node, name, field).flatMap(t -> {
                try {
                    return Optional.of(choice(field, t, allowed));
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                    return Optional.empty();
                }
            });
        }
    }

    /** Spellings of {@code cronType}. */
    public static final Map<String, CronType> CRON_TYPES = Map.of("unix", CronType.UNIX, "quartz", CronType.QUARTZ);
    /** Spellings of {@code dstPolicy}. */
    public static final Map<String, DstPolicy> DST_POLICIES = Map.of("RunOnce", DstPolicy.RUN_ONCE, "CronJob", DstPolicy.CRON_JOB);

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
        return Arrays.stream(values).collect(java.util.stream.Collectors.toMap(Enum::name, Function.identity()));
    }
}
