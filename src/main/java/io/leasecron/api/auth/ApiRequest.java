package io.leasecron.api.auth;

import io.leasecron.job.JobId;
import java.util.Locale;
import java.util.Set;

/**
 * What a request to the REST API asks for, judged from its method and path alone, before Quarkus matches it to a
 * resource: a {@link Read}, a {@link Mutation} of one job, or something {@link Unknown} that is refused.
 *
 * <p>The mutating forms, after {@code /api/v1/jobs/}, with {@code <id>} = {@code <configmap>/<key>}, or
 * {@code <namespace>/<configmap>/<key>} when job ids name their namespace ({@code LEASECRON_NAMESPACES} set):
 * {@code POST <id>:trigger}, {@code :pause}, {@code :resume} (verbs {@code trigger}, {@code pause}, {@code resume}) and
 * {@code POST <id>/runs} (verb {@code create}). Reads are {@code GET}, {@code HEAD} and {@code OPTIONS} anywhere, and
 * {@code POST /api/v1/preview} (a computation).
 *
 * <p>Fail closed: any other method or {@code POST} under {@code /api/v1} is {@link Unknown} and refused by the
 * filter, never passed on unchecked. A new mutating endpoint must be added here before it can be reached.
 */
public sealed interface ApiRequest {
    String PREFIX = "/api/v1/";
    String JOBS = PREFIX + "jobs/";
    Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /** A read: open, or needing only an authenticated caller ({@code LEASECRON_API_READS=authenticated}). */
    record Read() implements ApiRequest {
    }

    /** Outside {@code /api/v1} (probes, OpenAPI document): not this filter's business. */
    record Outside() implements ApiRequest {
    }

    /** A request under {@code /api/v1} that is neither a read nor a mutation this filter knows: refused with this. */
    record Unknown(int status, String message) implements ApiRequest {
    }

    /**
     * A mutation of one job, to be authorised as {@code verb} on {@code leasecron.io/jobs} named {@code name} in the job's
     * namespace.
     *
     * @param id the job as its path names it (namespace empty for ids that do not name it)
     */
    record Mutation(JobId id, Verb verb) implements ApiRequest {
        /** The resource name the SubjectAccessReview asks about and a Role's {@code resourceNames} lists. */
        public String name() {
            return id.source() + "/" + id.name();
        }

        /** The job's namespace: the one its id names, else the service's own. */
        public String namespace(String own) {
            return id.namespaceOr(own);
        }
    }

    /** The verbs of {@code leasecron.io/jobs}, as a Role's {@code verbs} lists them. */
    enum Verb {
        trigger, pause, resume, create
    }

    /**
     * Classifies a request.
     *
     * @param method the HTTP method
     * @param path the path as resource matching sees it: Vert.x's normalised path, with reserved characters still
     *     percent-encoded; a job id has only {@code [-._a-zA-Z0-9]}, so an id with an encoded character (an encoded
     *     {@code /} included) is refused, never read differently from how the endpoint will read it. The one exception
     *     is {@code %3A}, read as the {@code :} before the action, because HTTP clients differ in whether they encode it
     * @param namespacedIds whether job ids are {@code <namespace>/<configmap>/<key>}
     */
    static ApiRequest classify(String method, String path, boolean namespacedIds) {
        String m = method.toUpperCase(Locale.ROOT);
        if (!path.startsWith(PREFIX) && !path.equals("/api/v1")) {
            return new Outside();
        }
        if (READ_METHODS.contains(m) || (m.equals("POST") && path.equals(PREFIX + "preview"))) {
            return new Read();
        }
        String forms = namespacedIds
                ? "POST /api/v1/jobs/{namespace}/{configmap}/{key}:trigger (or :pause, :resume) and POST"
                        + " /api/v1/jobs/{namespace}/{configmap}/{key}/runs"
                : "POST /api/v1/jobs/{configmap}/{key}:trigger (or :pause, :resume) and POST /api/v1/jobs/{configmap}/{key}/runs";
        if (!m.equals("POST") || !path.startsWith(JOBS)) {
            return new Unknown(405, "method " + m + " is not allowed on " + path + "; the API's changes are " + forms);
        }
        String[] segments = path.substring(JOBS.length()).replace("%3A", ":").replace("%3a", ":").split("/", -1);
        int idSegments = namespacedIds ? 3 : 2;
        Verb verb;
        if (segments.length == idSegments + 1 && segments[idSegments].equals("runs")) {
            verb = Verb.create;
        } else if (segments.length == idSegments && segments[idSegments - 1].contains(":")) {
            String last = segments[idSegments - 1];
            int colon = last.lastIndexOf(':');
            String action = last.substring(colon + 1);
            verb = switch (action) {
                case "trigger" -> Verb.trigger;
                case "pause" -> Verb.pause;
                case "resume" -> Verb.resume;
                default -> null;
            };
            if (verb == null) {
                return new Unknown(404, "no action \"" + action + "\" on jobs; the actions are :trigger, :pause and :resume");
            }
            segments[idSegments - 1] = last.substring(0, colon);
        } else {
            return new Unknown(404, "no such action: POST " + path + "; the API's changes are " + forms);
        }
        String namespace = namespacedIds ? segments[0] : "";
        String source = segments[idSegments - 2];
        String key = segments[idSegments - 1];
        JobId id;
        try {
            if (namespacedIds && namespace.isEmpty()) {
                throw new IllegalArgumentException("the namespace is empty");
            }
            id = new JobId(namespace, source, key);
        } catch (IllegalArgumentException e) {
            return new Unknown(400, "not a job id in " + path + ": " + e.getMessage());
        }
        var keyProblem = JobId.keyProblem(key);
        if (keyProblem.isPresent()) {
            return new Unknown(400, "not a job id in " + path + ": " + keyProblem.get());
        }
        return new Mutation(id, verb);
    }
}
