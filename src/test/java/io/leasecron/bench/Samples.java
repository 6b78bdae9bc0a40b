package io.leasecron.bench;

import java.util.Arrays;
import java.util.Locale;

/** Latencies in microseconds, recorded from many threads; percentiles by sorting (a few hundred thousand at most). */
final class Samples {
    private long[] values = new long[1 << 16];
    private int size;

    synchronized void add(long micros) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = micros;
    }

    synchronized int count() {
        return size;
    }

    synchronized void clear() {
        size = 0;
    }

    synchronized long percentile(double p) {
        if (size == 0) {
            return -1;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * size) - 1;
        return sorted[Math.max(0, Math.min(size - 1, index))];
    }

    synchronized long max() {
        long m = Long.MIN_VALUE;
        for (int i = 0; i < size; i++) {
            m = Math.max(m, values[i]);
        }
        return size == 0 ? -1 : m;
    }

    /** "p50 0.21 ms, p99 1.02 ms, max 3.40 ms (20000 fires)". */
    String summary() {
        return String.format(Locale.ROOT, "p50 %s, p99 %s, max %s (%d fires)", ms(percentile(50)), ms(percentile(99)),
                ms(max()), count());
    }

    static String ms(long micros) {
        return String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }
}
