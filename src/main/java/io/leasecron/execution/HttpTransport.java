package io.leasecron.execution;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Sends one HTTP request, exactly once, and tells what became of it: the JDK client in production
 * ({@link JdkHttpTransport}), a simulated network in tests. Deciding whether to send again, and what an outcome means
 * for the fire, is {@link HttpActionRunner}'s work, not the transport's: a transport never sends a request twice.
 */
public interface HttpTransport {

    /**
     * Starts sending {@code request} and returns at once. {@code listener} hears {@link Listener#headWritten()} at
     * most once, then {@link Listener#ended} exactly once (unless the exchange was aborted, after which it may hear
     * nothing more); never in another order, never concurrently. Either may be called before this method returns.
     */
    Exchange send(Request request, Listener listener);

    /** Does now any slow setup the first send would otherwise do (the JDK client loads its TLS trust store). */
    default void prepare() {
    }

    /**
     * @param headers sent as given, in this order; names are unique regardless of case
     * @param body the content, or null for none
     * @param timeout after this the exchange fails, whatever stage it is in
     */
    record Request(String method, URI url, Map<String, String> headers, String body, Duration timeout) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(url, "url");
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            Objects.requireNonNull(timeout, "timeout");
        }
    }

    interface Listener {
        /**
         * The request's head (request line and headers) has been written to the connection: it no longer depends on
         * this process, and the target may receive it. Not heard at all when the transport cannot tell before the
         * answer.
         */
        void headWritten();

        void ended(Outcome outcome);
    }

    /** A request in flight. */
    interface Exchange {
        /** Stops the exchange and closes its connection; does nothing once it has ended. */
        void abort();
    }

    sealed interface Outcome {
        /** The target answered with this status line and body. */
        record Answered(int status, String body) implements Outcome {
        }

        /**
         * No answer. {@code mayHaveReached} is false only when the request provably never left (no connection could be
         * made: refused, timed out, unknown host); otherwise the target may have received and acted on it, even if
         * the connection closed at once.
         */
        record Failed(String error, boolean mayHaveReached) implements Outcome {
            public Failed {
                Objects.requireNonNull(error, "error");
            }
        }
    }
}
