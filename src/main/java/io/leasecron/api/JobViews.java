package io.leasecron.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.leasecron.engine.Engine;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.job.HttpAction;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobSpec;
import io.leasecron.job.KubernetesJobAction;
import io.leasecron.job.SecretRef;
import io.leasecron.job.ShellAction;
import io.leasecron.observe.JobStatuses;
import io.leasecron.schedule.ClockChange;
import io.leasecron.schedule.DstPolicy;
import io.leasecron.schedule.Durations;
import io.leasecron.schedule.Occurrence;
import io.leasecron.schedule.ScheduleDescriber;
import io.leasecron.text.Redaction;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON views of jobs. Times are RFC 3339 UTC with milliseconds, like the {@code Leasecron-Scheduled-Time} header. */
final class JobViews {
    /** Turns a Kubernetes template into a tree; the Fabric8 model classes carry their own Jackson annotations. */
    private static final ObjectMapper TREES = new ObjectMapper();

    private JobViews() {
    }

    /**
     * One line of {@code GET /jobs}. {@code lastScheduleTime}: the newest slot an attempt started for;
     * {@code lastSuccessfulTime}: when the newest successful attempt ended (as a CronJob's status).
     */
    @RegisterForReflection
    record Summary(String id, boolean valid, String error, String schedule, String scheduleDescription, String timeZone,
            Boolean suspend, boolean paused, String nextRun, int running, String lastOutcome, String lastScheduleTime,
            String lastSuccessfulTime) {
    }

    /**
     * {@code GET /jobs/{id}}. {@code spec} is the version being scheduled (the last valid one after a broken edit);
     * {@code scheduleDescription} says in words when that version runs. {@code nextRunsNote}: why {@code nextRuns} is
     * shorter than asked, when the schedule itself has no further run.
     */
    @RegisterForReflection
    record Detail(String id, boolean valid, String error, List<String> problems, String specVersion,
            String scheduleDescription, Map<String, Object> spec, boolean paused, String pausedBy, String pausedSince, int running,
            List<NextRun> nextRuns, String nextRunsNote, String lastScheduleTime, String lastSuccessfulTime, String lastOutcome,
            List<Run> recentRuns) {
    }

    @RegisterForReflection
    record NextRun(String time, String wallTime, String clockChange) {
    }

    @RegisterForReflection
    record Run(String slot, String outcome, String replica, long term, int attempt, long durationMs, String detail,
            boolean willRetry) {
    }

    static String time(Instant t) {
        return t == null ? null : HttpActionRunner.SCHEDULED_TIME.format(t);
    }

    /** {@code paused}: from this replica's copy of the pauses (the list is a copy; a job's detail reads the store). */
    static Summary summary(JobCatalogue.Entry entry, Engine engine, JobStatuses statuses, boolean paused) {
        var status = entry.active().flatMap(s -> engine.status(s.id()));
        JobSpec spec = entry.active().orElse(null);
        JobStatuses.Status past = statuses.status(entry.id());
        return new Summary(entry.id().toString(), entry.valid(), entry.error().orElse(null),
                spec == null ? null : spec.scheduleText(), spec == null ? null : description(spec),
                spec == null ? null : spec.timeZone().getId(),
                spec == null ? null : spec.suspend(), paused,
                status.flatMap(Engine.JobStatus::next).map(o -> time(o.time())).orElse(null),
                status.map(Engine.JobStatus::running).orElse(0),
                past.lastOutcome(), time(past.lastScheduleTime()), time(past.lastSuccessfulTime()));
    }

    static Detail detail(JobCatalogue.Entry entry, Engine engine, JobStatuses statuses, int count, Instant now,
            java.util.Optional<io.leasecron.control.Pause> pause) {
        JobSpec spec = entry.active().orElse(null);
        var status = spec == null ? java.util.Optional.<Engine.JobStatus>empty() : engine.status(spec.id());
        List<Occurrence> upcoming = spec == null ? List.of() : engine.upcoming(spec.id(), count);
        List<NextRun> next = upcoming.stream().map(JobViews::nextRun).toList();
        String note = spec == null || upcoming.size() == count ? null
                : spec.schedule().whyNoRunAfter(upcoming.isEmpty() ? now : upcoming.get(upcoming.size() - 1).time()).orElse(null);
        String version = spec == null ? "none" : entry.valid() ? "current" : "lastValid";
        JobStatuses.Status past = statuses.status(entry.id());
        List<Run> runs = past.runs().stream().map(r -> new Run(time(r.slot()), r.outcome(), r.replica(),
                r.term(), r.attempt(), r.duration().toMillis(), r.detail(), r.willRetry())).toList();
        return new Detail(entry.id().toString(), entry.valid(), entry.error().orElse(null), entry.problems(), version,
                spec == null ? null : description(spec), spec == null ? null : spec(spec), pause.isPresent(),
                pause.map(io.leasecron.control.Pause::by).orElse(null), pause.map(p -> time(p.since())).orElse(null),
                status.map(Engine.JobStatus::running).orElse(0), next, note,
                time(past.lastScheduleTime()), time(past.lastSuccessfulTime()), past.lastOutcome(), runs);
    }

