package io.leasecron.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules (dashboards/leasecron-alerts.yaml) with the real promtool: they load, and their unit tests
 * (dashboards/tests/leasecron-alerts.test.yaml) pass and show every alert both firing and not firing. Also what an
 * on-call person needs of each alert: a {@code for}, a severity, a summary and description naming what is wrong,
 * and a runbook section in docs/alerts.md. (helm/MonitoringFilesTest checks that the chart ships the same file.)
 */
class AlertRulesTest {
    private static final Set<String> SEVERITIES = Set.of("critical", "warning");

    @Test
    void promtool_accepts_the_rules_file() {
        PrometheusTools.Result r = PrometheusTools.promtool(Duration.ofMinutes(1), "check", "rules",
                MonitoringFiles.RULES.toString());
        assertEquals(0, r.exit(), r.output());
        int alerts = MonitoringFiles.alerts(MonitoringFiles.rules()).size();
        assertTrue(r.output().contains("SUCCESS: " + alerts + " rules found"), r.output());
    }

    @Test
    void promtool_rule_unit_tests_pass() {
        PrometheusTools.Result r = PrometheusTools.promtool(Duration.ofMinutes(1), "test", "rules",
                MonitoringFiles.RULE_TESTS.toString());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void the_unit_tests_show_every_alert_firing_and_not_firing() {
        Map<String, Integer> firing = new TreeMap<>();
        Map<String, Integer> silent = new TreeMap<>();
        for (JsonNode test : MonitoringFiles.ruleTests().path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                String alert = check.path("alertname").asText();
                (check.path("exp_alerts").isEmpty() ? silent : firing).merge(alert, 1, Integer::sum);
            }
        }
        Set<String> alerts = new TreeSet<>(MonitoringFiles.alerts(MonitoringFiles.rules()).stream()
                .map(MonitoringFiles.Alert::name).toList());
        assertEquals(alerts, firing.keySet(), "alerts shown firing");
        assertEquals(alerts, silent.keySet(), "alerts shown not firing");
    }

    @Test
    void every_alert_has_a_for_a_severity_annotations_naming_what_is_wrong_and_a_runbook_section() throws IOException {
        String runbooks = Files.readString(MonitoringFiles.ALERTS_DOC);
        List<String> problems = new ArrayList<>();
        for (MonitoringFiles.Alert a : MonitoringFiles.alerts(MonitoringFiles.rules())) {
            if (a.forDuration() == null || !a.forDuration().matches("[0-9]+[smh]")) {
                problems.add(a.name() + ": no for:");
            }
            if (!SEVERITIES.contains(a.labels().get("severity"))) {
                problems.add(a.name() + ": severity must be one of " + SEVERITIES + ", is " + a.labels().get("severity"));
            }
            String summary = a.annotations().getOrDefault("summary", "");
            String description = a.annotations().getOrDefault("description", "");
            // The alert's grouping labels name what is wrong: the job, else the namespace (and the pod).
            for (String label : List.of("job_id", "namespace", "pod")) {
                if (a.expr().contains("by (namespace, " + label) || a.expr().contains("by (" + label)) {
                    if (!(summary + description).contains("{{ $labels." + label + " }}")) {
                        problems.add(a.name() + ": its annotations do not name the " + label);
                    }
                }
            }
            if (a.expr().contains("job_id") && !summary.contains("{{ $labels.job_id }}")) {
                problems.add(a.name() + ": a per-job alert's summary must name the job");
            }
            String anchor = a.name().toLowerCase(java.util.Locale.ROOT);
            if (!description.endsWith("Runbook: docs/alerts.md#" + anchor)) {
                problems.add(a.name() + ": the description must end with Runbook: docs/alerts.md#" + anchor);
            }
            if (!runbooks.contains("\n## " + a.name() + "\n")) {
                problems.add(a.name() + ": no section ## " + a.name() + " in " + MonitoringFiles.ALERTS_DOC);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void the_rules_read_only_documented_metrics() {
        Set<String> documented = MonitoringFiles.documentedMetrics().keySet();
        Map<String, Set<String>> undocumented = new TreeMap<>();
        for (MonitoringFiles.Alert a : MonitoringFiles.alerts(MonitoringFiles.rules())) {
            Set<String> names = new TreeSet<>(PromQl.metricNames(a.expr()));
            names.removeAll(documented);
            if (!names.isEmpty()) {
                undocumented.put(a.name(), names);
            }
        }
        assertEquals(Map.of(), undocumented, "metrics not in " + MonitoringFiles.METRICS_DOC);
    }
}
