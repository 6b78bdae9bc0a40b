package io.leasecron.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped dashboard and alert rules against a real Prometheus scraping two running replicas
 * ({@link MonitoredReplicas}): every query of every panel and every rule evaluates without error and returns data,
 * and the alerts the run provokes become pending or firing while the leadership alerts stay quiet. Runs after
 * {@code package}.
 */
class PrometheusIT {
    /**
     * What Grafana would put in for its own variables: {@code $__rate_interval} is at least four scrape intervals;
     * ten seconds of one-second scrapes hold several fires of every job.
     */
    static final Map<String, String> GRAFANA = Map.of("__rate_interval", "10s", "__interval", "1s",
            "namespace", MonitoredReplicas.NAMESPACE, "job_id", ".*", "datasource", "prometheus");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*([a-z_]+)\\)");
    /** Held so that its level stays set: the in-process mock API server logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
    private static MonitoredReplicas run;

    @BeforeAll
    static void runReplicas() throws Exception {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        long t0 = System.nanoTime();
        run = MonitoredReplicas.run(Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath(),
                Path.of("target/monitoring").toAbsolutePath());
        System.out.printf("monitoring run: %d s of data from 2 replicas (leader %s killed and restarted), set up in %d s%n",
                Duration.between(run.start, run.end).toSeconds(), run.killed,
                Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    }

    @AfterAll
    static void stop() {
        if (run != null) {
            run.close();
        }
    }

    @Test
    void every_panel_query_returns_data_over_the_run() {
        List<String> failures = new ArrayList<>();
        for (MonitoringFiles.Query q : MonitoringFiles.queries(MonitoringFiles.dashboard())) {
            String expr = PromQl.substitute(q.expr(), GRAFANA);
            try {
                JsonNode result = run.prometheus.queryRange(expr, run.start, run.end, Duration.ofSeconds(1)).path("result");
                if (result.isEmpty()) {
                    failures.add(q.where() + ": no series for " + expr);
                } else if (!hasFiniteValue(result)) {
                    failures.add(q.where() + ": only NaN or Inf for " + expr);
                }
            } catch (PrometheusServer.PromQlError e) {
                failures.add(q.where() + ": " + e.getMessage() + " for " + expr);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void every_template_variable_lists_the_values_of_the_run() {
        Map<String, Set<String>> expected = Map.of("namespace", Set.of(MonitoredReplicas.NAMESPACE),
                "job_id", Set.of(MonitoredReplicas.JOBS + "/ok", MonitoredReplicas.JOBS + "/failing",
                        MonitoredReplicas.JOBS + "/slow"));
        for (MonitoringFiles.Variable v : MonitoringFiles.variables(MonitoringFiles.dashboard())) {
            if (!v.type().equals("query")) {
                continue;
            }
            assertTrue(expected.containsKey(v.name()),
                    "variable " + v.name() + ": this test does not know what it should list");
            Matcher m = LABEL_VALUES.matcher(v.query());
            assertTrue(m.matches(), "variable " + v.name() + ": expected label_values(<series>, <label>), got " + v.query());
            String match = PromQl.substitute(m.group(1), GRAFANA);
            List<String> values = run.prometheus.labelValues(m.group(2), match, run.start, run.end);
            assertTrue(values.containsAll(expected.get(v.name())), "variable " + v.name() + " (" + v.query() + ") lists "
                    + values + ", not all of " + expected.get(v.name()));
        }
    }

    @Test
    void every_alert_expression_evaluates_and_each_operand_returns_data() {
        List<String> failures = new ArrayList<>();
        for (MonitoringFiles.Alert alert : MonitoringFiles.alerts(MonitoringFiles.rules())) {
            try {
                run.prometheus.query(alert.expr(), run.end);
            } catch (PrometheusServer.PromQlError e) {
                failures.add(alert.name() + ": " + e.getMessage());
                continue;
            }
            for (String operand : PromQl.operands(alert.expr())) {
                JsonNode result = run.prometheus.query(operand, run.end).path("result");
                if (result.isEmpty()) {
                    failures.add(alert.name() + ": no series for its operand " + operand);
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void prometheus_evaluates_every_loaded_rule_without_error() {
        List<String> seen = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (JsonNode group : run.prometheus.rules().path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                seen.add(rule.path("name").asText());
                if (!rule.path("health").asText().equals("ok")) {
                    failures.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " "
                            + rule.path("lastError").asText());
                }
            }
        }
        assertEquals(MonitoringFiles.alerts(MonitoringFiles.rules()).stream().map(MonitoringFiles.Alert::name).toList(), seen);
        assertEquals(List.of(), failures);
    }

    @Test
    void the_run_raises_the_alerts_of_what_went_wrong_in_it_and_no_other_leadership_alert() {
        JsonNode alerts = run.prometheus.query("ALERTS", run.end).path("result");
        Set<String> raised = new TreeSet<>();
        for (JsonNode a : alerts) {
            JsonNode labels = a.path("metric");
            raised.add(labels.path("alertname").asText() + (labels.has("job_id") ? " " + labels.path("job_id").asText() : ""));
        }
        System.out.println("alerts pending or firing at the end of the monitoring run: " + raised);
        String jobs = MonitoredReplicas.JOBS + "/";
        for (String expected : List.of("LeasecronJobFailing " + jobs + "failing", "LeasecronJobFailing " + jobs + "slow",
                "LeasecronInvalidJobSpec " + jobs + "broken", "LeasecronUncertainSlots " + jobs + "ok")) {
            assertTrue(raised.contains(expected), expected + " should be pending or firing; raised: " + raised);
        }
        assertTrue(raised.stream().noneMatch(a -> a.startsWith("LeasecronJobFailing " + jobs + "ok")), "raised: " + raised);
        assertTrue(raised.stream().noneMatch(a -> a.startsWith("LeasecronNoLeader")
                || a.startsWith("LeasecronMultipleLeaders")),
                "one replica leads at the end of the run; raised: " + raised);
    }

    private static boolean hasFiniteValue(JsonNode result) {
        for (JsonNode series : result) {
            for (JsonNode point : series.path("values")) {
                double v = Double.parseDouble(point.path(1).asText().replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
                if (Double.isFinite(v)) {
                    return true;
                }
            }
        }
        return false;
    }
}