    /** When the spec runs, in words: "at 02:30, every day (Europe/Berlin)". */
    static String description(JobSpec spec) {
        return ScheduleDescriber.describe(spec.schedule(), spec.cronType());
    }

    static NextRun nextRun(Occurrence o) {
        String change = switch (o.clockChange()) {
            case NONE -> null;
            case MOVED_PAST_GAP -> "moved: wall time " + o.wallTime() + " does not exist (clock moved forward); runs right after the gap";
            case REPEATED_HOUR -> "repeated: wall time " + o.wallTime() + " occurs twice (clock moved back); this is the second run";
        };
        return new NextRun(time(o.time()), o.wallTime().toString(), change);
    }

    /**
     * The spec as written, except what {@link Redaction} hides: the URL's sensitive query values, and URLs quoted in
     * text fields (description, body, header and variable values, command arguments, every text value of a
     * {@code kubernetesJob} template); Secret references, never values.
     */
    static Map<String, Object> spec(JobSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!s.description().isEmpty()) {
            m.put("description", Redaction.text(s.description()));
        }
        if (s.runAt().isPresent()) {
            m.put("runAt", time(s.runAt().get()));
        } else {
            m.put("schedule", s.scheduleText());
            m.put("cronType", s.cronType().name().toLowerCase(java.util.Locale.ROOT));
        }
        m.put("timeZone", s.timeZone().getId());
        m.put("dstPolicy", s.dstPolicy() == DstPolicy.RUN_ONCE ? "RunOnce" : "CronJob");
        m.put("suspend", s.suspend());
        m.put("concurrencyPolicy", s.concurrencyPolicy().name());
        m.put("catchUp", s.catchUp().name());
        s.startingDeadline().ifPresent(d -> m.put("startingDeadlineSeconds", d.toSeconds()));
        m.put("delivery", s.delivery().name());
        m.put("timeout", Durations.format(s.timeout()));
        m.put("retry", Map.of("attempts", s.retry().attempts(), "backoff", Durations.format(s.retry().backoff()),
                "maxBackoff", Durations.format(s.retry().maxBackoff())));
        if (s.action() instanceof HttpAction h) {
            Map<String, Object> http = new LinkedHashMap<>();
            http.put("url", Redaction.url(h.url())); // the request goes to h.url() as written
            http.put("method", h.method());
            if (!h.headers().isEmpty() || !h.secretHeaders().isEmpty()) {
                Map<String, Object> headers = new LinkedHashMap<>();
                h.headers().forEach((k, v) -> headers.put(k, Redaction.text(v)));
                h.secretHeaders().forEach((k, v) -> headers.put(k, secret(v)));
                http.put("headers", headers);
            }
            if (h.body() != null) {
                http.put("body", Redaction.text(h.body()));
            }
            http.put("expectStatus", h.expectStatus().toString());
            m.put("http", http);
        } else if (s.action() instanceof ShellAction sh) {
            Map<String, Object> shell = new LinkedHashMap<>();
            shell.put("command", sh.command().stream().map(Redaction::text).toList());
            if (!sh.env().isEmpty() || !sh.secretEnv().isEmpty()) {
                Map<String, Object> env = new LinkedHashMap<>();
                sh.env().forEach((k, v) -> env.put(k, Redaction.text(v)));
                sh.secretEnv().forEach((k, v) -> env.put(k, secret(v)));
                shell.put("env", env);
            }
            if (sh.workingDir() != null) {
                shell.put("workingDir", sh.workingDir());
            }
            m.put("shell", shell);
        } else if (s.action() instanceof KubernetesJobAction k) {
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("template", redacted(TREES.valueToTree(k.template())));
            job.put("successfulJobsHistoryLimit", k.successfulJobsHistoryLimit());
            job.put("failedJobsHistoryLimit", k.failedJobsHistoryLimit());
            m.put("kubernetesJob", job);
        }
        return m;
    }

    /**
     * The tree with every text value passed through {@link Redaction#text} (a URL in a container's command, args or
     * env value, an annotation); field names, numbers and the structure are kept.
     */
    private static JsonNode redacted(JsonNode node) {
        if (node.isTextual()) {
            return TextNode.valueOf(Redaction.text(node.textValue()));
        }
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> e.setValue(redacted(e.getValue())));
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, redacted(a.get(i)));
            }
        }
        return node;
    }

    /** A Secret reference as written in the spec: never the value. */
    private static Map<String, Object> secret(SecretRef r) {
        return Map.of("valueFrom", Map.of("secretKeyRef", Map.of("name", r.name(), "key", r.key())));
    }

    static boolean moved(Occurrence o) {
        return o.clockChange() != ClockChange.NONE;
    }
}
