package io.leasecron.bench;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * leasecron's engine beside Quartz, one after the other in the same JVM: {@code ./mvnw -Pbench verify} (see
 * docs/benchmarks.md). Prints figures, asserts nothing.
 */
class SchedulerBenchmark {

    /** {@code -Dbench.peers=leasecron,quartz,quarkus} picks the peers; {@code -Dbench.scenarios=} picks scenarios. */
    @Test
    void fire_lateness_bursts_and_heap_per_job() throws Exception {
        String peers = System.getProperty("bench.peers", "leasecron,quartz,quarkus");
        List<String> lines = new ArrayList<>();
        if (!Scenarios.anyInProcess()) {
            return;
        }
        for (String name : peers.split(",")) {
            if (name.equals("leasecron") || name.equals("quartz")) {
                try (Peer peer = name.equals("quartz") ? new QuartzPeer() : new LeasecronPeer()) {
                    Scenarios.runAll(peer, lines);
                }
            }
        }
        if (lines.isEmpty()) {
            return;
        }
        Scenarios.report("engine-and-quartz.txt", lines);
    }
}
