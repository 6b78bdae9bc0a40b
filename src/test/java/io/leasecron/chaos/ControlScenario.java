package io.leasecron.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;

/**
 * The control API under leader kills: at random moments, triggers, ad-hoc runs a few seconds ahead and pause/resume
 * pairs, each sent over HTTP to a random running replica (followers included) with a caller's bearer token, while the
 * leader is SIGKILLed again and again (the first time within 300 ms of a trigger's answer). Every accepted run must
 * execute once at the target under the slot its record names (AtLeastOnce: at least once, always with the run's
 * Idempotency-Key; AtMostOnce: at most once, and exactly once unless its record says uncertain); scheduled slots
 * keep the usual rules, except those due while their job was paused, which are not expected.
 *
 * <p>Against the real API server only: the replicas check the caller with TokenReview and SubjectAccessReview, which
 * the mock server cannot answer (in CRUD mode it stores the review as posted, without a user).
 *
 * <p>Pause edges. The pause is stored before {@code :pause} answers and the leader's informer has it milliseconds
 * later; from then its scheduled slots are skipped when they come due. A slot due shortly before the request may still
 * be admitted late (the p99 lateness of an undisturbed leader is a few milliseconds, its maximum under this load well
 * below a second), and after {@code :resume} answers the leader may take up to a watch delivery to see it. So slots
 * due from one second ({@link #EDGE}) before the pause was sent to one second after the resume answered are excused.
 * Failovers delay slots by up to lease + retry period (3.5 s), which that second would not cover: no pause is sent
 * until a killed leader's successor has fired and {@link #EDGE} has passed. Inside, the pause must hold: no scheduled
 * slot due from {@link #EDGE} after the pause answered may fire before the resume is sent.
 *
 * <p>Scenarios run one at a time, so this one keeps its run's requests in a field between {@link #run} and
 * {@link #check}.
 */
final class ControlScenario implements Scenarios.Scenario {
    static final Duration EDGE = Duration.ofSeconds(1);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    static final String CONFIGMAP = "control";
    static final ChaosJob PAUSABLE = ChaosJob.every("pausable", 1);
    static final ChaosJob PAUSABLE_AT_LEAST_ONCE = new ChaosJob("pausable-at-least-once", "@every 1s", 1, true, true);
    /** Jobs that get manual runs: two of the standard jobs and the two that are also paused. */
    static final Map<String, Boolean> TRIGGERED = Map.of(
            ChaosRun.JOBS + "/every-second", false, ChaosRun.JOBS + "/at-least-once", true,
            CONFIGMAP + "/" + PAUSABLE.key(), false, CONFIGMAP + "/" + PAUSABLE_AT_LEAST_ONCE.key(), true);
    static final List<String> PAUSED = List.of(CONFIGMAP + "/" + PAUSABLE.key(), CONFIGMAP + "/" + PAUSABLE_AT_LEAST_ONCE.key());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request and its answer, by the harness's clock. */
    record Request(Instant sent, Instant answered, String replica, boolean toLeader, String action, String job, int status,
            String body) {
    }

    /** A pause as the harness made it: the pause sent and answered, the resume sent and answered. */
    record PauseSpan(String job, Instant pauseSent, Instant pauseAnswered, Instant resumeSent, Instant resumeAnswered) {
    }

    private final List<Request> requests = new ArrayList<>();
    private final List<PauseSpan> pauses = new ArrayList<>();
    /** Run name to its record as {@code GET /api/v1/runs/{name}} last showed it. */
    private final Map<String, JsonNode> records = new TreeMap<>();
    /** Run names the answers of {@code :trigger} and {@code /runs} gave. */
    private final Map<String, Request> accepted = new LinkedHashMap<>();
    private final List<String> killsAfterTrigger = new ArrayList<>();
    /** Every SIGKILL: the replica and when. */
    private final List<Map.Entry<String, Instant>> kills = new ArrayList<>();

    @Override
    public String name() {
        return "control";
    }

