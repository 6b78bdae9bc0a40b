package io.leasecron.observe;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The counts of one Prometheus histogram with fixed bucket bounds (seconds): raw per bucket while recording,
 * cumulative when written. Not thread-safe: its owner guards it.
 */
final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private long nanos;
    private long count;

    Histogram(double[] bounds) {
        this.bounds = bounds;
        this.counts = new long[bounds.length + 1];
    }

    void record(Duration d) {
        double seconds = d.toNanos() / 1e9;
        int i = 0;
        while (i < bounds.length && seconds > bounds[i]) {
            i++;
        }
        counts[i]++;
        nanos += d.toNanos();
        count++;
    }

    long count() {
        return count;
    }

    /** Appends the {@code _bucket}, {@code _count} and {@code _sum} samples of {@code name} with these labels. */
    void writeTo(List<Sample> out, String name, List<String> labels, List<String> values) {
        List<String> bucketLabels = new ArrayList<>(labels);
        bucketLabels.add("le");
        long cumulative = 0;
        for (int i = 0; i <= bounds.length; i++) {
            cumulative += counts[i];
            List<String> v = new ArrayList<>(values);
            v.add(i < bounds.length ? Collector.doubleToGoString(bounds[i]) : "+Inf");
            out.add(new Sample(name + "_bucket", bucketLabels, v, cumulative));
        }
        out.add(new Sample(name + "_count", labels, values, count));
        out.add(new Sample(name + "_sum", labels, values, nanos / 1e9));
    }
}
