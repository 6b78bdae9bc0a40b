package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.leasecron.job.JobSpec;
import io.leasecron.testing.Jobs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Which answers of the dry run make a job invalid: only the API server's verdict on the template (400, 422); any other
 * failure leaves the job valid. An API server played by a plain HTTP server that answers every request with one status
 * (the real server's verdicts are in {@code KubernetesJobPolicyRealApiTest}).
 */
class KubernetesJobDryRunTest {
    static final JobSpec JOB = Jobs.spec("reports/nightly", "schedule: \"0 3 * * *\"\nkubernetesJob:\n  template:\n    spec:\n"
            + "      template:\n        spec:\n          containers: [{name: main, image: busybox}]\n");
    final List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server;
    KubernetesClient client;

    void answer(int code, String message) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            byte[] body = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + message
                    + "\",\"code\":" + code + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                .withNamespace("jobs").withRequestRetryBackoffLimit(0).withRequestTimeout(5000).build()).build();
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void a_verdict_on_the_template_makes_the_job_invalid_and_the_request_is_a_strict_dry_run() throws IOException {
        answer(422, "Job.batch \\\"x\\\" is invalid: spec.template.spec.containers[0].image: Required value");
        assertEquals(List.of("kubernetesJob.template: the API server refuses the Job it would create (dry run in namespace jobs):"
                + " Job.batch \"x\" is invalid: spec.template.spec.containers[0].image: Required value"),
                new KubernetesJobDryRun(client, "jobs").problems(JOB));
        assertEquals(List.of("POST /apis/batch/v1/namespaces/jobs/jobs?fieldValidation=Strict&dryRun=All"), requests);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {403, 404, 409, 429, 500, 503})
    void any_other_failure_leaves_the_job_valid(int code) throws IOException {
        answer(code, "not about the template");
        assertEquals(List.of(), new KubernetesJobDryRun(client, "jobs").problems(JOB));
        assertEquals(1, requests.size());
    }

    @Test
    void no_answer_leaves_the_job_valid() throws IOException {
        answer(200, "");
        server.stop(0);
        assertEquals(List.of(), new KubernetesJobDryRun(client, "jobs").problems(JOB));
    }

    @Test
    void specs_of_other_actions_are_not_sent() throws IOException {
        answer(422, "never asked");
        assertEquals(List.of(), new KubernetesJobDryRun(client, "jobs").problems(Jobs.spec("reports/ping",
                "schedule: \"0 3 * * *\"\nhttp: {url: http://127.0.0.1:9/x}\n")));
        assertEquals(List.of(), requests);
    }
}
