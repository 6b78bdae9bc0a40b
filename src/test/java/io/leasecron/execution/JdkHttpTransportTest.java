package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the JDK client transport reports, and what it puts on the wire, against plain sockets on loopback. */
class JdkHttpTransportTest {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    JdkHttpTransport transport = new JdkHttpTransport(pool);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** The listener's calls in order, and the end. */
    static final class Heard implements HttpTransport.Listener {
        final List<Object> calls = new CopyOnWriteArrayList<>();
        final CompletableFuture<HttpTransport.Outcome> end = new CompletableFuture<>();
        final CountDownLatch head = new CountDownLatch(1);

        @Override
        public void headWritten() {
            calls.add("head written");
            head.countDown();
        }

        @Override
        public void ended(HttpTransport.Outcome outcome) {
            calls.add(outcome);
            end.complete(outcome);
        }

        List<Object> await() throws Exception {
            end.get(10, TimeUnit.SECONDS);
            return List.copyOf(calls);
        }
    }

    static HttpTransport.Request request(String method, int port, String body, Duration timeout) {
        return new HttpTransport.Request(method, URI.create("http://127.0.0.1:" + port + "/hooks"), Map.of("X-Team", "billing"),
                body, timeout);
    }

    @Test
    void a_refused_connection_never_left() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Heard heard = new Heard();
        transport.send(request("POST", closed, "{}", Duration.ofSeconds(5)), heard);
        assertEquals(List.of(new HttpTransport.Outcome.Failed("ConnectException", false)), heard.await());
    }

    @Test
    void a_connection_that_cannot_be_made_before_the_timeout_never_left() throws Exception {
        try (FullBacklog late = new FullBacklog()) {
            Heard heard = new Heard();
            transport.send(request("POST", late.port(), null, Duration.ofMillis(300)), heard);
            assertEquals(List.of(new HttpTransport.Outcome.Failed("HttpConnectTimeoutException: HTTP connect timed out", false)),
                    heard.await());
        }
    }

    /** Once the connection was made, a failure may come after the target acted on the request. */
    @Test
    void a_connection_closed_without_an_answer_after_the_head_was_written_may_have_reached_the_target() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Heard heard = new Heard();
            transport.send(request("POST", server.getLocalPort(), "{\"a\":1}", Duration.ofSeconds(5)), heard);
            try (Socket s = server.accept()) {
                assertEquals("{\"a\":1}", RawHttp.read(s).body());
                assertTrue(heard.head.await(5, TimeUnit.SECONDS), "head written, heard before the connection closes");
            }
            assertEquals(List.of("head written",
                    new HttpTransport.Outcome.Failed("IOException: HTTP/1.1 header parser received no bytes", true)), heard.await());
        }
    }

    /**
     * HTTP/1.1 without an upgrade offer; a POST without content carries an empty chunked body (the client then gives
     * the head-written signal), a GET carries {@code Content-Length: 0}.
     */
    @Test
    void what_each_kind_of_request_puts_on_the_wire() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (String[] c : new String[][] {{"POST", null}, {"PUT", ""}, {"POST", "{\"a\":1}"}, {"GET", null}, {"DELETE", null}}) {
                Heard heard = new Heard();
                transport.send(request(c[0], server.getLocalPort(), c[1], Duration.ofSeconds(5)), heard);
                RawHttp.Request r;
                try (Socket s = server.accept()) {
                    r = RawHttp.read(s);
                    RawHttp.answer(s, 200);
                    assertEquals(List.of("head written", new HttpTransport.Outcome.Answered(200, "")), heard.await());
                }
                String framing = c[0].equals("GET") || c[0].equals("DELETE") ? "content-length=0"
                        : c[1] == null || c[1].isEmpty() ? "transfer-encoding=chunked" : "content-length=7";
                assertEquals(c[0] + " /hooks HTTP/1.1 " + framing + " x-team=billing body=" + (c[1] == null ? "" : c[1]),
                        r.line() + " " + (r.headers().containsKey("content-length") ? "content-length=" + r.header("Content-Length")
                                : "transfer-encoding=" + r.header("Transfer-Encoding"))
                                + " x-team=" + r.header("X-Team") + " body=" + r.body());
                assertTrue(!r.headers().containsKey("upgrade") && !r.headers().containsKey("connection"),
                        "no HTTP/2 upgrade offer: " + r.headers());
            }
        }
    }

    @Test
    void a_jvm_that_lets_the_client_resend_every_method_is_refused() {
        for (String on : List.of("", "true", "TRUE")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> JdkHttpTransport.refuseAllMethodRetry(on));
            assertTrue(e.getMessage().startsWith("the JVM option -Djdk.httpclient.enableAllMethodRetry=" + on
                    + " makes the JDK HTTP client send a request again"), e.getMessage());
        }
        JdkHttpTransport.refuseAllMethodRetry(null);
        JdkHttpTransport.refuseAllMethodRetry("false");
    }
}
