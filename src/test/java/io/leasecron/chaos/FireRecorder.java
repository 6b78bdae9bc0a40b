package io.leasecron.chaos;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP target every chaos job calls: records each request with the contract headers and the moment it arrived
 * (the harness's clock, which no scenario skews), and answers 200 at once.
 */
final class FireRecorder implements AutoCloseable {

    /** One request as it arrived. {@code slot} is {@code Leasecron-Scheduled-Time}. */
    record Fire(String job, Instant slot, String key, String replica, long term, int attempt, Instant received) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "chaos-target");
        t.setDaemon(true);
        return t;
    });
    private final List<Fire> fires = new CopyOnWriteArrayList<>();
    private final List<String> malformed = new CopyOnWriteArrayList<>();

    FireRecorder() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            Instant received = Instant.now();
            try (exchange) {
                var h = exchange.getRequestHeaders();
                exchange.getRequestBody().readAllBytes();
                try {
                    fires.add(new Fire(h.getFirst("Leasecron-Job"), Instant.parse(h.getFirst("Leasecron-Scheduled-Time")),
                            h.getFirst("Idempotency-Key"), h.getFirst("Leasecron-Replica"), Long.parseLong(h.getFirst("Leasecron-Term")),
                            Integer.parseInt(h.getFirst("Leasecron-Attempt")), received));
                } catch (RuntimeException e) {
                    malformed.add(exchange.getRequestURI() + " " + h.entrySet() + ": " + e);
                }
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/fire";
    }

    List<Fire> fires() {
        return new ArrayList<>(fires);
    }

    /** Requests without the contract headers (there should be none). */
    List<String> malformed() {
        return new ArrayList<>(malformed);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