    @Override
    public void run(ChaosRun run, boolean full) throws Exception {
        requests.clear();
        pauses.clear();
        records.clear();
        accepted.clear();
        killsAfterTrigger.clear();
        kills.clear();
        Optional<String> token = run.api.controlToken(run.namespace);
        Assumptions.assumeTrue(token.isPresent(), "the control scenario needs an API server that checks callers with"
                + " TokenReview and SubjectAccessReview: the real one (docs/testing.md)");
        run.putJobs(CONFIGMAP, Map.of(PAUSABLE.key(), PAUSABLE.yaml(run.target.url()),
                PAUSABLE_AT_LEAST_ONCE.key(), PAUSABLE_AT_LEAST_ONCE.yaml(run.target.url())));
        run.track(CONFIGMAP + "/" + PAUSABLE.key(), PAUSABLE);
        run.track(CONFIGMAP + "/" + PAUSABLE_AT_LEAST_ONCE.key(), PAUSABLE_AT_LEAST_ONCE);
        Scenarios.begin(run);

        Random random = new Random(run.seed ^ 0x5DEECE66DL);
        ExecutorService restarts = Executors.newSingleThreadExecutor();
        List<Future<?>> restarted = new ArrayList<>();
        Map<String, Instant[]> paused = new LinkedHashMap<>(); // job -> {sent, answered}
        Instant stop = Instant.now().plus(Duration.ofSeconds(full ? 100 : 45));
        Instant nextKill = Instant.now().plusMillis(5000 + random.nextInt(3000));
        Instant killedAt = null;
        long killedTerm = 0;
        int kills = 0;
        try {
            while (Instant.now().isBefore(stop)) {
                ChaosRun.sleep(Duration.ofMillis(150 + random.nextInt(850)));
                boolean failoverOver = killedAt == null || firstSuccessorFire(run, killedTerm) != null;
                boolean allRunning = run.replicas.stream().allMatch(r -> r.state() == ReplicaProcess.State.RUNNING);
                if (Instant.now().isAfter(nextKill) && allRunning && failoverOver) {
                    ReplicaProcess leader = run.awaitLeaderFiring(Duration.ofSeconds(20));
                    if (kills % 2 == 0) { // the first kill, and every other one, falls right after a trigger
                        Request t = trigger(run, token.get(), random, pick(TRIGGERED.keySet(), random), null);
                        Duration gap = Duration.ofMillis(random.nextInt(300));
                        ChaosRun.sleep(gap);
                        killsAfterTrigger.add(leader.name() + " " + Duration.between(t.answered(), Instant.now()).toMillis()
                                + " ms after a trigger of " + t.job() + " answered " + t.status() + " by " + t.replica());
                    }
                    killedTerm = run.target.fires().stream().filter(f -> f.replica().equals(leader.name()))
                            .mapToLong(FireRecorder.Fire::term).max().orElse(0);
                    killedAt = run.note("kill", leader.name(), "SIGKILL the leader (term " + killedTerm + ")");
                    leader.kill();
                    this.kills.add(Map.entry(leader.name(), killedAt));
                    kills++;
                    restarted.add(restarts.submit(() -> {
                        run.restart(leader);
                        return null;
                    }));
                    nextKill = Instant.now().plusMillis(8000 + random.nextInt(6000));
                    continue;
                }
                int what = random.nextInt(100);
                if (what < 45) {
                    trigger(run, token.get(), random, pick(TRIGGERED.keySet(), random), null);
                } else if (what < 65) {
                    trigger(run, token.get(), random, pick(TRIGGERED.keySet(), random),
                            Instant.now().plusMillis(2000 + random.nextInt(3000)));
                } else {
                    String job = pick(PAUSED, random);
                    Instant[] p = paused.get(job);
                    if (p != null && Instant.now().isAfter(p[1].plusSeconds(2))) {
                        resume(run, token.get(), random, job, p);
                        paused.remove(job);
                    } else if (p == null && failoverOver && (killedAt == null
                            || Instant.now().isAfter(firstSuccessorFire(run, killedTerm).plus(EDGE)))) {
                        pause(run, token.get(), random, job).ifPresent(at -> paused.put(job, at));
                    }
                }
            }
            for (Map.Entry<String, Instant[]> p : paused.entrySet()) {
                resume(run, token.get(), random, p.getKey(), p.getValue());
            }
            for (Future<?> f : restarted) {
                f.get();
            }
        } finally {
            restarts.shutdownNow();
        }
        ChaosRun.sleep(Duration.ofSeconds(3));
        run.endMeasurement();
        settle(run);
    }

    // ---------------------------------------------------------------- requests

