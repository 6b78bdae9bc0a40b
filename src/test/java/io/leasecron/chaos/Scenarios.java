package io.leasecron.chaos;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chaos scenarios. Each one starts its replicas, runs the standard jobs, does its damage inside the measurement
 * window, and adds the checks of its own to the {@link Report}; the guarantees every scenario must keep are checked
 * by the report itself. {@code full} runs longer and breaks things more often than the short version CI runs.
 */
final class Scenarios {
    private static final Duration NO_SKEW = Duration.ZERO;
    static final List<Duration> EVEN_CLOCKS = List.of(NO_SKEW, NO_SKEW, NO_SKEW);
    /** The clock-skew scenario: one replica ahead, one behind. */
    static final Duration SKEW = Duration.ofSeconds(4);

    /** One scenario: its name, the replicas' clock skews, what it does, and its own checks once judged. */
    interface Scenario {
        String name();

        default List<Duration> skews() {
            return EVEN_CLOCKS;
        }

        void run(ChaosRun run, boolean full) throws Exception;

        default void check(ChaosRun run, Report report) {
        }
    }

    static final List<Scenario> ALL = List.of(new Steady(), new Crash(), new Rollout(), new Zombie(), new Partition(),
            new Outage(), new Skew(), new LiveEdits(), new BadInput(), new ControlScenario());

    private Scenarios() {
    }

    /** Three replicas, the standard jobs, nothing broken: the baseline. */
    static final class Steady implements Scenario {
        @Override
        public String name() {
            return "steady";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            ChaosRun.sleep(Duration.ofSeconds(full ? 60 : 20));
            run.endMeasurement();
        }
    }

    /** SIGKILL the leader, again and again, restarting each killed replica: nothing is released. */
    static final class Crash implements Scenario {
        @Override
        public String name() {
            return "crash";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int i = 0; i < (full ? 6 : 2); i++) {
                ReplicaProcess leader = run.awaitLeaderFiring(Duration.ofSeconds(20));
                run.offBeat();
                run.note("kill", leader.name(), "SIGKILL the leader");
                leader.kill();
                ReplicaProcess next = run.awaitLeaderFiring(Duration.ofSeconds(20));
                run.note("takeover", next.name(), "fires as leader");
                run.restart(leader);
                ChaosRun.sleep(Duration.ofSeconds(2));
            }
            ChaosRun.sleep(Duration.ofSeconds(3));
            run.endMeasurement();
        }

