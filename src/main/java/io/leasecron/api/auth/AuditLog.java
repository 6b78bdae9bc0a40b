package io.leasecron.api.auth;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The audit log of the API's changes: one line per mutation request, allowed or refused, on logger category
 * {@value #CATEGORY}, written once the response status is known:
 *
 * <pre>
 * caller="system:serviceaccount:ci:deployer" verb=trigger job="billing/nightly" namespace="team-a" request="POST /api/v1/jobs/billing/nightly:trigger" outcome=202
 * caller="-" verb=trigger job="billing/nightly" namespace="team-a" request="POST ..." outcome=401 message="the Kubernetes API server did not accept the bearer token ..."
 * </pre>
 *
 * Values in quotes are escaped ({@code "}, {@code \}, control characters), so a crafted path or name cannot forge a line.
 * Tokens never appear: neither the request's headers nor the reviews' bodies are logged.
 */
final class AuditLog {
    static final String CATEGORY = "io.leasecron.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    /** One request's line in the making: what was asked; the caller once known; written at most once. */
    static final class Pending {
        final String request;
        final String verb;
        final String job;
        final String namespace;
        private volatile String caller;
        private final AtomicBoolean written = new AtomicBoolean();

        Pending(String request, String verb, String job, String namespace) {
            this.request = request;
            this.verb = verb;
            this.job = job;
            this.namespace = namespace;
        }

        void caller(String caller) {
            this.caller = caller;
        }

        /** Writes the line with the outcome, the first time only; returns whether it did. */
        boolean write(int status, String message) {
            if (!written.compareAndSet(false, true)) {
                return false;
            }
            LOG.info(line(caller, verb, job, namespace, request, status, message));
            return true;
        }
    }

    static String line(String caller, String verb, String job, String namespace, String request, int status, String message) {
        StringBuilder b = new StringBuilder();
        b.append("caller=").append(quote(caller == null ? "-" : caller)).append(" verb=").append(verb)
                .append(" job=").append(quote(job)).append(" namespace=").append(quote(namespace))
                .append(" request=").append(quote(request)).append(" outcome=").append(status);
        if (message != null && !message.isEmpty()) {
            b.append(" message=").append(quote(message));
        }
        return b.toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private AuditLog() {
    }
}
