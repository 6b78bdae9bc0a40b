package io.leasecron.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shipped dashboard and alert rules read the way Grafana and Prometheus read them, reduced to what the tests
 * check: every PromQL expression with the place it comes from, the template variables, and each alert's fields.
 */
final class MonitoringFiles {
    static final Path DASHBOARD = Path.of("dashboards/leasecron.json");
    static final Path RULES = Path.of("dashboards/leasecron-alerts.yaml");
    static final Path RULE_TESTS = Path.of("dashboards/tests/leasecron-alerts.test.yaml");
    static final Path METRICS_DOC = Path.of("docs/metrics.md");
    static final Path ALERTS_DOC = Path.of("docs/alerts.md");

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A catalogue row: | `name` | type | labels | ... */
    private static final Pattern CATALOGUE_ROW = Pattern.compile("^\\| `(leasecron_[a-z_]+)` \\| [a-z]+ \\|([^|]*)\\|");
    private static final ObjectMapper YAML = new YAMLMapper();

    /** One query of a panel: {@code where} names the panel and the target's refId. */
    record Query(String where, String panelType, String expr) {
    }

    /** A template variable: its name, type and, for a query variable, its query ({@code label_values(...)}). */
    record Variable(String name, String type, String query) {
    }

    /** One alerting rule as Prometheus loads it. */
    record Alert(String name, String expr, String forDuration, Map<String, String> labels, Map<String, String> annotations) {
    }

    private MonitoringFiles() {
    }

    /**
     * The metrics of the catalogue in docs/metrics.md, each with its labels: the rows of its tables whose first cell
     * is a {@code leasecron_} metric name.
     */
    static Map<String, Set<String>> documentedMetrics() {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(METRICS_DOC)) {
                Matcher m = CATALOGUE_ROW.matcher(line);
                if (m.find()) {
                    Set<String> labels = new TreeSet<>();
                    Matcher l = Pattern.compile("`([a-z_]+)`").matcher(m.group(2));
                    while (l.find()) {
                        labels.add(l.group(1));
                    }
                    out.put(m.group(1), labels);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + METRICS_DOC, e);
        }
        return out;
    }

    static JsonNode dashboard() {
        return read(JSON, DASHBOARD);
    }

    static JsonNode rules() {
        return read(YAML, RULES);
    }

    static JsonNode ruleTests() {
        return read(YAML, RULE_TESTS);
    }

    /** Every panel, those inside collapsed rows included, in the order of the file. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            out.add(panel);
            panel.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every target expression of every panel. */
    static List<Query> queries(JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                out.add(new Query("panel \"" + panel.path("title").asText() + "\" target " + target.path("refId").asText(),
                        panel.path("type").asText(), target.path("expr").asText()));
            }
        }
        return out;
    }

    static List<Variable> variables(JsonNode dashboard) {
        List<Variable> out = new ArrayList<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            JsonNode q = v.path("query");
            out.add(new Variable(v.path("name").asText(), v.path("type").asText(),
                    q.isObject() ? q.path("query").asText() : q.asText()));
        }
        return out;
    }

    static List<Alert> alerts(JsonNode rules) {
        List<Alert> out = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    out.add(new Alert(rule.path("alert").asText(), rule.path("expr").asText(), rule.path("for").asText(null),
                            strings(rule.path("labels")), strings(rule.path("annotations"))));
                }
            }
        }
        return out;
    }

    private static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        map.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
