package io.leasecron.housekeeping;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An API server for one resource that lists ConfigMaps and accepts watches, then sends nothing on them: no event, no
 * bookmark, the connection held open (a hung stream, as a stuck proxy or a half-open connection gives). A test can
 * make it send one line on the open watches ({@link #send}), e.g. a bookmark.
 */
final class SilentWatchServer implements AutoCloseable {
    final List<String> lists = new CopyOnWriteArrayList<>();
    final List<String> watches = new CopyOnWriteArrayList<>();
    /** ConfigMap name -> its JSON, as the next list answers. */
    final Map<String, String> configMaps = new ConcurrentHashMap<>();
    private final List<BlockingQueue<String>> open = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "silent-watch-server");
        t.setDaemon(true);
        return t;
    });
    private final HttpServer server;
    private volatile boolean closed;

    SilentWatchServer(String namespace) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/api/v1/namespaces/" + namespace + "/configmaps", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static String configMap(String name, String key, String job) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"test\","
                + "\"uid\":\"uid-" + name + "\",\"resourceVersion\":\"10\",\"labels\":{\"leasecron.io/jobs\":\"true\"}},"
                + "\"data\":{\"" + key + "\":\"" + job.replace("\"", "\\\"").replace("\n", "\\n") + "\"}}";
    }

    /** Sends {@code line} on every watch open now. */
    void send(String line) {
        open.forEach(q -> q.add(line));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery() == null ? "" : exchange.getRequestURI().getQuery();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        if (!query.contains("watch=true")) {
            lists.add(query);
            byte[] body = ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMapList\",\"metadata\":{\"resourceVersion\":\"10\"},\"items\":["
                    + String.join(",", configMaps.values()) + "]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        watches.add(query);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        open.add(lines);
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            out.flush();
            while (!closed) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client closed the watch
        } finally {
            open.remove(lines);
            exchange.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
    }
}
