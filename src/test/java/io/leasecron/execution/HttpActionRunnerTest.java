package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.job.JobSpec;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.RecordingTarget;
import io.leasecron.testing.RecordingTarget.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP action against a real server on loopback. */
class HttpActionRunnerTest {
    static final Instant SLOT = Instant.parse("2026-03-08T07:30:00Z");

    RecordingTarget target;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    HttpActionRunner runner = new HttpActionRunner(pool, "leasecron/pod-a");

    @BeforeEach
    void start() throws Exception {
        target = new RecordingTarget();
    }

    @AfterEach
    void stop() {
        target.close();
        pool.shutdownNow();
    }

    JobSpec job(String extra) {
        return Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\nhttp:\n  url: " + target.url("/hooks/nightly") + "\n" + extra);
    }

    RunResult run(JobSpec spec, int attempt) throws Exception {
        return runner.start(new Fire(spec, SLOT, attempt, 42, "pod-a")).get(10, TimeUnit.SECONDS);
    }

    @Test
    void every_fire_carries_the_contract_headers() throws Exception {
        RunResult r = run(job("  headers: {X-Team: billing}\n  body: '{\"a\":1}'"), 2);
        assertEquals(new RunResult.Succeeded("HTTP 200"), r);
        RecordingTarget.Request req = target.take();
        assertEquals("POST", req.method());
        assertEquals("/hooks/nightly", req.path());
        assertEquals("{\"a\":1}", req.body());
        assertEquals("billing/nightly", req.header("Leasecron-Job"));
        assertEquals("2026-03-08T07:30:00.000Z", req.header("Leasecron-Scheduled-Time"));
        assertEquals(Fire.idempotencyKey("billing/nightly", SLOT), req.header("Idempotency-Key"));
        assertEquals("pod-a", req.header("Leasecron-Replica"));
        assertEquals("2", req.header("Leasecron-Attempt"));
        assertEquals("42", req.header("Leasecron-Term"));
        assertEquals("billing", req.header("X-Team"));
        assertEquals("leasecron/pod-a", req.header("User-Agent"));
    }

    @Test
    void the_idempotency_key_is_the_same_on_every_attempt_and_differs_between_slots() {
        JobSpec spec = job("");
        String first = new Fire(spec, SLOT, 1, 1, "pod-a").idempotencyKey();
        assertEquals(first, new Fire(spec, SLOT, 3, 2, "pod-b").idempotencyKey());
        assertTrue(!first.equals(new Fire(spec, SLOT.plusSeconds(60), 1, 1, "pod-a").idempotencyKey()));
    }

    @Test
    void a_status_outside_expect_status_fails_with_the_status_and_a_body_excerpt() throws Exception {
        target.reply(r -> new Reply(503, "maintenance\n  window", null));
        RunResult r = run(job("  expectStatus: [200, 204]"), 1);
        assertEquals(new RunResult.Failed("HTTP 503, expected 200, 204: maintenance window"), r);
    }

    @Test
    void expect_status_accepts_a_whole_class() throws Exception {
        target.reply(r -> Reply.of(302));
        assertEquals(new RunResult.Succeeded("HTTP 302"), run(job("  expectStatus: 3xx"), 1));
    }

    @Test
    void an_unreachable_target_fails_with_the_connection_error() throws Exception {
        JobSpec spec = Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\nhttp: {url: \"http://127.0.0.1:1/x\"}");
        RunResult r = run(spec, 1);
        assertInstanceOf(RunResult.Failed.class, r);
        assertTrue(r.detail().startsWith("POST http://127.0.0.1:1/x failed: ConnectException"), r.detail());
    }

