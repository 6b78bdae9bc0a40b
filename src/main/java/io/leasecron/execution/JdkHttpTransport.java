package io.leasecron.execution;

import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The production {@link HttpTransport}: the JDK's non-blocking client, HTTP/1.1 only, one client (and its pool of
 * kept-alive connections) for every fire. What follows was read in the JDK 17 sources ({@code MultiExchange},
 * {@code Http1Exchange}, {@code Http1Request}, {@code SocketTube}) and is checked on real sockets by
 * {@code JdkHttpTransportTest} and {@code HttpActionRunnerTest}.
 *
 * <p><b>What the client sends again by itself.</b> After a {@code ConnectException}, once (nothing was written).
 * After a connection that closed before the first byte of an answer, whether new or kept alive and whether or not the
 * target read the request: once for GET and HEAD, never for other methods unless the JVM-wide
 * {@code jdk.httpclient.enableAllMethodRetry} is set, which this transport therefore refuses. No setting turns the
 * GET and HEAD resend off for one client only.
 *
 * <p><b>When the head is written.</b> The client subscribes to a request's body publisher and asks it for a first
 * piece once it has taken the head for writing, possibly before the socket has it (the write runs on another thread).
 * It asks for the next piece each time it takes one for writing, and takes one only when the socket has accepted the
 * whole previous one, the head included. So the <em>second</em> request for body data comes once the whole head is in
 * the socket's send buffer, which the kernel delivers even if this process dies: that is the
 * {@link Listener#headWritten()} signal. A request with {@code Content-Length: 0} never subscribes its publisher, so
 * a POST, PUT or PATCH without content is sent with an empty chunked body ({@code Transfer-Encoding: chunked}) to
 * have the signal; a GET, HEAD, DELETE or OPTIONS without content is sent with {@code Content-Length: 0} and gives no
 * signal before its answer.
 *
 * <p>HTTP/1.1 only: the above holds for the client's HTTP/1.1 exchange, and the default (HTTP/2) would also send
 * {@code Upgrade: h2c} on every request without content to a plain-http target.
 */
public final class JdkHttpTransport implements HttpTransport {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Methods whose requests carry content in HTTP; without a body they are sent with an empty chunked one. */
    static final Set<String> CONTENT_METHODS = Set.of("POST", "PUT", "PATCH");
    static final String ALL_METHOD_RETRY = "jdk.httpclient.enableAllMethodRetry";

    private final Executor executor;
    /**
     * Built on first use, not with the transport: building it loads the TLS trust store, a quarter second of CPU that
     * would otherwise be spent while the service starts (see {@link #prepare()}).
     */
    private volatile HttpClient client;

    /** @throws IllegalStateException if {@value #ALL_METHOD_RETRY} is set for this JVM */
    public JdkHttpTransport(Executor executor) {
        refuseAllMethodRetry(System.getProperty(ALL_METHOD_RETRY));
        this.executor = executor;
    }

    /** The JDK reads the value as true when it is empty or "true" (any case). */
    static void refuseAllMethodRetry(String value) {
        if (value != null && (value.isEmpty() || Boolean.parseBoolean(value))) {
            throw new IllegalStateException("the JVM option -D" + ALL_METHOD_RETRY + "=" + value + " makes the JDK HTTP client"
                    + " send a request again after its connection closed without an answer, though the target may have"
                    + " received and acted on it: a second delivery of the same attempt. Remove it from the JVM options"
                    + " (JAVA_TOOL_OPTIONS, JAVA_OPTS); a job's retry settings decide whether a fire is sent again");
        }
    }

    @Override
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
                            .version(HttpClient.Version.HTTP_1_1)
                            .executor(executor)
                            .connectTimeout(CONNECT_TIMEOUT)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                    client = c;
                }
            }
        }
        return c;
    }

    @Override
    public Exchange send(Request request, Listener listener) {
        Reporter reporter = new Reporter(listener);
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(request.url())
                    .timeout(request.timeout())
                    .method(request.method(), body(request, reporter::headWritten));
            request.headers().forEach(builder::header);
            exchange = client().sendAsync(builder.build(), info -> {
                reporter.headWritten(); // an answer has begun: the head certainly left
                return HttpResponse.BodyHandlers.ofString().apply(info);
            });
        } catch (RuntimeException e) { // refused before anything was sent (a header the client does not allow)
            reporter.ended(new Outcome.Failed(describe(e), false));
            return () -> { };
        }
        exchange.whenComplete((response, error) -> {
            if (error == null) {
                reporter.headWritten();
                reporter.ended(new Outcome.Answered(response.statusCode(), response.body()));
            } else {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                reporter.ended(new Outcome.Failed(describe(cause), !neverLeft(cause)));
            }
        });
        return () -> exchange.cancel(true);
    }

    /**
     * True only for failures to make the connection: nothing of the request was written. Every other failure (a
     * connection closed or reset, a request timeout, a TLS error) may come after the target received the request.
     */
    static boolean neverLeft(Throwable error) {
        return error instanceof ConnectException || error instanceof HttpConnectTimeoutException;
    }

    private static HttpRequest.BodyPublisher body(Request request, Runnable headWritten) {
        boolean empty = request.body() == null || request.body().isEmpty();
        if (empty && !CONTENT_METHODS.contains(request.method())) {
            return HttpRequest.BodyPublishers.noBody();
        }
        return new Signalling(empty ? HttpRequest.BodyPublishers.ofByteArrays(List.of())
                : HttpRequest.BodyPublishers.ofString(request.body()), headWritten);
    }

    static String describe(Throwable t) {
        String name = t.getClass().getSimpleName();
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    /** {@code body}, running {@code headWritten} when the client asks it for data the second time (see above). */
    private record Signalling(HttpRequest.BodyPublisher body, Runnable headWritten) implements HttpRequest.BodyPublisher {
        @Override
        public long contentLength() {
            return body.contentLength();
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            AtomicInteger requests = new AtomicInteger();
            body.subscribe(new Flow.Subscriber<ByteBuffer>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    subscriber.onSubscribe(new Flow.Subscription() {
                        @Override
                        public void request(long n) {
                            if (requests.incrementAndGet() == 2) {
                                headWritten.run();
                            }
                            subscription.request(n);
                        }

                        @Override
                        public void cancel() {
                            subscription.cancel();
                        }
                    });
                }

                @Override
                public void onNext(ByteBuffer item) {
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
    }

    /**
     * Passes the client's signals on in the order the listener is promised: the head at most once and before the
     * end, nothing after the end. The client's threads report them independently (a failure may overtake the head's
     * signal), hence the lock.
     */
    private static final class Reporter {
        private final Listener listener;
        private boolean headWritten;
        private boolean ended;

        Reporter(Listener listener) {
            this.listener = listener;
        }

        synchronized void headWritten() {
            if (!headWritten && !ended) {
                headWritten = true;
                listener.headWritten();
            }
        }

        synchronized void ended(Outcome outcome) {
            if (!ended) {
                ended = true;
                listener.ended(outcome);
            }
        }
    }
}
