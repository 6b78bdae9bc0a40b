package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.job.JobSpec;
import io.leasecron.testing.Jobs;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The runner's own decisions over a transport the test plays (what a simulation drives): when to send again, when
 * the attempt is handed off, what each outcome reports, what cancelling aborts.
 */
class HttpActionRunnerOverTransportTest {
    static final Instant SLOT = Instant.parse("2026-03-08T07:30:00Z");
    static final String URL = "http://billing.example:8080/hooks/nightly";

    ScriptedTransport transport = new ScriptedTransport();
    HttpActionRunner runner = new HttpActionRunner(transport, "leasecron/pod-a",
            (job, ref) -> ref.name().equals("billing-token") ? "s3cr3t-token" : "other");

    static JobSpec job(String extra) {
        return Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\ntimeout: 30s\nhttp:\n  url: " + URL + "\n" + extra);
    }

    @Test
    void the_request_carries_the_action_and_the_contract_headers_and_the_contract_wins_over_any_spelling() {
        Fire fire = new Fire(job("  method: PUT\n  body: '{\"a\":1}'\n  headers: {X-Team: billing, user-agent: curl,"
                + " Authorization: {valueFrom: {secretKeyRef: {name: billing-token, key: bearer}}}}\n"), SLOT, 3, 42, "pod-a");
        runner.start(fire);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Team", "billing");
        headers.put("Authorization", "s3cr3t-token");
        headers.put("User-Agent", "leasecron/pod-a");
        headers.put("Leasecron-Job", "billing/nightly");
        headers.put("Leasecron-Scheduled-Time", "2026-03-08T07:30:00.000Z");
        headers.put("Idempotency-Key", Fire.idempotencyKey("billing/nightly", SLOT));
        headers.put("Leasecron-Replica", "pod-a");
        headers.put("Leasecron-Attempt", "3");
        headers.put("Leasecron-Term", "42");
        assertEquals(new HttpTransport.Request("PUT", java.net.URI.create(URL), headers, "{\"a\":1}", Duration.ofSeconds(30)),
                transport.last().request());
        assertEquals(1, transport.sent().size());
    }