    private Request send(ChaosRun run, String token, Random random, String action, String job, String path, String body) {
        List<ReplicaProcess> up = run.replicas.stream().filter(r -> r.state() == ReplicaProcess.State.RUNNING).toList();
        ReplicaProcess to = up.get(random.nextInt(up.size()));
        String holder = run.lease().map(l -> l.getSpec().getHolderIdentity()).orElse("");
        Instant sent = Instant.now();
        ReplicaProcess.Response r = to.post(path, token, body, REQUEST_TIMEOUT);
        Request req = new Request(sent, Instant.now(), to.name(), to.name().equals(holder), action, job, r.status(),
                r.body().length() > 600 ? r.body().substring(0, 600) : r.body());
        requests.add(req);
        return req;
    }

    /** {@code :trigger}, or with {@code runAt} an ad-hoc run at that time. */
    private Request trigger(ChaosRun run, String token, Random random, String job, Instant runAt) {
        Request r = runAt == null ? send(run, token, random, "trigger", job, "/api/v1/jobs/" + job + ":trigger", null)
                : send(run, token, random, "run at " + runAt, job, "/api/v1/jobs/" + job + "/runs", "{\"runAt\":\"" + runAt + "\"}");
        if (r.status() == 202) {
            try {
                accepted.put(JSON.readTree(r.body()).path("name").asText(), r);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("a 202 without a run in its body: " + r.body(), e);
            }
        }
        return r;
    }

    /** Sends {@code :pause}; the moments it was sent and answered, unless it was refused (then nothing was paused). */
    private Optional<Instant[]> pause(ChaosRun run, String token, Random random, String job) {
        Request r = send(run, token, random, "pause", job, "/api/v1/jobs/" + job + ":pause", null);
        run.note("pause", r.replica(), job + " -> " + r.status() + (r.toLeader() ? " (leader)" : " (follower)"));
        // -1 or 409: the pause may be (or is) stored; treated as paused from the moment it was sent.
        return r.status() == 200 || r.status() == 409 || r.status() == -1 ? Optional.of(new Instant[] {r.sent(), r.answered()})
                : Optional.empty();
    }

    /** Sends {@code :resume} until it is answered 200 or 409 (bounded); records the pause's span on the job's track. */
    private void resume(ChaosRun run, String token, Random random, String job, Instant[] pause) {
        Request r = null;
        for (int i = 0; i < 5 && (r == null || r.status() != 200 && r.status() != 409); i++) {
            r = send(run, token, random, "resume", job, "/api/v1/jobs/" + job + ":resume", null);
        }
        run.note("resume", r.replica(), job + " -> " + r.status() + (r.toLeader() ? " (leader)" : " (follower)"));
        pauses.add(new PauseSpan(job, pause[0], pause[1], r.sent(), r.answered()));
        run.tracks.get(job).pause(pause[0].minus(EDGE), r.answered().plus(EDGE));
    }

    /**
     * When the first fire of a later term than {@code killedTerm} (the killed leader's) arrived: the successor's, which
     * may be the killed replica itself, restarted; null while none has.
     */
    private static Instant firstSuccessorFire(ChaosRun run, long killedTerm) {
        return run.target.fires().stream().filter(f -> f.term() > killedTerm).map(FireRecorder.Fire::received).findFirst()
                .orElse(null);
    }

    private static <T> T pick(java.util.Collection<T> from, Random random) {
        List<T> list = new ArrayList<>(from);
        list.sort(java.util.Comparator.comparing(Object::toString)); // the seed decides, not the set's order
        return list.get(random.nextInt(list.size()));
    }