    @Test
    void cancelling_the_fire_closes_the_connection_of_the_request_in_flight() throws Exception {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            JobSpec spec = Jobs.spec("billing/nightly",
                    "schedule: \"@every 1m\"\nhttp: {url: \"http://127.0.0.1:" + server.getLocalPort() + "/slow\"}");
            CompletableFuture<RunResult> f = runner.start(new Fire(spec, SLOT, 1, 1, "pod-a"));
            try (java.net.Socket socket = server.accept()) {
                socket.setSoTimeout(10_000);
                var in = socket.getInputStream();
                byte[] buf = new byte[8192];
                int n = in.read(buf);
                String head = new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
                assertTrue(head.startsWith("POST /slow HTTP/1.1"), head);
                assertTrue(!f.isDone(), () -> "completed before cancel: " + f.join());
                f.cancel(true);
                // The server never answers; only the client closing its end ends this read.
                while (n >= 0) {
                    n = in.read(buf);
                }
            }
            assertTrue(f.isCancelled(), () -> "not cancelled: " + (f.isCompletedExceptionally() ? "failed" : f.join()));
        }
    }

    /**
     * A target that closes its connection after it has read a request and before answering (it crashed, a proxy reset
     * it, its idle timeout raced the fire) may have acted on it: the client cannot tell. So the request is not sent
     * again within the attempt, on any connection; the attempt fails, and the job's retry settings decide about a next
     * attempt. Here the second fire travels on the kept-alive connection of the first; the target reads all of it,
     * records it and closes; whatever arrives after that is answered.
     */
    @Test
    void a_post_the_target_read_before_closing_the_connection_is_delivered_once_and_fails() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try {
                    try (Socket first = server.accept()) {
                        received.add(delivery(RawHttp.read(first)));
                        RawHttp.answer(first, 200); // the connection stays open for the client's pool
                        received.add(delivery(RawHttp.read(first))); // the next fire, read in full ... and no answer
                    }
                    while (true) {
                        try (Socket next = server.accept()) {
                            received.add(delivery(RawHttp.read(next)));
                            RawHttp.answer(next, 200);
                        }
                    }
                } catch (IOException closedByTheTest) {
                    // done
                }
            }, "reading-then-closing-target");
            t.setDaemon(true);
            t.start();
            String url = "http://127.0.0.1:" + server.getLocalPort() + "/hooks";
            JobSpec spec = Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\nhttp:\n  url: " + url + "\n  body: '{\"a\":1}'\n");
            assertEquals(new RunResult.Succeeded("HTTP 200"), runner.start(new Fire(spec, SLOT, 1, 42, "pod-a")).get(10, TimeUnit.SECONDS));
            Instant next = SLOT.plusSeconds(60);
            RunResult second = runner.start(new Fire(spec, next, 1, 42, "pod-a")).get(10, TimeUnit.SECONDS);
            // The client decides to send again (or not) before it reports the outcome: nothing can follow now.
            server.close();
            t.join(5000);
            assertEquals(List.of(Fire.idempotencyKey("billing/nightly", SLOT) + " attempt 1 {\"a\":1}",
                    Fire.idempotencyKey("billing/nightly", next) + " attempt 1 {\"a\":1}"), received);
            assertEquals(new RunResult.Failed("POST " + url + " failed: IOException: HTTP/1.1 header parser received no bytes;"
                    + " the target may have received it"), second);
        }
    }

    /**
     * The hand-off (the request has left this process) comes once the request's head has been written to the
     * connection, before any answer: here the target holds its answer. A GET has no content and gives no such sign:
     * it is handed off when the target answers.
     */
    @Test
    void the_attempt_is_handed_off_once_its_head_is_written_and_a_get_once_it_is_answered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        target.reply(r -> new Reply(200, "", release));
        try {
            for (String body : List.of("", "  body: '{\"a\":1}'\n")) {
                Fire post = new Fire(job(body), SLOT, 1, 42, "pod-a");
                CompletableFuture<RunResult> result = runner.start(post);
                post.handOff().pending().get(5, TimeUnit.SECONDS);
                assertEquals(body.isEmpty() ? "" : "{\"a\":1}", target.take().body());
                assertTrue(!result.isDone(), "handed off before any answer");
            }
            Fire get = new Fire(job("  method: GET\n"), SLOT.plusSeconds(60), 1, 42, "pod-a");
            CompletableFuture<RunResult> answered = runner.start(get);
            assertEquals("GET", target.take().method());
            assertTrue(!get.handOff().pending().isDone(), "the GET has arrived, but nothing said so before the answer");
            release.countDown();
            assertEquals(new RunResult.Succeeded("HTTP 200"), answered.get(5, TimeUnit.SECONDS));
            assertTrue(get.handOff().pending().isDone(), "handed off by the answer");
        } finally {
            release.countDown();
        }
    }

    /**
     * A request is not handed off while it cannot have left: here no connection to the target can be made for a
     * while (its accept queue is full, as when it accepts late), far longer than the client takes to send a head.
     * Once the target accepts, the head arrives and the hand-off follows, before any answer.
     */
    @Test
    void a_request_is_not_handed_off_before_a_connection_to_the_target_exists() throws Exception {
        for (String body : List.of("", "  body: '{\"a\":1}'\n")) {
            try (FullBacklog late = new FullBacklog()) {
                JobSpec spec = Jobs.spec("billing/nightly", "schedule: \"@every 1m\"\nhttp:\n  url: http://127.0.0.1:"
                        + late.port() + "/hooks\n" + body);
                Fire fire = new Fire(spec, SLOT, 1, 42, "pod-a");
                CompletableFuture<RunResult> result = runner.start(fire);
                CompletableFuture<Void> handOff = fire.handOff().pending();
                assertThrows(TimeoutException.class, () -> handOff.get(700, TimeUnit.MILLISECONDS),
                        "handed off while no connection could be made");
                try (Socket accepted = late.acceptAfterDraining()) {
                    RawHttp.Request request = RawHttp.read(accepted);
                    assertEquals("POST /hooks HTTP/1.1", request.line());
                    handOff.get(5, TimeUnit.SECONDS);
                    assertTrue(!result.isDone(), "handed off by the head, not by an answer");
                    RawHttp.answer(accepted, 204);
                    assertEquals(new RunResult.Succeeded("HTTP 204"), result.get(5, TimeUnit.SECONDS));
                }
            }
        }
    }

    private static String delivery(RawHttp.Request r) {
        return r.header("Idempotency-Key") + " attempt " + r.header("Leasecron-Attempt") + " " + r.body();
    }
}
