package io.leasecron.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void substitutes_grafana_variables_in_both_spellings_and_refuses_a_missing_one() {
        assertEquals("rate(x{namespace=~\"jobs\"}[10s])",
                PromQl.substitute("rate(x{namespace=~\"$namespace\"}[${__rate_interval}])",
                        Map.of("namespace", "jobs", "__rate_interval", "10s")));
        assertEquals("x{job_id=~\".*\"}", PromQl.substitute("x{job_id=~\"${job_id:regex}\"}", Map.of("job_id", ".*")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromQl.substitute("x[$__interval]", Map.of()));
        assertEquals("no value for $__interval in x[$__interval]", e.getMessage());
    }

    @Test
    void finds_the_metric_names_an_expression_reads_and_nothing_else() {
        assertEquals(Set.of("leasecron_fire_lateness_seconds", "leasecron_fires_total"), PromQl.metricNames(
                "histogram_quantile(0.99, sum by (job_id, le) (rate(leasecron_fire_lateness_seconds_bucket"
                        + "{job_id=~\"a|b\", le!=\"x\"}[5m])))"
                        + " / on (job_id) group_left sum by (job_id) (leasecron_fires_total offset 1h) and bool time() > 1e3"));
        assertEquals(Set.of("up"), PromQl.metricNames("up{namespace=\"leasecron_fake\"} == 0"));
    }

    @Test
    void splits_an_alert_into_the_operands_of_its_comparisons_and_set_operators() {
        assertEquals(List.of("sum by (ns, job_id) (increase(a{o=\"failed\"}[30m]))",
                "sum by (ns, job_id) (increase(a{o=\"ok\"}[30m]))"),
                PromQl.operands("sum by (ns, job_id) (increase(a{o=\"failed\"}[30m])) > 0\nunless on (ns, job_id)\n"
                        + "sum by (ns, job_id) (increase(a{o=\"ok\"}[30m])) > 0\n"));
        assertEquals(List.of("time() - max by (job_id) (p)"), PromQl.operands("time() - max by (job_id) (p) > 600"));
        assertEquals(List.of("x", "y{a!=\"b\"}"), PromQl.operands("(x == bool 1) or absent(y{a!=\"b\"})"));
        assertEquals(List.of("histogram_quantile(0.99, sum by (le) (rate(h[5m])))"),
                PromQl.operands("histogram_quantile(0.99, sum by (le) (rate(h[5m]))) > 1"));
    }
}
