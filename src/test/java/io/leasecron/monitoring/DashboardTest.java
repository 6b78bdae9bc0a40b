package io.leasecron.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Grafana dashboard (dashboards/leasecron.json) as Grafana 10/11 loads it: its variables, its panels'
 * data source and layout, and its queries: only documented metrics, every one of them shown, every selector
 * filtered by the dashboard's namespace and job. Whether the queries return data from running replicas is
 * {@link PrometheusIT}'s part.
 */
class DashboardTest {
    private static final Pattern SELECTOR = Pattern.compile("(leasecron_[a-z_]+)(\\{[^}]*})?");
    private final JsonNode dashboard = MonitoringFiles.dashboard();

    @Test
    void is_a_grafana_10_or_11_dashboard_with_a_fixed_uid() {
        int schema = dashboard.path("schemaVersion").asInt();
        assertTrue(schema >= 37 && schema <= 41, "schemaVersion " + schema + " is not one of Grafana 10 or 11 (37-41)");
        assertEquals("leasecron", dashboard.path("uid").asText());
        assertTrue(dashboard.path("id").isMissingNode() || dashboard.path("id").isNull(), "an id would clash when imported");
    }

    @Test
    void has_a_prometheus_data_source_variable_and_namespace_and_job_variables_from_label_values() {
        List<MonitoringFiles.Variable> vars = MonitoringFiles.variables(dashboard);
        assertEquals(List.of("datasource", "namespace", "job_id"), vars.stream().map(MonitoringFiles.Variable::name).toList());
        assertEquals(new MonitoringFiles.Variable("datasource", "datasource", "prometheus"), vars.get(0));
        assertEquals("query", vars.get(1).type());
        assertTrue(vars.get(1).query().matches("label_values\\(leasecron_[a-z_]+, namespace\\)"), vars.get(1).query());
        assertEquals("query", vars.get(2).type());
        assertTrue(vars.get(2).query().matches("label_values\\(leasecron_[a-z_]+\\{namespace=~\"\\$namespace\"}, job_id\\)"),
                vars.get(2).query());
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                assertEquals("${datasource}", v.path("datasource").path("uid").asText(), v.path("name").asText());
            }
        }
        JsonNode job = dashboard.path("templating").path("list").path(2);
        assertTrue(job.path("multi").asBoolean() && job.path("includeAll").asBoolean(), "job_id: several jobs, or all");
        assertEquals(".*", job.path("allValue").asText(), "job_id: All must also match jobs not yet listed");
    }

    @Test
    void every_panel_queries_the_selected_data_source_and_fits_the_grid() {
        List<String> problems = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode p : MonitoringFiles.panels(dashboard)) {
            String title = p.path("title").asText();
            if (!ids.add(p.path("id").asInt())) {
                problems.add(title + ": id " + p.path("id").asInt() + " used twice");
            }
            if (!titles.add(title)) {
                problems.add(title + ": title used twice");
            }
            JsonNode g = p.path("gridPos");
            int x = g.path("x").asInt();
            int y = g.path("y").asInt();
            int w = g.path("w").asInt();
            int h = g.path("h").asInt();
            if (w < 1 || h < 1 || x < 0 || x + w > 24) {
                problems.add(title + ": gridPos " + g + " is outside the 24 columns");
            }
            for (int[] b : boxes) {
                if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) {
                    problems.add(title + ": overlaps another panel at " + g);
                }
            }
            boxes.add(new int[] {x, y, w, h});
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            if (p.path("targets").isEmpty()) {
                problems.add(title + ": no query");
            }
            if (!p.path("description").isTextual()) {
                problems.add(title + ": no description");
            }
            for (JsonNode ds : List.of(p.path("datasource"), p.path("targets").path(0).path("datasource"))) {
                if (!ds.path("type").asText().equals("prometheus") || !ds.path("uid").asText().equals("${datasource}")) {
                    problems.add(title + ": data source " + ds + " is not the $datasource variable");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void shows_every_documented_leasecron_metric_and_no_other_metric() {
        Set<String> documented = MonitoringFiles.documentedMetrics().keySet();
        Set<String> used = new TreeSet<>();
        for (MonitoringFiles.Query q : MonitoringFiles.queries(dashboard)) {
            used.addAll(PromQl.metricNames(q.expr()));
        }
        Set<String> undocumented = new TreeSet<>(used);
        undocumented.removeAll(documented);
        assertEquals(Set.of(), undocumented, "metrics not in " + MonitoringFiles.METRICS_DOC);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(used);
        assertEquals(Set.of(), missing, "documented metrics the dashboard does not show");
    }

    @Test
    void every_selector_is_filtered_by_the_namespace_and_per_job_metrics_by_the_job() {
        Map<String, Set<String>> labels = MonitoringFiles.documentedMetrics();
        List<String> problems = new ArrayList<>();
        for (MonitoringFiles.Query q : MonitoringFiles.queries(dashboard)) {
            Matcher m = SELECTOR.matcher(q.expr());
            while (m.find()) {
                String metric = m.group(1).replaceAll("_(bucket|count|sum)$", "");
                String matchers = m.group(2) == null ? "" : m.group(2);
                if (!matchers.contains("namespace=~\"$namespace\"")) {
                    problems.add(q.where() + ": " + m.group() + " is not filtered by namespace=~\"$namespace\"");
                }
                boolean perJob = labels.getOrDefault(metric, Set.of()).contains("job_id");
                if (perJob != matchers.contains("job_id=~\"$job_id\"")) {
                    problems.add(q.where() + ": " + m.group() + (perJob ? " is not filtered by job_id=~\"$job_id\""
                            : " has no job_id label to filter by"));
                }
            }
        }
        assertEquals(List.of(), problems);
    }
}
