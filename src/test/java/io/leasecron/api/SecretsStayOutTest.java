package io.leasecron.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.leasecron.Replica;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.execution.ActionRunners;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.execution.ShellActionRunner;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpecParser;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.RecordingListener;
import io.leasecron.testing.RecordingTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Secret's value reaches the request and the process that need it and nothing else: not the log, not the REST
 * views, not the engine's events (from which run history, metrics and Kubernetes Events are made) — even when the
 * target echoes the credential back in an error body and the program prints it.
 */
class SecretsStayOutTest {
    static final String SECRET = "tok-7f3a9c1e-not-for-logs";

    @TempDir
    Path jobs;

    @Test
    void a_secret_value_never_reaches_logs_rest_or_events() throws Exception {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(String.valueOf(r.getMessage()) + " " + java.util.Arrays.toString(r.getParameters())
                        + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        ExecutorService dispatch = Executors.newFixedThreadPool(2);
        try (RecordingTarget target = new RecordingTarget()) {
            target.reply(r -> new RecordingTarget.Reply(401, "invalid token " + r.header("Authorization"), null));
            Files.writeString(jobs.resolve("jobs.yaml"), """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: billing-token}
                    stringData: {bearer: "%s"}
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: billing
                      labels: {leasecron.io/jobs: "true"}
                    data:
                      call: |
                        schedule: "@every 10s"
                        http:
                          url: %s
                          headers: {Authorization: {valueFrom: {secretKeyRef: {name: billing-token, key: bearer}}}}
                      print: |
                        schedule: "@every 10s"
                        shell:
                          command: [/bin/sh, -c, 'echo "using $TOKEN"; exit 1']
                          env: {TOKEN: {valueFrom: {secretKeyRef: {name: billing-token, key: bearer}}}}
                    """.formatted(SECRET, target.url("/hook")));
            FakeClock clock = FakeClock.at("2026-12-01T10:00:05Z");
            Replica.Runners runners = (secrets, client, ns) -> new ActionRunners(new HttpActionRunner(dispatch, "leasecron/test", secrets),
                    new ShellActionRunner(secrets), null);
            Replica replica = Replica.local(new Replica.Parts("pod-a", clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(),
                    runners, dispatch, new JobSpecParser.Options(true)), jobs);
            RecordingListener events = new RecordingListener();
            replica.engine().addListener(events);
            replica.start(false);
            clock.advance(Duration.ofSeconds(5));
            replica.step();
            awaitOutcomes(events, 2);

            RecordingTarget.Request request = target.take();
            assertEquals(SECRET, request.header("Authorization"), "the request carried the value");
            String everything = String.join("\n", logged) + "\n" + events.all();
            ObjectMapper json = new ObjectMapper().findAndRegisterModules();
            for (String name : List.of("call", "print")) {
                var entry = replica.catalogue().entry(new JobId("billing", name)).orElseThrow();
                everything += "\n" + json.writeValueAsString(JobViews.detail(entry, replica.engine(), replica.history(), 3, clock.now()));
            }
            assertTrue(logged.stream().anyMatch(l -> l.contains("invalid token <redacted>")), "the log was captured: " + logged);
            assertFalse(everything.contains(SECRET), "the value leaked:\n" + everything);
            assertTrue(everything.contains("invalid token <redacted>"), everything);
            assertTrue(everything.contains("using <redacted>"), everything);
            assertTrue(everything.contains("\"secretKeyRef\":{\"name\":\"billing-token\",\"key\":\"bearer\"}")
                    || everything.contains("\"secretKeyRef\":{\"key\":\"bearer\",\"name\":\"billing-token\"}"), "the view shows the reference");
            replica.close();
        } finally {
            root.removeHandler(capture);
            dispatch.shutdownNow();
        }
    }

    static void awaitOutcomes(RecordingListener events, int n) {
        io.leasecron.testing.Await.until(() -> events.of(ExecutionEvent.FailedExecution.class).size()
                + events.of(ExecutionEvent.SucceededExecution.class).size() >= n, n + " outcomes arrived");
    }
}
