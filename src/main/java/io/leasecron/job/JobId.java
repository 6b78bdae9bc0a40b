package io.leasecron.job;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Stable, readable identity of a job: {@code <configmap>/<key>}. The same ConfigMap key always yields the
 * same id on every replica, so slots and idempotency keys agree across the cluster.
 */
public record JobId(String source, String name) implements Comparable<JobId> {
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    public JobId {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(name, "name");
        if (!KEY.matcher(source).matches() || !KEY.matcher(name).matches()) {
            throw new IllegalArgumentException("job id parts must match [-._a-zA-Z0-9]+, got \"" + source + "/" + name + "\"");
        }
    }

    /** Parses {@code source/name}; throws with the expected form when the text is not one. */
    public static JobId parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash != text.lastIndexOf('/') || slash == text.length() - 1) {
            throw new IllegalArgumentException("job id must look like <configmap>/<key>, got \"" + text + "\"");
        }
        return new JobId(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public int compareTo(JobId o) {
        int c = source.compareTo(o.source);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return source + "/" + name;
    }
}
