package io.leasecron.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A real HTTP endpoint on loopback that records every request and answers as scripted. */
public final class RecordingTarget implements AutoCloseable {

    /** {@code query}: the raw query string as received, {@code null} without one. */
    public record Request(String method, String path, String query, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    public record Reply(int status, String body, CountDownLatch holdUntil) {
        public static Reply of(int status) {
            return new Reply(status, "", null);
        }
    }

    private final HttpServer server;
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private volatile Function<Request, Reply> script = r -> Reply.of(200);
    private volatile boolean closeConnections;

    public RecordingTarget() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body);
            requests.add(request);
            Reply reply = script.apply(request);
            try {
                if (reply.holdUntil() != null) {
                    reply.holdUntil().await(30, TimeUnit.SECONDS);
                }
                byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
                if (closeConnections) {
                    exchange.getResponseHeaders().set("Connection", "close");
                }
                exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            } catch (InterruptedException | IOException e) {
                // client went away
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public void reply(Function<Request, Reply> script) {
        this.script = script;
    }

    /**
     * Answers every request with {@code Connection: close}. For tests that count requests from many clients over a
     * long run: a client that reuses a kept-alive connection the server has just dropped loses a POST without a
     * retry, which would be counted as a fire that never arrived.
     */
    public RecordingTarget closingConnections() {
        closeConnections = true;
        return this;
    }

    /** The next request, waiting at most five seconds for it. */
    public Request take() throws InterruptedException {
        Request r = requests.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request arrived within 5 s");
        }
        return r;
    }

    public List<Request> drained() {
        List<Request> out = new java.util.ArrayList<>();
        requests.drainTo(out);
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
