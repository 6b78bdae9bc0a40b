package io.leasecron.chaos;

import java.util.List;

/**
 * A job of the chaos scenarios. Every schedule here fires every {@code period} seconds on the Unix epoch's grid
 * ({@code @every} is aligned to the epoch; {@code * * * * * *} and {@code *&#47;2 * * * * *} in UTC are the same
 * grids), so the harness computes the expected slots on its own, without the product's schedule code.
 */
record ChaosJob(String key, String schedule, long period, boolean catchUpAll, boolean atLeastOnce) {

    /** The jobs every scenario runs, in ConfigMap {@link ChaosRun#JOBS}. */
    static final List<ChaosJob> STANDARD = List.of(
            new ChaosJob("every-second", "@every 1s", 1, true, false),
            new ChaosJob("cron-every-second", "* * * * * *", 1, true, false),
            new ChaosJob("cron-two-seconds", "*/2 * * * * *", 2, true, false),
            new ChaosJob("at-least-once", "@every 1s", 1, true, true),
            new ChaosJob("no-catch-up", "@every 1s", 1, false, false));

    static ChaosJob every(String key, long seconds) {
        return new ChaosJob(key, "@every " + seconds + "s", seconds, true, false);
    }

    /** {@code catchUp: All} jobs owe every slot: a missed one is lost unless the product reported it uncertain. */
    boolean mustFireAll() {
        return catchUpAll;
    }

    String yaml(String url) {
        return "schedule: \"" + schedule + "\"\n"
                + "catchUp: " + (catchUpAll ? "All\nstartingDeadlineSeconds: 60\n" : "None\n")
                + (atLeastOnce ? "delivery: AtLeastOnce\n" : "")
                + "timeout: 5s\n"
                + "http:\n  url: " + url + "\n  method: POST\n";
    }
}
