package io.leasecron.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The example receiver of docs/leader-election.md ("Fencing at the target"), run as a user runs it, answers a
 * former leader's stale request with 409 and every other one as the docs say.
 */
class FencingReceiverExampleTest {
    private Process receiver;

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.destroyForcibly();
        }
    }

    @Test
    void a_key_seen_with_a_higher_term_is_refused_and_an_older_terms_other_slot_still_runs() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        receiver = new ProcessBuilder(java, "examples/fencing-receiver/FencingReceiver.java", "0").redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertTrue(first != null && first.startsWith("fencing receiver on "), "started: " + first);
        URI url = URI.create(first.substring("fencing receiver on ".length()));
        HttpClient client = HttpClient.newHttpClient();

        assertEquals("200 ran billing/nightly for 2026-12-01T02:30:00.000Z under term 7",
                send(client, url, "key-0230", 7, "2026-12-01T02:30:00.000Z"));
        assertEquals("409 slot 2026-12-01T02:30:00.000Z of billing/nightly was taken over by term 7; term 6 is stale",
                send(client, url, "key-0230", 6, "2026-12-01T02:30:00.000Z"), "a paused former leader's late request");
        assertEquals("200 ran billing/nightly for 2026-12-01T02:29:00.000Z under term 6",
                send(client, url, "key-0229", 6, "2026-12-01T02:29:00.000Z"), "the former leader's own slot still runs");
        assertEquals("200 ran billing/nightly for 2026-12-01T02:30:00.000Z under term 7 (already done; not run again)",
                send(client, url, "key-0230", 8, "2026-12-01T02:30:00.000Z"), "fired again by the next leader (AtLeastOnce)");
    }

    private static String send(HttpClient client, URI url, String key, long term, String slot) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(url).POST(HttpRequest.BodyPublishers.noBody())
                .header("Idempotency-Key", key).header("Leasecron-Term", Long.toString(term))
                .header("Leasecron-Job", "billing/nightly").header("Leasecron-Scheduled-Time", slot).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }
}
