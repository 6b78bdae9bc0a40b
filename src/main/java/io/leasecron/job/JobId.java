package io.leasecron.job;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Stable, readable identity of a job: {@code <configmap>/<key>}, or {@code <namespace>/<configmap>/<key>} when the
 * service watches namespaces of its operator's choice (docs/job-spec.md, Namespaces). The same ConfigMap key always
 * yields the same id on every replica, so slots and idempotency keys agree across the cluster.
 *
 * <p>The key is taken as written: a key that is not a valid ConfigMap key (possible only in a local jobs folder)
 * still has an id, so that the job can be listed with its error; {@link #keyProblem} says what is wrong with it,
 * and the catalogue never schedules such a job.
 *
 * @param namespace the ConfigMap's namespace, or empty for ids that do not name it (the service's own namespace)
 */
public record JobId(String namespace, String source, String name) implements Comparable<JobId> {
    private static final Pattern SOURCE = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    /** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    static final int MAX_KEY_LENGTH = 253;

    public JobId {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        if (!namespace.isEmpty() && !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("namespace \"" + namespace + "\" is not a Kubernetes namespace name "
                    + "(lower-case letters, digits and '-', at most 63 characters)");
        }
        if (!SOURCE.matcher(source).matches()) {
            throw new IllegalArgumentException("ConfigMap name \"" + source + "\" must match [-._a-zA-Z0-9]+");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a job's key must not be empty");
        }
    }

    /** An id that does not name its namespace: {@code <configmap>/<key>}. */
    public JobId(String source, String name) {
        this("", source, name);
    }

    /**
     * Why {@code key} cannot be a ConfigMap key, by the API server's rule ({@code IsConfigMapKey}); empty when it can.
     */
    public static Optional<String> keyProblem(String key) {
        if (key.length() > MAX_KEY_LENGTH) {
            return Optional.of("key \"" + key.substring(0, 40) + "...\" is " + key.length()
                    + " characters long, longer than a ConfigMap key may be (" + MAX_KEY_LENGTH + "); shorten it");
        }
        if (!KEY.matcher(key).matches()) {
            return Optional.of("key \"" + key + "\" is not a valid ConfigMap key: use only letters, digits, '-', '_' and '.'"
                    + " (e.g. \"" + key.replaceAll("[^-._a-zA-Z0-9]+", "-") + "\")");
        }
        if (key.startsWith("..") || key.equals(".")) {
            return Optional.of("key \"" + key + "\" is not a valid ConfigMap key: it must not be '.' or start with '..'");
        }
        return Optional.empty();
    }

    /** Parses {@code <configmap>/<key>} or {@code <namespace>/<configmap>/<key>}; throws with the expected forms. */
    public static JobId parse(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length == 2) {
            return new JobId(parts[0], parts[1]);
        }
        if (parts.length == 3) {
            if (parts[0].isEmpty()) { // the record reads an empty namespace as "unqualified": "/a/b" would become "a/b"
                throw new IllegalArgumentException("job id \"" + text + "\" has an empty namespace; write " + parts[1] + "/"
                        + parts[2] + " or <namespace>/" + parts[1] + "/" + parts[2]);
            }
            return new JobId(parts[0], parts[1], parts[2]);
        }
        throw new IllegalArgumentException("job id must look like <configmap>/<key> or <namespace>/<configmap>/<key>, got \""
                + text + "\"");
    }

    /** The namespace the job's ConfigMap, Events, Secrets and Kubernetes Jobs are in; {@code own} for unqualified ids. */
    public String namespaceOr(String own) {
        return namespace.isEmpty() ? own : namespace;
    }

    /** The ConfigMap, as the catalogue and the REST API's {@code sourceErrors} name it: {@code [<namespace>/]<configmap>}. */
    public String sourceKey() {
        return sourceKey(namespace, source);
    }

    public static String sourceKey(String namespace, String source) {
        return namespace.isEmpty() ? source : namespace + "/" + source;
    }

    @Override
    public int compareTo(JobId o) {
        int c = namespace.compareTo(o.namespace);
        if (c != 0) {
            return c;
        }
        c = source.compareTo(o.source);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return sourceKey() + "/" + name;
    }
}
