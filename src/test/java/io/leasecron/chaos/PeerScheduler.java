package io.leasecron.chaos;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A scheduler other than leasecron that {@link ChaosRun} can start as its replicas, for the peers benchmark: the
 * command of one replica, and the jobs it fires (ids and slots as the harness tracks them). The program gets the
 * replica's environment plus {@code PEERS_TARGET} (the recording target's URL) and {@code PEERS_JOBS} (one line per
 * job: its id and a six-field cron), and must answer {@code /q/health/ready} on {@code QUARKUS_MANAGEMENT_PORT}.
 */
record PeerScheduler(String name, List<String> command, List<ChaosJob> jobs) {

    /**
     * The chaos suite's standard jobs that a second-granular cron can express on the epoch's grid, as the peers get
     * them: {@code @every 1s} as {@code * * * * * *}. Judged the same way for leasecron in the benchmark.
     */
    static final List<ChaosJob> JOBS = List.of(
            new ChaosJob("every-second", "* * * * * *", 1, false, false),
            new ChaosJob("cron-every-second", "* * * * * *", 1, false, false),
            new ChaosJob("cron-two-seconds", "*/2 * * * * *", 2, false, false));

    String jobsSpec() {
        return jobs.stream().map(j -> ChaosRun.JOBS + "/" + j.key() + " " + j.schedule()).collect(Collectors.joining("\n"));
    }
}
