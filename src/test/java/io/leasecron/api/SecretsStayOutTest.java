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
import io.leasecron.observe.KubernetesEvents;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.MockApiServer;
import io.leasecron.testing.RecordingListener;
import io.leasecron.testing.RecordingTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
 * target echoes the credential back in an error body and the program prints it. Likewise a credential written into a
 * job's URL: a query value under a credential-like name reaches the target and is masked everywhere else, also in
 * the Kubernetes Events made of a failure, and a URL with user-info is refused without its password being repeated.
 */
class SecretsStayOutTest {
    static final String SECRET = "tok-7f3a9c1e-not-for-logs";
    static final String QUERY_KEY = "qk-51d0e2-not-for-logs";
    static final String PASSWORD = "pw-93ac47-not-for-logs";

    @TempDir
    Path jobs;

    @Test
    void a_secret_value_or_a_credential_in_a_url_never_reaches_logs_rest_or_events() throws Exception {
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
        try (RecordingTarget target = new RecordingTarget(); MockApiServer api = new MockApiServer();
                KubernetesClient kube = api.client("test")) {
            target.reply(r -> new RecordingTarget.Reply(401, r.query() != null ? "refused " + r.path() + "?" + r.query()
                    : "invalid token " + r.header("Authorization"), null));
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
                      keyed: |
                        schedule: "@every 10s"
                        http: {url: "%s"}
                      unreachable: |
                        schedule: "@every 10s"
                        http: {url: "http://127.0.0.1:1/hook?token=%s"}
                      userinfo: |
                        schedule: "@every 10s"
                        http: {url: "https://deploy:%s@billing.example/hooks"}
                    """.formatted(SECRET, target.url("/hook"), target.url("/keyed?api_key=" + QUERY_KEY + "&x=1"), QUERY_KEY,
                    PASSWORD));
            FakeClock clock = FakeClock.at("2026-12-01T10:00:05Z");
            Replica.Runners runners = (secrets, client, ns) -> new ActionRunners(new HttpActionRunner(dispatch, "leasecron/test", secrets),
                    new ShellActionRunner(secrets), null);
            Replica replica = Replica.local(new Replica.Parts("pod-a", clock, EngineSettings.DEFAULTS, 20, new SimpleMeterRegistry(),
                    runners, dispatch, new JobSpecParser.Options(true)), jobs);
            RecordingListener events = new RecordingListener();
            replica.engine().addListener(events);
            // The leader's Kubernetes Events, on a mock API server: an invalid spec and a first failure are reported.
            KubernetesEvents kubernetesEvents = new KubernetesEvents(kube, "test", "pod-a", clock, () -> true, id -> Optional.empty());
            replica.engine().addListener(kubernetesEvents);
            replica.catalogue().onRejection(kubernetesEvents::rejected);
            replica.start(false);
            clock.advance(Duration.ofSeconds(5));
            replica.step();
            awaitOutcomes(events, 4);

            List<RecordingTarget.Request> requests = List.of(target.take(), target.take());
            RecordingTarget.Request request = requests.stream().filter(r -> r.path().equals("/hook")).findFirst().orElseThrow();
            assertEquals(SECRET, request.header("Authorization"), "the request carried the value");
            RecordingTarget.Request keyed = requests.stream().filter(r -> r.path().equals("/keyed")).findFirst().orElseThrow();
            assertEquals("api_key=" + QUERY_KEY + "&x=1", keyed.query(), "the target got the URL as written");
            kubernetesEvents.flush(5000);
            List<String> eventMessages = kube.v1().events().inNamespace("test").list().getItems().stream()
                    .map(e -> e.getReason() + ": " + e.getMessage()).sorted().toList();
            String everything = String.join("\n", logged) + "\n" + events.all() + "\n" + String.join("\n", eventMessages);
            ObjectMapper json = new ObjectMapper().findAndRegisterModules();
            for (String name : List.of("call", "print", "keyed", "unreachable", "userinfo")) {
                var entry = replica.catalogue().entry(new JobId("billing", name)).orElseThrow();
                everything += "\n" + json.writeValueAsString(JobViews.detail(entry, replica.engine(), replica.history(), 3, clock.now(), java.util.Optional.empty()));
            }
            assertTrue(logged.stream().anyMatch(l -> l.contains("invalid token <redacted>")), "the log was captured: " + logged);
            assertFalse(everything.contains(SECRET), "the value leaked:\n" + everything);
            assertFalse(everything.contains(QUERY_KEY), "the query credential leaked:\n" + everything);
            assertFalse(everything.contains(PASSWORD), "the URL's password leaked:\n" + everything);
            String userInfo = "billing/userinfo: http.url \"https://***@billing.example/hooks\" has credentials before the host"
                    + " (user-info, masked here as ***); remove them from the URL and send them in a header from a Secret, e.g."
                    + " headers: {Authorization: {valueFrom: {secretKeyRef: {name: my-secret, key: authorization}}}} with the"
                    + " Secret's value \"Basic <base64 of user:password>\"";
            assertTrue(eventMessages.contains("InvalidJobSpec: " + userInfo + " (the job is not scheduled)"), eventMessages.toString());
            assertTrue(logged.stream().anyMatch(l -> l.contains(userInfo)), "the rejection was logged: " + logged);
            String refused = "HTTP 401, expected 2xx: refused /keyed?api_key=***&x=1";
            assertTrue(eventMessages.stream().anyMatch(m -> m.startsWith("JobFailing: ") && m.endsWith(refused)), eventMessages.toString());
            String unreachable = "POST http://127.0.0.1:1/hook?token=*** failed: ConnectException";
            assertTrue(eventMessages.stream().anyMatch(m -> m.startsWith("JobFailing: ") && m.contains(unreachable)), eventMessages.toString());
            assertTrue(logged.stream().anyMatch(l -> l.contains(unreachable)), "the failure was logged: " + logged);
            assertTrue(everything.contains("\"url\":\"" + target.url("/keyed?api_key=***&x=1") + "\""), "the view shows the URL masked");
            assertTrue(everything.contains("invalid token <redacted>"), everything);
            assertTrue(everything.contains("using <redacted>"), everything);
            assertTrue(everything.contains("\"secretKeyRef\":{\"name\":\"billing-token\",\"key\":\"bearer\"}")
                    || everything.contains("\"secretKeyRef\":{\"key\":\"bearer\",\"name\":\"billing-token\"}"), "the view shows the reference");
            kubernetesEvents.close();
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