    /**
     * Waits (at most 60 s) until every run on record has ended, reading each from the API ({@code GET
     * /api/v1/runs/{name}}, from the API server itself), and names their slots for the report. The records are every
     * run this harness was answered, and every other one a replica lists (a request whose answer was lost).
     */
    private void settle(ChaosRun run) {
        ReplicaProcess any = run.replicas.stream().filter(r -> r.state() == ReplicaProcess.State.RUNNING).findFirst().orElseThrow();
        java.util.Set<String> names = new java.util.TreeSet<>(accepted.keySet());
        try {
            ReplicaProcess.Response list = any.get("/api/v1/runs", REQUEST_TIMEOUT);
            if (list.status() == 200) {
                JSON.readTree(list.body()).path("runs").forEach(r -> names.add(r.path("name").asText()));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            for (String name : names) {
                JsonNode r;
                do {
                    ReplicaProcess.Response got = any.get("/api/v1/runs/" + name, REQUEST_TIMEOUT);
                    r = got.status() == 200 ? JSON.readTree(got.body()) : JSON.createObjectNode().put("getStatus", got.status());
                    if (!r.path("outcome").isTextual()) {
                        ChaosRun.sleep(Duration.ofMillis(200));
                    }
                } while (!r.path("outcome").isTextual() && System.nanoTime() < deadline);
                records.put(name, r);
                if (r.path("slot").isTextual()) {
                    run.manualSlots.computeIfAbsent(r.path("job").asText(), k -> new java.util.concurrent.ConcurrentHashMap<>())
                            .put(Instant.parse(r.path("slot").asText()), name);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------- judgement

    /**
     * The run started on a replica that was SIGKILLed within 2 s after (the target answers at once and the outcome is
     * written a few ms later, so only a kill in between can leave it unwritten).
     */
    private boolean startedThenKilled(JsonNode r) {
        if (!r.path("startedAt").isTextual() || !r.path("replica").isTextual()) {
            return false;
        }
        Instant started = Instant.parse(r.path("startedAt").asText());
        String replica = r.path("replica").asText();
        return kills.stream().anyMatch(k -> k.getKey().equals(replica) && !k.getValue().isBefore(started.minusMillis(50))
                && k.getValue().isBefore(started.plusSeconds(2)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void check(ChaosRun run, Report report) {
        long once = 0, uncertain = 0, repeatedAtLeastOnce = 0, fired = 0, lostOutcomes = 0;
        for (Map.Entry<String, JsonNode> e : records.entrySet()) {
            String name = e.getKey();
            JsonNode r = e.getValue();
            String job = r.path("job").asText();
            boolean atLeastOnce = TRIGGERED.getOrDefault(job, false);
            String outcome = r.path("outcome").isTextual() ? r.path("outcome").asText() : null;
            String detail = r.path("detail").asText("");
            String what = "manual run " + name + " of " + job + (accepted.containsKey(name) ? "" : " (not answered to the harness)");
            if (outcome == null && startedThenKilled(r) || "unknown".equals(outcome)) {
                // Its replica was SIGKILLed after starting it, before it could record how it ended: the record stays
                // running (the leader marks it unknown once the job's longest run has passed), or, when the kill came
                // before even the start was recorded, the next leader found its slot started and recorded it unknown.
                // Either way it is judged by its fires: it ran once.
                outcome = RunOutcome.SUCCEEDED;
                lostOutcomes++;
            } else if (outcome == null) {
                report.violation(what + " did not end within 60 s of the window's end: " + r);
                continue;
            }
            if (!r.path("slot").isTextual()) {
                report.violation(what + " ended " + outcome + " (" + detail + ") without a slot");
                continue;
            }
            Instant slot = Instant.parse(r.path("slot").asText());
            String key = r.path("idempotencyKey").asText();
            List<FireRecorder.Fire> underSlot = report.fires.stream().filter(f -> f.job().equals(job) && f.slot().equals(slot)).toList();
            fired += underSlot.size();
            underSlot.stream().filter(f -> !key.equals(f.key())).forEach(f -> report.violation(what + ": fired under its slot " + slot
                    + " with Idempotency-Key " + f.key() + ", its record says " + key));
            report.fires.stream().filter(f -> key.equals(f.key()) && !f.slot().equals(slot)).forEach(f -> report.violation(what
                    + ": its Idempotency-Key arrived under another slot, " + f.slot()));
            if (r.path("runAt").isTextual() && slot.isBefore(Instant.parse(r.path("runAt").asText()))) {
                report.violation(what + ": slot " + slot + " before its runAt " + r.path("runAt").asText());
            }
            boolean reportedUncertain = RunOutcome.SKIPPED.equals(outcome) && detail.startsWith("uncertain:");
            if (atLeastOnce) {
                if (underSlot.isEmpty()) {
                    report.violation(what + " (AtLeastOnce) lost: no fire under its slot " + slot + "; record " + r);
                } else {
                    once++;
                    repeatedAtLeastOnce += underSlot.size() > 1 ? 1 : 0;
                }
            } else if (underSlot.size() > 1) {
                report.violation(what + " (AtMostOnce) executed " + underSlot.size() + " times: " + underSlot);
            } else if (reportedUncertain) {
                uncertain++;
            } else if (underSlot.isEmpty()) {
                report.violation(what + " (AtMostOnce) lost: no fire under its slot " + slot + " and its record does not say"
                        + " uncertain; record " + r);
            } else {
                once++;
            }
            if (!reportedUncertain && !RunOutcome.SUCCEEDED.equals(outcome)) {
                report.violation(what + " ended " + outcome + " (" + detail + "); the target answers 200 to every fire");
            }
        }
        for (String name : accepted.keySet()) {
            if (!records.containsKey(name)) {
                report.violation("manual run " + name + " was accepted but is not on record");
            }
        }
        List<Request> failed = requests.stream().filter(q -> q.status() != 200 && q.status() != 202).toList();
        failed.forEach(q -> report.violation(q.action() + " of " + q.job() + " sent to " + q.replica() + " at " + q.sent()
                + " answered " + q.status() + ": " + q.body()));
        for (PauseSpan p : pauses) {
            Instant from = p.pauseAnswered().plus(EDGE);
            Map<Instant, String> manual = run.manualSlots.getOrDefault(p.job(), Map.of());
            report.fires.stream().filter(f -> f.job().equals(p.job()) && !manual.containsKey(f.slot()) && !f.slot().isBefore(from)
                    && f.slot().isBefore(p.resumeSent()) && f.received().isBefore(p.resumeSent()))
                    .forEach(f -> report.violation(p.job() + " paused (answered " + p.pauseAnswered() + ", resumed " + p.resumeSent()
                            + "): its scheduled slot " + f.slot() + " fired at " + f.received() + " by " + f.replica()));
        }

        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("triggers", requests.stream().filter(q -> q.action().equals("trigger")).count());
        figures.put("adHocRuns", requests.stream().filter(q -> q.action().startsWith("run at")).count());
        figures.put("runsAccepted", accepted.size());
        figures.put("runsOnRecord", records.size());
        figures.put("runsExecutedOnce", once);
        figures.put("runsUncertain", uncertain);
        figures.put("runsWhoseReplicaWasKilledBeforeRecordingTheOutcome", lostOutcomes);
        figures.put("atLeastOnceRunsRepeated", repeatedAtLeastOnce);
        figures.put("firesOfManualRuns", fired);
        figures.put("pauses", pauses.size());
        long pausedSkipped = 0, pausedFired = 0;
        for (Map<String, Object> j : (List<Map<String, Object>>) report.json.get("jobs")) {
            pausedSkipped += (int) j.getOrDefault("pausedSlotsSkipped", 0);
            pausedFired += (int) j.getOrDefault("pausedSlotsFired", 0);
        }
        figures.put("pausedSlotsSkipped", pausedSkipped);
        figures.put("pausedSlotsFired", pausedFired);
        figures.put("requestsToFollowers", requests.stream().filter(q -> !q.toLeader()).count());
        figures.put("requestsToTheLeader", requests.stream().filter(Request::toLeader).count());
        figures.put("answers", requests.stream().collect(java.util.stream.Collectors.groupingBy(q -> q.status(), TreeMap::new,
                java.util.stream.Collectors.counting())));
        figures.put("answerMs", Report.percentiles(requests.stream().map(q -> Duration.between(q.sent(), q.answered()).toNanos() / 1000)
                .toList()));
        figures.put("kills", Scenarios.actions(run, "kill").size());
        figures.put("killsRightAfterATrigger", killsAfterTrigger);
        run.facts.put("control", figures);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", requests.stream().map(q -> List.of(q.sent().toString(), q.answered().toString(), q.replica(),
                q.toLeader() ? "leader" : "follower", q.action(), q.job(), q.status(), q.body())).toList());
        out.put("pauses", pauses.stream().map(p -> List.of(p.job(), p.pauseSent().toString(), p.pauseAnswered().toString(),
                p.resumeSent().toString(), p.resumeAnswered().toString())).toList());
        out.put("records", records);
        try {
            JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(run.dir.resolve("control.json").toFile(), out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Outcomes as the API shows them (docs/control.md). */
    private static final class RunOutcome {
        static final String SUCCEEDED = "succeeded", SKIPPED = "skipped";
    }
}
