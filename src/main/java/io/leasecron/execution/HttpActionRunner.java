package io.leasecron.execution;

import io.leasecron.job.HttpAction;
import io.leasecron.job.SecretResolver;
import io.leasecron.text.Redaction;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * Runs {@link HttpAction}s over an {@link HttpTransport} (the JDK client in production). Every request carries the
 * contract headers: {@code Leasecron-Job}, {@code Leasecron-Scheduled-Time} (RFC 3339, UTC, milliseconds),
 * {@code Idempotency-Key} (stable per slot, the same on retries and on any replica), {@code Leasecron-Replica},
 * {@code Leasecron-Attempt} and {@code Leasecron-Term} (the fencing term that authorised the fire).
 *
 * <p>One attempt delivers its request at most once: a request that may have reached the target is never sent again
 * within the attempt, whatever the method; its failure goes to the job's {@code retry} settings, which send it again
 * as the next attempt. Only a request that provably never left (no connection could be made) is sent again at once,
 * once ({@link #RESENDS_NOT_SENT}). (The JDK client itself sends a GET or HEAD again once after a connection closed
 * without an answer: see {@link JdkHttpTransport}.)
 *
 * <p>The attempt is handed off ({@link Fire.HandOff}) when the transport reports the request's head written, or when
 * the target answers; never before. An attempt that fails first is not handed off: its outcome is.
 *
 * <p>Cancelling the returned future aborts the exchange; the request timeout is the job timeout as a backstop.
 * Only the status line decides the outcome; at most {@value #MAX_BODY_EXCERPT} characters of the response body
 * are kept for the run history of a failure, with Secret values redacted. The request goes to the URL as written;
 * every outcome shows it, and any URL quoted by the client or the target, as {@link Redaction} renders it.
 */
public final class HttpActionRunner implements ActionRunner {
    public static final DateTimeFormatter SCHEDULED_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    static final int MAX_BODY_EXCERPT = 200;
    /** Sends again, at once, of a request that provably never left; one covers a connection refused in passing. */
    static final int RESENDS_NOT_SENT = 1;

    private final HttpTransport transport;
    private final String userAgent;
    private final SecretResolver secrets;

    public HttpActionRunner(Executor executor, String userAgent) {
        this(executor, userAgent, SecretResolver.none("no Secrets are available"));
    }

    /** Over the JDK client, which runs its work on {@code executor}. */
    public HttpActionRunner(Executor executor, String userAgent, SecretResolver secrets) {
        this(new JdkHttpTransport(executor), userAgent, secrets);
    }

    public HttpActionRunner(HttpTransport transport, String userAgent, SecretResolver secrets) {
        this.transport = transport;
        this.userAgent = userAgent;
        this.secrets = secrets;
    }

    /** Lets the transport do its slow setup now, so that the first fire does not wait for it. */
    public void prepare() {
        transport.prepare();
    }

    @Override
    public CompletableFuture<RunResult> start(Fire fire) {
        HttpAction http = (HttpAction) fire.spec().action();
        CompletableFuture<Void> handedOff = fire.handOff().defer();
        Map<String, String> headers = new LinkedHashMap<>();
        http.headers().forEach((name, value) -> put(headers, name, value));
        List<String> secretValues = new ArrayList<>();
        for (var h : http.secretHeaders().entrySet()) {
            try {
                String value = secrets.value(fire.spec().id(), h.getValue());
                if (value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                    return CompletableFuture.completedFuture(new RunResult.Failed("header " + h.getKey() + ": the value of "
                            + h.getValue() + " contains a line break; header values are one line"));
                }
                put(headers, h.getKey(), value);
                secretValues.add(value);
            } catch (SecretResolver.SecretUnavailableException e) {
                return CompletableFuture.completedFuture(new RunResult.Failed("header " + h.getKey() + ": " + e.getMessage()));
            }
        }
        put(headers, "User-Agent", userAgent);
        put(headers, "Leasecron-Job", fire.spec().id().toString());
        put(headers, "Leasecron-Scheduled-Time", SCHEDULED_TIME.format(fire.slot()));
        put(headers, "Idempotency-Key", fire.idempotencyKey());
        put(headers, "Leasecron-Replica", fire.replica());
        put(headers, "Leasecron-Attempt", Integer.toString(fire.attempt()));
        put(headers, "Leasecron-Term", Long.toString(fire.term()));
        Attempt attempt = new Attempt(http, new HttpTransport.Request(http.method(), http.url(), headers, http.body(),
                fire.spec().timeout()), secretValues, handedOff);
        attempt.send(RESENDS_NOT_SENT);
        return attempt.result;
    }

    /** Sets {@code name}, replacing a value set before under any spelling of it. */
    private static void put(Map<String, String> headers, String name, String value) {
        headers.keySet().removeIf(name::equalsIgnoreCase);
        headers.put(name, value);
    }

    /** One attempt: its sends (more than one only while none left the process) and its result. */
    private final class Attempt {
        final HttpAction http;
        final HttpTransport.Request request;
        final List<String> secretValues;
        final CompletableFuture<Void> handedOff;
        /**
         * A plain future of our own, so that cancelling it reads as cancelled (the JDK client's futures propagate a
         * cancel upstream first and would complete as "failed: Request cancelled").
         */
        final CompletableFuture<RunResult> result = new CompletableFuture<>();
        final List<HttpTransport.Exchange> exchanges = new CopyOnWriteArrayList<>();

        Attempt(HttpAction http, HttpTransport.Request request, List<String> secretValues, CompletableFuture<Void> handedOff) {
            this.http = http;
            this.request = request;
            this.secretValues = secretValues;
            this.handedOff = handedOff;
            // Cancelling the result (timeout, Replace) must abort the request itself, not only stop waiting for it.
            result.whenComplete((r, e) -> {
                if (result.isCancelled()) {
                    exchanges.forEach(HttpTransport.Exchange::abort);
                }
            });
        }

        void send(int resendsLeft) {
            HttpTransport.Exchange exchange = transport.send(request, new HttpTransport.Listener() {
                @Override
                public void headWritten() {
                    handedOff.complete(null);
                }

                @Override
                public void ended(HttpTransport.Outcome outcome) {
                    if (outcome instanceof HttpTransport.Outcome.Failed f && !f.mayHaveReached() && resendsLeft > 0
                            && !result.isDone()) {
                        send(resendsLeft - 1); // nothing left the process: sending it again is no second delivery
                        return;
                    }
                    if (outcome instanceof HttpTransport.Outcome.Answered) {
                        handedOff.complete(null); // an answer proves it, whatever the transport reported before
                    }
                    result.complete(judge(outcome));
                }
            });
            exchanges.add(exchange);
            if (result.isCancelled()) {
                exchange.abort();
            }
        }

        RunResult judge(HttpTransport.Outcome outcome) {
            if (outcome instanceof HttpTransport.Outcome.Answered a) {
                return http.expectStatus().matches(a.status()) ? new RunResult.Succeeded("HTTP " + a.status())
                        : new RunResult.Failed("HTTP " + a.status() + ", expected " + http.expectStatus()
                                + excerpt(Redaction.text(Redaction.secretValues(a.body() == null ? "" : a.body(), secretValues))));
            }
            HttpTransport.Outcome.Failed f = (HttpTransport.Outcome.Failed) outcome;
            // The transport's error may quote the URL; neither copy may show a credential of its query.
            return new RunResult.Failed(http.method() + " " + Redaction.url(http.url()) + " failed: " + Redaction.text(f.error())
                    + (f.mayHaveReached() ? "; the target may have received it" : ""));
        }
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String one = body.strip().replaceAll("\\s+", " ");
        return ": " + (one.length() > MAX_BODY_EXCERPT ? one.substring(0, MAX_BODY_EXCERPT) + "…" : one);
    }
}
