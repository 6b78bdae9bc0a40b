package io.leasecron.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The three measurements of docs/benchmarks.md, the same for every peer. They run in real time on the system
 * clock: this is a benchmark, not a test, and asserts nothing.
 */
final class Scenarios {
    static final Duration WARMUP = Duration.ofSeconds(Long.getLong("bench.warmup.seconds", 65));
    static final Duration MEASURE = Duration.ofSeconds(Long.getLong("bench.measure.seconds", 90));
    static final Path RESULTS = Path.of("target", "benchmarks");

    private Scenarios() {
    }

    /** {@code -Dbench.scenarios}: any of heap,burst,lateness,startup (default: all). */
    static boolean selected(String scenario) {
        return List.of(System.getProperty("bench.scenarios", "heap,burst,lateness,startup").split(",")).contains(scenario);
    }

    /** Whether any scenario that runs the schedulers in this JVM (heap, burst, lateness) is selected. */
    static boolean anyInProcess() {
        return selected("heap") || selected("burst") || selected("lateness");
    }

    /** The in-process scenarios named in {@code -Dbench.scenarios}, in the order heap, burst, lateness. */
    static void runAll(Peer peer, List<String> lines) throws Exception {
        if (selected("heap")) {
            lines.add(heap(peer, 100_000));
        }
        if (selected("burst")) {
            lines.add(burst(peer, 1_000, 5));
            lines.add(burst(peer, 10_000, 5));
        }
        if (selected("lateness")) {
            lines.add(lateness(peer, 10_000));
        }
    }

    /**
     * (a) 10,000 jobs, each once a minute at spread seconds: lateness of every start after a warm-up of more than
     * a minute, so that every job has fired once (first fires load classes and compile code in every peer).
     */
    static String lateness(Peer peer, int jobs) throws Exception {
        Samples samples = new Samples();
        peer.everyMinuteAtSpreadSeconds(jobs, samples);
        sleep(WARMUP);
        samples.clear();
        sleep(MEASURE);
        String line = peer.name() + ": " + jobs + " jobs once a minute, " + MEASURE.toSeconds() + " s: lateness " + samples.summary();
        peer.clear();
        return line;
    }

    /**
     * (b) {@code count} one-time slots due at the same instant: time from that instant until the last has started.
     * One round to warm up, not counted, then {@code rounds} rounds.
     */
    static String burst(Peer peer, int count, int rounds) throws Exception {
        List<Long> lastStarts = new ArrayList<>();
        for (int r = -1; r < rounds; r++) {
            Samples samples = new Samples();
            Instant at = Instant.now().plusSeconds(3).truncatedTo(ChronoUnit.SECONDS);
            peer.burstAt(count, at, samples);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (samples.count() < count && System.nanoTime() < deadline) {
                sleep(Duration.ofMillis(50));
            }
            if (r >= 0) {
                lastStarts.add(samples.count() < count ? Long.MAX_VALUE : samples.max());
            }
            peer.clear();
        }
        lastStarts.sort(null);
        StringBuilder b = new StringBuilder();
        for (long l : lastStarts) {
            b.append(b.length() == 0 ? "" : ", ").append(l == Long.MAX_VALUE ? "incomplete after 30 s" : Samples.ms(l));
        }
        long median = lastStarts.get(lastStarts.size() / 2);
        return peer.name() + ": burst of " + count + ": last start after median " + (median == Long.MAX_VALUE ? "n/a" : Samples.ms(median))
                + " (rounds, sorted: " + b + ")";
    }

    /** (c) heap per registered job, after full garbage collections, with {@code count} jobs. */
    static String heap(Peer peer, int count) throws Exception {
        long before = usedHeapAfterGc();
        peer.registerOnly(count);
        long after = usedHeapAfterGc();
        String line = String.format(Locale.ROOT, "%s: %d registered jobs: %.0f bytes of heap per job", peer.name(), count,
                (after - before) / (double) count);
        peer.clear();
        return line;
    }

    static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    static void report(String file, List<String> lines) throws IOException {
        Files.createDirectories(RESULTS);
        Files.write(RESULTS.resolve(file), lines);
        System.out.println();
        System.out.println("==== " + file + " (" + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ")");
        lines.forEach(l -> System.out.println("  " + l));
        System.out.println();
    }

    static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }
}
