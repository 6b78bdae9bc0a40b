package io.leasecron.helm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart ships the dashboard and the alert rules of dashboards/ byte for byte (a Helm chart can only package
 * files inside its own folder, so it keeps copies): whoever changes one changes both, or this fails.
 */
class MonitoringFilesTest {
    @Test
    void the_charts_dashboard_and_alert_rules_are_the_files_of_dashboards() throws Exception {
        Path root = Helm.root();
        assertIdentical(root, "dashboards/leasecron.json", "helm/leasecron/files/dashboard.json");
        assertIdentical(root, "dashboards/leasecron-alerts.yaml", "helm/leasecron/files/alerts.yaml");

        JsonNode dashboard = new ObjectMapper().readTree(root.resolve("dashboards/leasecron.json").toFile());
        assertTrue(dashboard.at("/panels").size() > 0, "a Grafana dashboard with panels");
        JsonNode rules = new YAMLMapper().readTree(root.resolve("dashboards/leasecron-alerts.yaml").toFile());
        List<String> keys = new java.util.ArrayList<>();
        rules.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("groups"), keys,
                "a Prometheus rules file: the chart puts its groups into a PrometheusRule's spec");
        assertTrue(rules.at("/groups").size() > 0, "the rules file has groups");
    }

    static void assertIdentical(Path root, String original, String copy) throws Exception {
        assertArrayEquals(Files.readAllBytes(root.resolve(original)), Files.readAllBytes(root.resolve(copy)),
                copy + " differs from " + original + ": copy it (cp " + original + " " + copy + ")");
    }
}