    /** The slot is started once the head is on its way, before the target has answered, and not before. */
    @Test
    void the_attempt_is_handed_off_when_the_head_is_written_not_when_it_is_sent() {
        Fire fire = new Fire(job(""), SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> result = runner.start(fire);
        CompletableFuture<Void> handOff = fire.handOff().pending();
        assertFalse(handOff.isDone(), "handed to the transport is not on its way");
        transport.last().headWritten();
        assertTrue(handOff.isDone());
        assertFalse(result.isDone());
        transport.last().answer(204, "");
        assertEquals(new RunResult.Succeeded("HTTP 204"), result.join());
    }

    @Test
    void an_answer_hands_off_an_attempt_whose_head_was_not_reported_and_its_excerpt_hides_secrets() {
        Fire fire = new Fire(job("  method: GET\n  headers: {Authorization: {valueFrom: {secretKeyRef: {name: billing-token,"
                + " key: bearer}}}}\n"), SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> result = runner.start(fire);
        transport.last().answer(503, "maintenance: token s3cr3t-token\n expired");
        assertTrue(fire.handOff().pending().isDone());
        assertEquals(new RunResult.Failed("HTTP 503, expected 2xx: maintenance: token <redacted> expired"), result.join());
    }

    /**
     * The request goes to the URL as written, query credentials and all; the outcome shows it redacted, and so is a
     * copy of the URL inside the client's error or in the target's answer.
     */
    @Test
    void a_credential_in_the_query_is_sent_but_every_outcome_shows_it_masked() {
        String url = "http://billing.example:8080/hooks/nightly?api_key=abc123&x=1";
        Fire fire = new Fire(Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\nhttp: {url: \"" + url + "\"}\n"),
                SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> failed = runner.start(fire);
        assertEquals(java.net.URI.create(url), transport.last().request().url());
        transport.last().fail("IOException: connection to " + url + " reset", true);
        assertEquals(new RunResult.Failed("POST http://billing.example:8080/hooks/nightly?api_key=***&x=1 failed: "
                + "IOException: connection to http://billing.example:8080/hooks/nightly?api_key=***&x=1 reset; "
                + "the target may have received it"), failed.join());

        CompletableFuture<RunResult> answered = runner.start(new Fire(fire.spec(), SLOT, 2, 42, "pod-a"));
        transport.last().answer(401, "bad key in /hooks/nightly?api_key=abc123&x=1");
        assertEquals(new RunResult.Failed("HTTP 401, expected 2xx: bad key in /hooks/nightly?api_key=***&x=1"), answered.join());
    }

    /**
     * The target may have acted on a request whose connection failed after it was made (it crashed, a proxy reset the
     * connection): sending it again would be a second delivery of the same attempt. The attempt fails; a next attempt,
     * if the job's retry allows one, carries the next attempt number.
     */
    @Test
    void a_request_that_may_have_reached_the_target_is_never_sent_again_within_the_attempt() {
        Fire fire = new Fire(job(""), SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> result = runner.start(fire);
        transport.last().headWritten();
        transport.last().fail("IOException: connection reset", true);
        assertEquals(1, transport.sent().size());
        assertEquals(new RunResult.Failed("POST " + URL + " failed: IOException: connection reset; the target may have received it"),
                result.join());
    }

    @Test
    void a_request_that_failed_before_its_head_was_reported_may_still_have_reached_the_target() {
        CompletableFuture<RunResult> result = runner.start(new Fire(job(""), SLOT, 1, 42, "pod-a"));
        transport.last().fail("IOException: HTTP/1.1 header parser received no bytes", true);
        assertEquals(1, transport.sent().size());
        assertTrue(result.join().detail().endsWith("; the target may have received it"), result.join().detail());
    }

    /**
     * A request that provably never left (no connection could be made) is sent again at once, once, as the same
     * attempt; it is not handed off by either send.
     */
    @Test
    void a_request_that_never_left_is_sent_again_once_as_the_same_attempt() {
        Fire fire = new Fire(job(""), SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> result = runner.start(fire);
        transport.last().fail("ConnectException: Connection refused", false);
        assertEquals(2, transport.sent().size());
        assertEquals(transport.sent().get(0).request(), transport.sent().get(1).request());
        assertFalse(result.isDone());
        transport.last().fail("ConnectException: Connection refused", false);
        assertEquals(2, transport.sent().size());
        assertFalse(fire.handOff().pending().isDone());
        assertEquals(new RunResult.Failed("POST " + URL + " failed: ConnectException: Connection refused"), result.join());
    }

    @Test
    void a_request_sent_again_after_a_refused_connection_can_succeed() {
        Fire fire = new Fire(job(""), SLOT, 1, 42, "pod-a");
        CompletableFuture<RunResult> result = runner.start(fire);
        transport.last().fail("ConnectException: Connection refused", false);
        transport.last().headWritten();
        assertTrue(fire.handOff().pending().isDone());
        transport.last().answer(200, "ok");
        assertEquals(new RunResult.Succeeded("HTTP 200"), result.join());
    }

    @Test
    void cancelling_the_attempt_aborts_its_exchange_and_sends_nothing_more() {
        CompletableFuture<RunResult> result = runner.start(new Fire(job(""), SLOT, 1, 42, "pod-a"));
        transport.last().fail("ConnectException: Connection refused", false);
        result.cancel(true);
        assertTrue(transport.sent().get(1).aborted(), "the exchange in flight is aborted");
        transport.last().fail("ConnectException: Connection refused", false);
        assertEquals(2, transport.sent().size());
        assertTrue(result.isCancelled());
    }

    @Test
    void a_secret_that_cannot_be_read_fails_the_attempt_without_sending_anything() {
        HttpActionRunner none = new HttpActionRunner(transport, "leasecron/pod-a",
                io.leasecron.job.SecretResolver.none("no Secrets are available"));
        RunResult r = none.start(new Fire(job("  headers: {Authorization: {valueFrom: {secretKeyRef: {name: billing-token,"
                + " key: bearer}}}}\n"), SLOT, 1, 42, "pod-a")).join();
        assertEquals(new RunResult.Failed("header Authorization: secret billing-token key bearer: no Secrets are available"), r);
        assertTrue(transport.sent().isEmpty());
    }
}