        @Override
        public void check(ChaosRun run, Report report) {
            Duration bound = ChaosRun.LEASE.plus(ChaosRun.RETRY);
            for (ChaosRun.Action kill : actions(run, "kill")) {
                Duration wait = report.longestWait(kill.at().minusSeconds(1), next(run, kill, "takeover").plusSeconds(1));
                addFact(run, "crashFailoverMs", wait.toMillis());
                long uncertain = report.uncertain.values().stream().flatMap(java.util.Set::stream)
                        .filter(s -> !s.isBefore(kill.at().minusSeconds(2)) && s.isBefore(kill.at().plusSeconds(1))).count();
                addFact(run, "uncertainSlotsPerKill", uncertain);
                if (wait.compareTo(bound) > 0) {
                    report.violation("crash of " + kill.replica() + " at " + kill.at() + ": a due slot waited " + wait.toMillis()
                            + " ms, more than lease duration + retry period (" + bound.toMillis() + " ms)");
                }
            }
        }
    }

    /**
     * What {@code kubectl rollout restart} does to each pod: SIGTERM, wait for the exit, start again, wait until
     * ready; every replica in turn.
     */
    static final class Rollout implements Scenario {
        @Override
        public String name() {
            return "rollout";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int round = 0; round < (full ? 3 : 1); round++) {
                for (ReplicaProcess r : run.replicas) {
                    run.offBeat();
                    String holder = run.lease().map(l -> l.getSpec().getHolderIdentity()).orElse("");
                    run.note("terminate", r.name(), r.name().equals(holder) ? "SIGTERM the leader" : "SIGTERM a follower");
                    Duration exit = r.terminate(ChaosRun.GRACE.plusSeconds(20));
                    run.note("exited", r.name(), "exited " + exit.toMillis() + " ms after SIGTERM");
                    addFact(run, "exitAfterSigtermMs", exit.toMillis());
                    run.restart(r);
                    ChaosRun.sleep(Duration.ofSeconds(1));
                }
            }
            ChaosRun.sleep(Duration.ofSeconds(2));
            run.endMeasurement();
        }

        @Override
        public void check(ChaosRun run, Report report) {
            for (ChaosRun.Action t : actions(run, "terminate")) {
                Duration wait = report.longestWait(t.at().minusSeconds(1), next(run, t, "ready"));
                addFact(run, t.detail().contains("the leader") ? "leaderHandoverLongestWaitMs" : "followerRestartLongestWaitMs",
                        wait.toMillis());
                if (wait.compareTo(Duration.ofSeconds(1)) > 0) {
                    report.violation("rolling restart of " + t.replica() + " (" + t.detail() + "): a due slot waited "
                            + wait.toMillis() + " ms, more than 1 s");
                }
            }
            for (ChaosRun.Action e : actions(run, "exited")) {
                long ms = Long.parseLong(e.detail().replaceAll("\\D+", " ").trim().split(" ")[0]);
                if (ms > ChaosRun.GRACE.toMillis() + 2000) {
                    report.violation(e.replica() + " " + e.detail() + ": beyond its grace period of " + ChaosRun.GRACE.toSeconds()
                            + " s");
                }
            }
        }
    }

    /**
     * SIGSTOP the leader for longer than the lease (a GC pause, a frozen VM), then SIGCONT it: it must not execute
     * anything it no longer owns.
     */
    static final class Zombie implements Scenario {
        @Override
        public String name() {
            return "zombie";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int i = 0; i < (full ? 3 : 1); i++) {
                ReplicaProcess leader = run.awaitLeaderFiring(Duration.ofSeconds(20));
                run.offBeat();
                run.note("freeze", leader.name(), "SIGSTOP the leader for " + ChaosRun.LEASE.plusSeconds(3).toSeconds() + " s");
                leader.freeze();
                ChaosRun.sleep(ChaosRun.LEASE.plusSeconds(3));
                run.note("thaw", leader.name(), "SIGCONT");
                leader.thaw();
                ChaosRun.sleep(Duration.ofSeconds(5));
            }
            run.endMeasurement();
        }

        @Override
        public void check(ChaosRun run, Report report) {
            for (ChaosRun.Action freeze : actions(run, "freeze")) {
                Instant thaw = next(run, freeze, "thaw");
                long term = termAt(report, freeze.replica(), freeze.at());
                List<FireRecorder.Fire> oldTerm = report.fires.stream().filter(f -> f.replica().equals(freeze.replica())
                        && f.term() == term && f.received().isAfter(thaw)).toList();
                addFact(run, "zombieFiresAfterThawInOldTerm", oldTerm.size());
                oldTerm.stream().filter(f -> f.slot().isAfter(freeze.at())).forEach(f -> report.violation("zombie " + freeze.replica() + " fired " + f.job() + " slot " + f.slot()
                        + " in its old term " + term + " after SIGCONT: a slot due after it was frozen"));
            }
        }
    }

    /** Cut the leader off from the API server for 10 s, then restore it. */
    static final class Partition implements Scenario {
        @Override
        public String name() {
            return "partition";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int i = 0; i < (full ? 3 : 1); i++) {
                ReplicaProcess leader = run.awaitLeaderFiring(Duration.ofSeconds(20));
                run.offBeat();
                int index = run.replicas.indexOf(leader);
                run.note("cut", leader.name(), "the leader's connection to the API server cut for 10 s");
                run.proxies.get(index).cut();
                ChaosRun.sleep(Duration.ofSeconds(10));
                run.note("restore", leader.name(), "connection restored");
                run.proxies.get(index).restore();
                ChaosRun.sleep(Duration.ofSeconds(5));
            }
            run.endMeasurement();
        }

        @Override
        public void check(ChaosRun run, Report report) {
            for (ChaosRun.Action cut : actions(run, "cut")) {
                long term = termAt(report, cut.replica(), cut.at());
                Instant limit = cut.at().plus(ChaosRun.RENEW_DEADLINE);
                report.fires.stream().filter(f -> f.replica().equals(cut.replica()) && f.term() == term && f.slot().isAfter(limit))
                        .forEach(f -> report.violation("partitioned " + cut.replica() + " fired " + f.job() + " slot " + f.slot()
                                + " in term " + term + ", after its renew deadline had passed without renewal"));
            }
        }
    }

    /** Cut every replica off from the API server for 10 s: nobody may fire, and everything is caught up after. */
    static final class Outage implements Scenario {
        @Override
        public String name() {
            return "outage";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int i = 0; i < (full ? 3 : 1); i++) {
                run.awaitLeaderFiring(Duration.ofSeconds(20));
                run.offBeat();
                run.note("cut-all", "all", "every replica's connection to the API server cut for 10 s");
                run.proxies.forEach(io.leasecron.testing.TcpProxy::cut);
                ChaosRun.sleep(Duration.ofSeconds(10));
                run.note("restore-all", "all", "connections restored");
                run.proxies.forEach(io.leasecron.testing.TcpProxy::restore);
                ChaosRun.sleep(Duration.ofSeconds(8));
            }
            run.endMeasurement();
        }

        @Override
        public void check(ChaosRun run, Report report) {
            for (ChaosRun.Action cut : actions(run, "cut-all")) {
                Instant limit = cut.at().plus(ChaosRun.RENEW_DEADLINE).plusMillis(500);
                Instant restore = next(run, cut, "restore-all");
                report.fires.stream().filter(f -> f.received().isAfter(limit) && f.received().isBefore(restore))
                        .forEach(f -> report.violation("during the API outage " + f.replica() + " fired " + f.job() + " slot "
                                + f.slot() + " at " + f.received() + ", after every renew deadline had passed"));
            }
        }
    }

    /**
     * One replica's wall clock {@link #SKEW} ahead, one behind, through leadership changes (graceful and crashes).
     * Slots are judged by scheduled time, so a replica ahead fires early and one behind late; neither may double
     * or lose a slot.
     */
    static final class Skew implements Scenario {
        @Override
        public String name() {
            return "skew";
        }

        @Override
        public List<Duration> skews() {
            return List.of(SKEW, NO_SKEW, SKEW.negated());
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            for (int i = 0; i < (full ? 8 : 4); i++) {
                ReplicaProcess leader = run.awaitLeaderFiring(Duration.ofSeconds(30));
                run.offBeat();
                if (i % 2 == 0) {
                    run.note("terminate", leader.name(), "SIGTERM the leader (clock " + signed(leader.skew()) + ")");
                    leader.terminate(ChaosRun.GRACE.plusSeconds(20));
                } else {
                    run.note("kill", leader.name(), "SIGKILL the leader (clock " + signed(leader.skew()) + ")");
                    leader.kill();
                }
                run.awaitLeaderFiring(Duration.ofSeconds(30));
                run.restart(leader);
            }
            ChaosRun.sleep(Duration.ofSeconds(3));
            run.endMeasurement();
        }

        /**
         * Against the real API server (its answers carry a {@code Date} header), each skewed replica reported its clock
         * in {@code ClockSkew} Events on its Pod, with the right sign (one per process start: each is a new excursion),
         * and the replica on time none. Recorded for both API servers in the facts.
         */
        @Override
        public void check(ChaosRun run, Report report) {
            Map<String, List<String>> byPod = new java.util.TreeMap<>();
            run.events("ClockSkew").forEach(e -> byPod.computeIfAbsent(e.getInvolvedObject().getName(), k -> new ArrayList<>())
                    .add(e.getMessage()));
            run.facts.put("clockSkewEvents", byPod);
            if (!"real".equals(run.api.name())) {
                return;
            }
            for (ReplicaProcess r : run.replicas) {
                List<String> messages = byPod.getOrDefault(r.name(), List.of());
                String sign = r.skew().isNegative() ? "fires slots late" : "fires slots early";
                if (r.skew().isZero() && !messages.isEmpty()) {
                    report.violation(r.name() + " (clock on time) reported ClockSkew: " + messages);
                } else if (!r.skew().isZero() && (messages.isEmpty() || !messages.stream().allMatch(m -> m.contains(sign)))) {
                    report.violation(r.name() + " (clock " + signed(r.skew()) + ") should have ClockSkew Events saying it "
                            + sign + ", found " + messages);
                }
            }
        }

        private static String signed(Duration d) {
            return (d.isNegative() ? "-" : "+") + d.abs().toSeconds() + " s";
        }
    }

    /** Jobs added, edited and deleted through the API server while the replicas fire. */
    static final class LiveEdits implements Scenario {
        @Override
        public String name() {
            return "live-edits";
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            Map<String, String> edits = new LinkedHashMap<>();
            ChaosJob edited = ChaosJob.every("edited", 1);
            ChaosJob doomedKey = ChaosJob.every("doomed-key", 1);
            ChaosJob doomedMap = ChaosJob.every("job", 1);
            edits.put(edited.key(), edited.yaml(run.target.url()));
            edits.put(doomedKey.key(), doomedKey.yaml(run.target.url()));
            run.putJobs("edits", edits);
            run.putJobs("doomed", Map.of(doomedMap.key(), doomedMap.yaml(run.target.url())));
            run.track("edits/edited", edited);
            run.track("edits/doomed-key", doomedKey);
            run.track("doomed/job", doomedMap);
            begin(run);
            Duration dwell = Duration.ofSeconds(full ? 10 : 3);
            for (int round = 0; round < (full ? 3 : 1); round++) {
                ChaosRun.sleep(dwell);
                ChaosJob added = ChaosJob.every("job", 1);
                Instant at = run.note("edit", "api", "add ConfigMap added-" + round);
                run.track("added-" + round + "/job", added).change(at, 1);
                run.putJobs("added-" + round, Map.of(added.key(), added.yaml(run.target.url())));
                propagation(run, at, "/api/v1/jobs/added-" + round + "/job", b -> b.contains("\"valid\":true"));

                ChaosRun.sleep(dwell);
                reschedule(run, edits, 1, 2);
                ChaosRun.sleep(dwell);
                reschedule(run, edits, 2, 1);

                ChaosRun.sleep(dwell);
                if (round == 0) {
                    at = run.note("edit", "api", "remove key edits/doomed-key");
                    run.tracks.get("edits/doomed-key").change(at, 0);
                    edits.remove("doomed-key");
                    run.putJobs("edits", edits);
                    propagation(run, at, "/api/v1/jobs/edits/doomed-key", null);
                    ChaosRun.sleep(dwell);
                    at = run.note("edit", "api", "delete ConfigMap doomed");
                    run.tracks.get("doomed/job").change(at, 0);
                    run.deleteJobs("doomed");
                    propagation(run, at, "/api/v1/jobs/doomed/job", null);
                }
                ChaosRun.sleep(dwell);
                at = run.note("edit", "api", "delete ConfigMap added-" + round);
                run.tracks.get("added-" + round + "/job").change(at, 0);
                run.deleteJobs("added-" + round);
                propagation(run, at, "/api/v1/jobs/added-" + round + "/job", null);
            }
            ChaosRun.sleep(Duration.ofSeconds(3));
            run.endMeasurement();
        }

        /** Changes {@code edits/edited} from {@code @every <from>s} to {@code @every <to>s} and measures the edit. */
        private static void reschedule(ChaosRun run, Map<String, String> edits, int from, int to) throws Exception {
            Instant at = run.note("edit", "api", "edits/edited: @every " + from + "s -> @every " + to + "s");
            run.tracks.get("edits/edited").change(at, to);
            edits.put("edited", ChaosJob.every("edited", to).yaml(run.target.url()));
            run.putJobs("edits", edits);
            propagation(run, at, "/api/v1/jobs/edits/edited", b -> b.contains("@every " + to + "s"));
        }

        /**
         * How long after the edit at {@code at} every replica's REST API showed it: {@code shows} true for the
         * job's detail body, or (null) a 404 for a deleted job. Each replica is polled on a thread of its own, and
         * the time counted is when the first answer showing the edit arrived (an upper bound). Recorded in
         * milliseconds; -1 if some replica did not show it within 5 s.
         */
        private static void propagation(ChaosRun run, Instant at, String path, java.util.function.Predicate<String> shows)
                throws Exception {
            List<java.util.concurrent.Callable<Long>> polls = new ArrayList<>();
            for (ReplicaProcess r : run.replicas) {
                polls.add(() -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    while (System.nanoTime() < deadline) {
                        ReplicaProcess.Response resp = r.get(path, Duration.ofSeconds(1));
                        if (shows == null ? resp.status() == 404 : resp.status() == 200 && shows.test(resp.body())) {
                            return Duration.between(at, Instant.now()).toMillis();
                        }
                        ChaosRun.sleep(Duration.ofMillis(10));
                    }
                    return -1L;
                });
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(polls.size());
            long slowest = 0;
            try {
                for (java.util.concurrent.Future<Long> f : pool.invokeAll(polls)) {
                    long ms = f.get();
                    slowest = ms < 0 || slowest < 0 ? -1 : Math.max(slowest, ms);
                }
            } finally {
                pool.shutdownNow();
            }
            addFact(run, "editVisibleOnEveryReplicaMs", slowest);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void check(ChaosRun run, Report report) {
            for (long ms : (List<Long>) run.facts.getOrDefault("editVisibleOnEveryReplicaMs", List.of())) {
                if (ms < 0 || ms > 1000) {
                    report.violation("an edit took " + (ms < 0 ? "more than 5 s" : ms + " ms") + " to show on every replica"
                            + " (limit 1 s): " + run.facts.get("editVisibleOnEveryReplicaMs"));
                }
            }
        }
    }

    /**
     * Broken ConfigMaps beside the good jobs, created while the replicas fire: an invalid cron, an unknown time
     * zone, invalid YAML, an unknown field, a 1 MiB value. The good jobs keep firing on time, every replica stays
     * live and ready, every bad job's error is in REST on every replica, and each is reported by one Event.
     *
     * <p>The 1 MiB value runs only where watches stream over HTTP (the real API server): the mock server sends it
     * over a WebSocket in 64 KiB frames, which this client cannot reassemble (the reason the service streams
     * watches over HTTP by default; docs/reliability.md).
     */
    static final class BadInput implements Scenario {
        /** ConfigMap name, job spec, what its error must say. */
        record Bad(String configMap, String yaml, String expected) {
        }

        @Override
        public String name() {
            return "bad-input";
        }

        static List<Bad> bad(ChaosRun run) {
            String url = run.target.url();
            String http = "http:\n  url: " + url + "\n";
            String huge = "schedule: \"@every 1s\"\n" + http + "description: \"" + "x".repeat(1024 * 1024 - 200) + "\"\n";
            return List.of(
                    new Bad("bad-cron", "schedule: \"61 * * * *\"\n" + http, "minute 61 is out of range 0-59"),
                    new Bad("bad-zone", "schedule: \"@every 1s\"\ntimeZone: Mars/Olympus_Mons\n" + http, "Mars/Olympus_Mons"),
                    new Bad("bad-yaml", "schedule: \"@every 1s\"\nhttp: {url: [" + url + "\n", "YAML"),
                    new Bad("bad-field", "schedul: \"@every 1s\"\n" + http, "schedul"),
                    new Bad("bad-huge", huge, "the limit is")).stream()
                    .filter(b -> run.api.streamsHttpWatches() || !b.configMap().equals("bad-huge")).toList();
        }

        @Override
        public void run(ChaosRun run, boolean full) throws Exception {
            begin(run);
            ChaosRun.sleep(Duration.ofSeconds(2));
            for (Bad b : bad(run)) {
                run.note("bad-input", "api", "ConfigMap " + b.configMap() + " (" + b.yaml().length() + " bytes)");
                run.putJobs(b.configMap(), Map.of("job", b.yaml()));
            }
            ChaosRun.sleep(Duration.ofSeconds(full ? 30 : 10));
            Map<String, Object> rest = new LinkedHashMap<>();
            for (ReplicaProcess r : run.replicas) {
                for (Bad b : bad(run)) {
                    ReplicaProcess.Response resp = r.get("/api/v1/jobs/" + b.configMap() + "/job", Duration.ofSeconds(5));
                    rest.put(r.name() + " " + b.configMap(), resp.status() + " " + (resp.body().length() > 400
                            ? resp.body().substring(0, 400) : resp.body()));
                }
            }
            run.facts.put("rest", rest);
            run.endMeasurement();
        }

        @Override
        @SuppressWarnings("unchecked")
        public void check(ChaosRun run, Report report) {
            Map<String, Object> rest = (Map<String, Object>) run.facts.get("rest");
            for (ReplicaProcess r : run.replicas) {
                for (Bad b : bad(run)) {
                    String got = String.valueOf(rest.get(r.name() + " " + b.configMap()));
                    if (!got.startsWith("200 ") || !got.contains("\"valid\":false") || !got.contains(b.expected())) {
                        report.violation(r.name() + ": GET /api/v1/jobs/" + b.configMap() + "/job should show the job invalid with \""
                                + b.expected() + "\", got " + got);
                    }
                }
            }
            Map<String, Long> events = new LinkedHashMap<>();
            run.events("InvalidJobSpec").forEach(e -> events.merge(e.getInvolvedObject().getName(), 1L, Long::sum));
            run.facts.put("invalidJobSpecEvents", events);
            for (Bad b : bad(run)) {
                if (events.getOrDefault(b.configMap(), 0L) != 1) {
                    report.violation(b.configMap() + ": expected exactly one InvalidJobSpec Event, found "
                            + events.getOrDefault(b.configMap(), 0L));
                }
            }
            run.probeFailures.forEach(p -> report.violation(p.replica() + " #" + p.incarnation() + " " + p.probe() + " probe answered "
                    + p.status() + " at " + p.at() + ": " + p.body()));
            Duration late = report.longestWait(run.start, run.end.plusSeconds(1));
            if (late.compareTo(Duration.ofSeconds(1)) > 0) {
                report.violation("a good job's slot waited " + late.toMillis() + " ms beside the bad input");
            }
        }
    }

    // ---------------------------------------------------------------- shared steps

    /**
     * Standard jobs, three replicas started and ready, a leader firing, then the measurement window opens and runs
     * undisturbed for two seconds, so that every disruption falls inside it.
     */
    static void begin(ChaosRun run) throws Exception {
        run.putStandardJobs();
        run.startAll();
        run.awaitLeaderFiring(Duration.ofSeconds(30));
        run.beginMeasurement();
        ChaosRun.sleep(Duration.between(Instant.now(), run.start.plusSeconds(2)));
    }

    static List<ChaosRun.Action> actions(ChaosRun run, String kind) {
        return run.actions.stream().filter(a -> a.kind().equals(kind)).toList();
    }

    /** When the first action of {@code kind} after {@code after} happened (the end of the window if none did). */
    static Instant next(ChaosRun run, ChaosRun.Action after, String kind) {
        return run.actions.stream().filter(a -> a.kind().equals(kind) && a.at().isAfter(after.at())).map(ChaosRun.Action::at)
                .findFirst().orElse(run.end.plusSeconds(1));
    }

    /** The term in which {@code replica} last fired before {@code at}. */
    static long termAt(Report report, String replica, Instant at) {
        return report.fires.stream().filter(f -> f.replica().equals(replica) && f.received().isBefore(at))
                .reduce((a, b) -> b).map(FireRecorder.Fire::term).orElse(-1L);
    }

    /** Appends {@code value} to the list of figures the scenario reports under {@code key}. */
    @SuppressWarnings("unchecked")
    static void addFact(ChaosRun run, String key, long value) {
        run.facts.compute(key, (k, list) -> {
            List<Long> out = list == null ? new ArrayList<>() : new ArrayList<>((List<Long>) list);
            out.add(value);
            return out;
        });
    }
}
