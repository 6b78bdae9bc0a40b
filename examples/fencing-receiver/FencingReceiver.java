import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A target that uses leasecron's fencing headers correctly: it remembers, per Idempotency-Key (one per slot), the
 * highest Leasecron-Term that reached it and whether the work is done.
 *
 * - A key already seen with a higher term is refused (409): a newer leader has taken that slot over; this request
 *   comes from a former leader that was paused or cut off.
 * - A key seen before with the same or a higher term is not run again: the stored answer is returned (a retry, or
 *   an AtLeastOnce slot fired again by the next leader).
 * - Any other key runs, whatever its term: an older term's slot that no newer term has touched is still a real
 *   fire (a leader's last, slow request), so a target must never refuse "every term below the highest it saw".
 *
 * Run it with `java examples/fencing-receiver/FencingReceiver.java 8081` and point a job's http.url at it. A real
 * target keeps this table in its own database, in the same transaction as the work, and forgets keys after a while
 * (a slot is never fired again after its starting deadline).
 */
public class FencingReceiver {
    record Seen(long term, String answer) {
    }

    private final Map<String, Seen> byKey = new HashMap<>();

    /** Decides one request; returns the HTTP status and body. */
    synchronized String[] handle(String key, long term, String job, String slot) {
        Seen seen = byKey.get(key);
        if (seen != null && seen.term() > term) {
            return new String[] {"409", "slot " + slot + " of " + job + " was taken over by term " + seen.term()
                    + "; term " + term + " is stale"};
        }
        if (seen != null) {
            byKey.put(key, new Seen(term, seen.answer()));
            return new String[] {"200", seen.answer() + " (already done; not run again)"};
        }
        String answer = "ran " + job + " for " + slot + " under term " + term; // the work itself goes here
        byKey.put(key, new Seen(term, answer));
        return new String[] {"200", answer};
    }

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        FencingReceiver receiver = new FencingReceiver();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", exchange -> receiver.serve(exchange));
        server.start();
        System.out.println("fencing receiver on http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void serve(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        String term = exchange.getRequestHeaders().getFirst("Leasecron-Term");
        String[] out;
        if (key == null || term == null) {
            out = new String[] {"400", "not a leasecron fire: Idempotency-Key and Leasecron-Term are required"};
        } else {
            out = handle(key, Long.parseLong(term), exchange.getRequestHeaders().getFirst("Leasecron-Job"),
                    exchange.getRequestHeaders().getFirst("Leasecron-Scheduled-Time"));
        }
        byte[] body = (out[1] + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(Integer.parseInt(out[0]), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
