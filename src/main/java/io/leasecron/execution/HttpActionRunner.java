package io.leasecron.execution;

import io.leasecron.job.SecretResolver;

import io.leasecron.job.HttpAction;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Runs {@link HttpAction}s with the JDK's non-blocking client. Every request carries the contract headers:
 * {@code Leasecron-Job}, {@code Leasecron-Scheduled-Time} (RFC 3339, UTC, milliseconds), {@code Idempotency-Key}
 * (stable per slot, the same on retries and on any replica), {@code Leasecron-Replica}, {@code Leasecron-Attempt}
 * and {@code Leasecron-Term} (the fencing term that authorised the fire).
 *
 * <p>Cancelling the returned future aborts the exchange; the request timeout is the job timeout as a backstop.
 * Only the status line decides the outcome; at most {@value #MAX_BODY_EXCERPT} characters of the response body
 * are kept for the run history of a failure.
 */
public final class HttpActionRunner implements ActionRunner {
    public static final DateTimeFormatter SCHEDULED_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    static final int MAX_BODY_EXCERPT = 200;
    /** How long after it was sent a request without a body counts as on its way to the target. */
    static final java.time.Duration HAND_OFF_BOUND = java.time.Duration.ofMillis(250);

    static {
        // A request sent on a kept-alive connection that the target closed meanwhile (an idle timeout racing the
        // next fire) never reached it: the JDK client sends it again on a new connection, but by default only for
        // GET and HEAD. Every fire carries its Idempotency-Key, so this is safe for every method. Read once, when
        // the client sends its first request; a value set on the command line wins.
        if (System.getProperty("jdk.httpclient.enableAllMethodRetry") == null) {
            System.setProperty("jdk.httpclient.enableAllMethodRetry", "true");
        }
    }

    private final Executor executor;
    private final String userAgent;
    private final SecretResolver secrets;
    /**
     * Built on first use, not with the runner: building it loads the TLS trust store, a quarter second of CPU that
     * would otherwise be spent while the service starts (see {@link #prepare()}).
     */
    private volatile HttpClient client;

    public HttpActionRunner(Executor executor, String userAgent) {
        this(executor, userAgent, SecretResolver.none("no Secrets are available"));
    }

    public HttpActionRunner(Executor executor, String userAgent, SecretResolver secrets) {
        this.executor = executor;
        this.userAgent = userAgent;
        this.secrets = secrets;
    }

    /** Builds the client now if no fire has built it yet, so that the first fire does not wait for it. */
    public void prepare() {
        client();
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = HttpClient.newBuilder()
                            .executor(executor)
                            .connectTimeout(Duration.ofSeconds(10))
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public CompletableFuture<RunResult> start(Fire fire) {
        HttpAction http = (HttpAction) fire.spec().action();
        CompletableFuture<Void> handedOff = fire.handOff().defer();
        HttpRequest.Builder request = HttpRequest.newBuilder(http.url())
                .timeout(fire.spec().timeout())
                .method(http.method(), http.body() == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : signalling(HttpRequest.BodyPublishers.ofString(http.body()), handedOff));
        http.headers().forEach(request::header);
        java.util.List<String> secretValues = new java.util.ArrayList<>();
        for (var h : http.secretHeaders().entrySet()) {
            try {
                String value = secrets.value(h.getValue());
                if (value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                    return CompletableFuture.completedFuture(new RunResult.Failed("header " + h.getKey() + ": the value of "
                            + h.getValue() + " contains a line break; header values are one line"));
                }
                request.header(h.getKey(), value);
                secretValues.add(value);
            } catch (SecretResolver.SecretUnavailableException e) {
                return CompletableFuture.completedFuture(new RunResult.Failed("header " + h.getKey() + ": " + e.getMessage()));
            }
        }
        request.setHeader("User-Agent", userAgent)
                .setHeader("Leasecron-Job", fire.spec().id().toString())
                .setHeader("Leasecron-Scheduled-Time", SCHEDULED_TIME.format(fire.slot()))
                .setHeader("Idempotency-Key", fire.idempotencyKey())
                .setHeader("Leasecron-Replica", fire.replica())
                .setHeader("Leasecron-Attempt", Integer.toString(fire.attempt()))
                .setHeader("Leasecron-Term", Long.toString(fire.term()));
        HttpRequest built = request.build();
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            exchange = client().sendAsync(built, info -> {
                handedOff.complete(null);
                return HttpResponse.BodyHandlers.ofString().apply(info);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new RunResult.Failed(http.method() + " " + http.url() + " failed: " + describe(e)));
        }
        // The request has left this process once the target answers, or once the client takes the body (it has
        // written the head by then). A request without a body gives no such signal: HAND_OFF_BOUND after it was
        // sent, it counts as on its way (a replica killed before that leaves its slot uncertain, not started).
        handedOff.completeOnTimeout(null, HAND_OFF_BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        // A plain future of our own: the client's futures propagate cancel upstream first, which would complete
        // this one as "failed: Request cancelled" instead of cancelled.
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        exchange.whenComplete((response, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                result.complete(new RunResult.Failed(http.method() + " " + http.url() + " failed: " + describe(cause)));
                return;
            }
            int status = response.statusCode();
            result.complete(http.expectStatus().matches(status) ? new RunResult.Succeeded("HTTP " + status)
                    : new RunResult.Failed("HTTP " + status + ", expected " + http.expectStatus()
                            + excerpt(Redaction.redact(response.body() == null ? "" : response.body(), secretValues))));
        });
        // Cancelling the result (timeout, Replace) must abort the request itself, not only stop waiting for it.
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                exchange.cancel(true);
            }
        });
        return result;
    }

    /** {@code body}, completing {@code taken} when the client first asks for it (after writing the head). */
    private static HttpRequest.BodyPublisher signalling(HttpRequest.BodyPublisher body, CompletableFuture<Void> taken) {
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return body.contentLength();
            }

            @Override
            public void subscribe(java.util.concurrent.Flow.Subscriber<? super java.nio.ByteBuffer> subscriber) {
                body.subscribe(new java.util.concurrent.Flow.Subscriber<java.nio.ByteBuffer>() {
                    @Override
                    public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
                        subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                            @Override
                            public void request(long n) {
                                taken.complete(null);
                                subscription.request(n);
                            }

                            @Override
                            public void cancel() {
                                subscription.cancel();
                            }
                        });
                    }

                    @Override
                    public void onNext(java.nio.ByteBuffer item) {
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable t) {
                        subscriber.onError(t);
                    }

                    @Override
                    public void onComplete() {
                        subscriber.onComplete();
                    }
                });
            }
        };
    }

    private static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String one = body.strip().replaceAll("\\s+", " ");
        return ": " + (one.length() > MAX_BODY_EXCERPT ? one.substring(0, MAX_BODY_EXCERPT) + "…" : one);
    }
}
