package io.leasecron.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.engine.ExecutionEvent.FailedExecution;
import io.leasecron.engine.ExecutionEvent.FiredExecution;
import io.leasecron.engine.ExecutionEvent.SkippedExecution;
import io.leasecron.engine.ExecutionEvent.SucceededExecution;
import io.leasecron.engine.ExecutionEvent.TimedOutExecution;
import io.leasecron.engine.ExecutionEvent.UncertainExecution;
import io.leasecron.execution.ActionRunner;
import io.leasecron.execution.Fire;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobId;
import io.leasecron.testing.FakeClock;
import io.leasecron.testing.Jobs;
import io.leasecron.testing.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The engine driven by a fake clock: every test moves time by hand and calls {@link Engine#tick()}; nothing
 * sleeps. Actions are scripted per job; by default they succeed at once.
 */
class EngineTest {
    static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    final RecordingListener events = new RecordingListener();
    final Map<String, Function<Fire, CompletableFuture<RunResult>>> actions = new ConcurrentHashMap<>();
    final List<Fire> fires = new CopyOnWriteArrayList<>();
    final AtomicLong term = new AtomicLong(7);
    ExecutorService pool;

    final ActionRunner runner = fire -> {
        fires.add(fire);
        return actions.getOrDefault(fire.spec().id().toString(),
                f -> CompletableFuture.completedFuture(new RunResult.Succeeded("ok"))).apply(fire);
    };
    final LeaderGate gate = slot -> term.get() > 0 ? new LeaderGate.Decision.Fire(term.get())
            : new LeaderGate.Decision.Refused(SkipReason.NOT_LEADER, "this replica does not hold the lease");

    Engine engine = newEngine(Runnable::run);

    Engine newEngine(java.util.concurrent.Executor dispatch) {
        return newEngine(dispatch, EngineSettings.DEFAULTS);
    }

    Engine newEngine(java.util.concurrent.Executor dispatch, EngineSettings settings) {
        Engine e = new Engine(clock, gate, runner, dispatch, "replica-a", settings, () -> 0.0);
        e.addListener(events);
        return e;
    }

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    void at(String offset) {
        clock.set(T0.plus(Duration.parse(offset)));
        engine.tick();
    }

    static Instant t(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    @Test
    void fires_each_slot_exactly_when_it_is_due_and_not_before() {
        clock.set(t("PT5S"));
        engine.upsert(Jobs.every("a/tick", "@every 10s"));
        assertEquals(t("PT10S"), engine.status(JobId.parse("a/tick")).orElseThrow().next().orElseThrow().time());

        clock.set(t("PT9.999S"));
        engine.tick();
        assertTrue(fires.isEmpty());

        at("PT10S");
        at("PT20S");
        assertEquals(List.of(t("PT10S"), t("PT20S")), fires.stream().map(Fire::slot).toList());
        List<FiredExecution> fired = events.of(FiredExecution.class);
        assertEquals(Duration.ZERO, fired.get(0).lateness());
        assertEquals(7, fired.get(0).term());
        assertEquals("replica-a", fired.get(0).replica());
        assertEquals(2, events.of(SucceededExecution.class).size());
    }

    @Test
    void tick_asks_to_be_woken_at_the_earliest_slot_rather_than_scanning() {
        clock.set(t("PT0.5S"));
        engine.upsert(Jobs.every("a/slow", "@every 1h"));
        engine.upsert(Jobs.every("a/fast", "@every 2s"));
        assertEquals(t("PT1.5S"), engine.tick(), "capped at one second so a wall-clock step is noticed");
        clock.set(t("PT1.7S"));
        assertEquals(t("PT2S"), engine.tick());
    }

    @Test
    void late_tick_reports_the_lateness_of_the_start() {
        engine.upsert(Jobs.every("a/tick", "@every 10s"));
        at("PT10.004S");
        assertEquals(Duration.ofMillis(4), events.of(FiredExecution.class).get(0).lateness());
    }

    @Test
    void a_throwing_action_is_a_failed_outcome_and_other_jobs_still_fire() {
        actions.put("a/bad", f -> {
            throw new IllegalStateException("boom");
        });
        engine.upsert(Jobs.every("a/bad", "@every 10s"));
        engine.upsert(Jobs.every("a/good", "@every 10s"));
        at("PT10S");
        at("PT20S");
        List<FailedExecution> failed = events.of(FailedExecution.class);
        assertEquals(2, failed.size());
        assertEquals("action threw java.lang.IllegalStateException: boom", failed.get(0).error());
        assertEquals(List.of(t("PT10S"), t("PT20S")),
                events.of(SucceededExecution.class).stream().map(SucceededExecution::slot).toList());
    }

    @Test
    void an_action_whose_future_fails_is_a_failed_outcome() {
        actions.put("a/bad", f -> CompletableFuture.failedFuture(new java.io.IOException("connection refused")));
        engine.upsert(Jobs.every("a/bad", "@every 10s"));
        at("PT10S");
        assertEquals("action threw java.io.IOException: connection refused",
                events.of(FailedExecution.class).get(0).error());
        assertEquals(0, engine.runningCount());
    }

    @Test
    void a_hanging_action_is_cancelled_at_its_timeout_while_other_jobs_fire_on_time() {
        CompletableFuture<RunResult> never = new CompletableFuture<>();
        actions.put("a/hang", f -> never);
        engine.upsert(Jobs.every("a/hang", "@every 1m", "timeout: 25s"));
        engine.upsert(Jobs.every("a/good", "@every 10s"));
        at("PT1M");
        assertEquals(1, engine.runningCount());
        at("PT1M10S");
        at("PT1M20S");
        assertFalse(never.isDone());
        at("PT1M25S");
        assertTrue(never.isCancelled(), "the hanging attempt is cancelled, not abandoned");
        TimedOutExecution timedOut = events.of(TimedOutExecution.class).get(0);
        assertEquals(JobId.parse("a/hang"), timedOut.job());
        assertEquals(Duration.ofSeconds(25), timedOut.duration());
        assertEquals(0, engine.runningCount());
        List<Instant> good = events.of(SucceededExecution.class).stream().map(SucceededExecution::slot).toList();
        assertEquals(List.of(t("PT1M"), t("PT1M10S"), t("PT1M20S")), good);
        assertTrue(events.of(FiredExecution.class).stream().allMatch(f -> f.lateness().isZero()));
    }

    @Test
    void a_blocking_action_is_interrupted_at_its_timeout_and_the_engine_keeps_firing() throws Exception {
        pool = Executors.newFixedThreadPool(2);
        engine = newEngine(pool);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        actions.put("a/block", f -> {
            blocked.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return CompletableFuture.completedFuture(new RunResult.Succeeded("too late"));
        });
        CountDownLatch goodDone = new CountDownLatch(2);
        engine.addListener(e -> {
            if (e instanceof SucceededExecution s && s.job().name().equals("good")) {
                goodDone.countDown();
            }
        });
        engine.upsert(Jobs.every("a/block", "@every 1m", "timeout: 5s"));
        engine.upsert(Jobs.every("a/good", "@every 1s"));
        at("PT1M");
        assertTrue(blocked.await(5, TimeUnit.SECONDS));
        at("PT1M1S");
        at("PT1M5S");
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the blocked thread is interrupted at the timeout");
        assertTrue(goodDone.await(5, TimeUnit.SECONDS));
        assertEquals(1, events.of(TimedOutExecution.class).size());
        assertTrue(events.of(SucceededExecution.class).stream().noneMatch(s -> s.job().name().equals("block")),
                "a result that arrives after the timeout does not overwrite the outcome");
    }

    @Test
    void the_gate_is_asked_on_every_fire_so_a_replica_that_regains_leadership_fires_again() {
        engine.upsert(Jobs.every("a/tick", "@every 10s"));
        at("PT10S");
        term.set(0);
        at("PT20S");
        at("PT30S");
        term.set(9);
        at("PT40S");
        assertEquals(List.of(
                "a/tick@" + t("PT10S") + ":FiredExecution",
                "a/tick@" + t("PT10S") + ":SucceededExecution",
                "a/tick@" + t("PT20S") + ":SkippedExecution(not_leader)",
                "a/tick@" + t("PT30S") + ":SkippedExecution(not_leader)",
                "a/tick@" + t("PT40S") + ":FiredExecution",
                "a/tick@" + t("PT40S") + ":SucceededExecution"), events.lines());
        assertEquals(List.of(7L, 9L), fires.stream().map(Fire::term).toList());
    }

    @Test
    void forbid_skips_a_slot_while_the_previous_run_is_going() {
        CompletableFuture<RunResult> first = new CompletableFuture<>();
        actions.put("a/long", f -> f.slot().equals(t("PT10S")) ? first
                : CompletableFuture.completedFuture(new RunResult.Succeeded("ok")));
        engine.upsert(Jobs.every("a/long", "@every 10s", "concurrencyPolicy: Forbid"));
        at("PT10S");
        at("PT20S");
        first.complete(new RunResult.Succeeded("done"));
        at("PT30S");
        assertEquals(List.of(
                "a/long@" + t("PT10S") + ":FiredExecution",
                "a/long@" + t("PT20S") + ":SkippedExecution(concurrency)",
                "a/long@" + t("PT10S") + ":SucceededExecution",
                "a/long@" + t("PT30S") + ":FiredExecution",
                "a/long@" + t("PT30S") + ":SucceededExecution"), events.lines());
    }

    @Test
    void replace_cancels_the_running_attempt_then_starts_the_new_slot() {
        CompletableFuture<RunResult> first = new CompletableFuture<>();
        actions.put("a/long", f -> f.slot().equals(t("PT10S")) ? first : new CompletableFuture<>());
        engine.upsert(Jobs.every("a/long", "@every 10s", "concurrencyPolicy: Replace"));
        at("PT10S");
        at("PT20S");
        assertTrue(first.isCancelled());
        FailedExecution replaced = events.of(FailedExecution.class).get(0);
        assertEquals(t("PT10S"), replaced.slot());
        assertEquals("cancelled: replaced by slot " + t("PT20S") + " (concurrencyPolicy Replace)", replaced.error());
        assertEquals(1, engine.runningCount());
    }

    @Test
    void allow_runs_overlapping_slots_side_by_side() {
        actions.put("a/long", f -> new CompletableFuture<>());
        engine.upsert(Jobs.every("a/long", "@every 10s"));
        at("PT10S");
        at("PT20S");
        assertEquals(2, engine.runningCount());
    }

    @Test
    void retries_back_off_exponentially_with_the_same_slot_and_stop_at_the_attempt_limit() {
        actions.put("a/flaky", f -> CompletableFuture.completedFuture(new RunResult.Failed("HTTP 503")));
        engine.upsert(Jobs.every("a/flaky", "@every 1h", "retry: {attempts: 3, backoff: 10s}"));
        at("PT1H");
        at("PT1H9S");
        assertEquals(1, fires.size());
        at("PT1H10S");
        at("PT1H29S");
        assertEquals(2, fires.size());
        at("PT1H30S");
        at("PT2H");
        assertEquals(List.of(1, 2, 3, 1), fires.stream().map(Fire::attempt).toList());
        assertEquals(List.of(t("PT1H"), t("PT1H"), t("PT1H"), t("PT2H")), fires.stream().map(Fire::slot).toList());
        assertEquals(1, fires.stream().limit(3).map(Fire::idempotencyKey).distinct().count());
        assertEquals(List.of(true, true, false, true),
                events.of(FailedExecution.class).stream().map(FailedExecution::willRetry).toList());
    }

    /** A jitter source that returns {@code values} in turn, then 0. */
    static DoubleSupplier jitter(double... values) {
        AtomicInteger i = new AtomicInteger();
        return () -> i.get() < values.length ? values[i.getAndIncrement()] : 0.0;
    }

    List<Instant> attemptStarts() {
        return events.of(FiredExecution.class).stream().map(FiredExecution::firedAt).toList();
    }

    @Test
    void jitter_shortens_each_retry_delay_by_up_to_a_fifth() {
        engine = new Engine(clock, gate, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, jitter(1.0, 0.5));
        engine.addListener(events);
        actions.put("a/flaky", f -> CompletableFuture.completedFuture(new RunResult.Failed("HTTP 503")));
        engine.upsert(Jobs.every("a/flaky", "@every 1h", "retry: {attempts: 3, backoff: 10s}"));
        at("PT1H");
        at("PT1H7.999S");
        assertEquals(1, fires.size());
        at("PT1H8S"); // 10 s nominal, jitter 1.0: 10 s - 20% = 8 s
        at("PT1H25.999S");
        assertEquals(2, fires.size());
        at("PT1H26S"); // 20 s nominal, jitter 0.5: 20 s - 10% = 18 s after the second attempt
        assertEquals(List.of(t("PT1H"), t("PT1H8S"), t("PT1H26S")), attemptStarts());
        assertEquals(List.of(1, 2, 3), fires.stream().map(Fire::attempt).toList());
    }

    @Test
    void retry_delays_double_up_to_max_backoff_and_jitter_applies_to_the_capped_delay() {
        engine = new Engine(clock, gate, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, jitter(0, 0, 0, 0.5));
        engine.addListener(events);
        actions.put("a/flaky", f -> CompletableFuture.completedFuture(new RunResult.Failed("HTTP 503")));
        engine.upsert(Jobs.every("a/flaky", "@every 1h", "retry: {attempts: 5, backoff: 10s, maxBackoff: 25s}"));
        at("PT1H");
        at("PT1H10S"); // 10 s
        at("PT1H30S"); // 20 s
        at("PT1H54.999S");
        assertEquals(3, fires.size(), "40 s nominal, capped at 25 s");
        at("PT1H55S");
        at("PT1H1M17.499S");
        assertEquals(4, fires.size(), "80 s nominal, capped at 25 s, then 10% jitter: 22.5 s");
        at("PT1H1M17.5S");
        assertEquals(List.of(t("PT1H"), t("PT1H10S"), t("PT1H30S"), t("PT1H55S"), t("PT1H1M17.5S")), attemptStarts());
        assertEquals(List.of(true, true, true, true, false),
                events.of(FailedExecution.class).stream().map(FailedExecution::willRetry).toList());
    }

    @Test
    void a_retry_is_abandoned_when_the_lease_term_changed() {
        actions.put("a/flaky", f -> CompletableFuture.completedFuture(new RunResult.Failed("HTTP 503")));
        engine.upsert(Jobs.every("a/flaky", "@every 1h", "retry: {attempts: 3, backoff: 10s}"));
        at("PT1H");
        term.set(8);
        at("PT1H10S");
        assertEquals(1, fires.size());
        SkippedExecution skipped = events.of(SkippedExecution.class).get(0);
        assertEquals(SkipReason.NOT_LEADER, skipped.reason());
        assertEquals("retry 2 abandoned: lease term 7 is no longer held", skipped.detail());
    }

    @Test
    void catch_up_latest_fires_only_the_most_recent_missed_slot() {
        engine.upsert(Jobs.every("a/min", "@every 1m"));
        at("PT5M30S");
        assertEquals(List.of(t("PT5M")), fires.stream().map(Fire::slot).toList());
        assertEquals(4, events.of(SkippedExecution.class).stream().filter(s -> s.reason() == SkipReason.MISSED).count());
        assertEquals(t("PT6M"), engine.status(JobId.parse("a/min")).orElseThrow().next().orElseThrow().time());
    }

    @Test
    void catch_up_all_fires_every_missed_slot_within_the_starting_deadline_oldest_first() {
        engine.upsert(Jobs.every("a/min", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 200"));
        at("PT5M30S");
        assertEquals(List.of(t("PT3M"), t("PT4M"), t("PT5M")), fires.stream().map(Fire::slot).toList());
        assertEquals(List.of(t("PT1M"), t("PT2M")), events.of(SkippedExecution.class).stream()
                .filter(s -> s.reason() == SkipReason.DEADLINE_EXCEEDED).map(SkippedExecution::slot).toList());
    }

    @Test
    void catch_up_none_fires_nothing_that_is_later_than_the_missed_threshold() {
        engine.upsert(Jobs.every("a/min", "@every 1m", "catchUp: None"));
        at("PT5M30S");
        assertTrue(fires.isEmpty());
        assertEquals(5, events.of(SkippedExecution.class).stream().filter(s -> s.reason() == SkipReason.MISSED).count());
        at("PT6M0.2S");
        assertEquals(List.of(t("PT6M")), fires.stream().map(Fire::slot).toList());
    }

    @Test
    void a_slot_later_than_the_starting_deadline_does_not_start() {
        engine.upsert(Jobs.every("a/min", "@every 1m", "startingDeadlineSeconds: 10"));
        at("PT1M11S");
        assertTrue(fires.isEmpty());
        assertEquals(SkipReason.DEADLINE_EXCEEDED, events.of(SkippedExecution.class).get(0).reason());
    }

    @Test
    void a_one_time_job_in_the_future_fires_once_and_never_again() {
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}"));
        at("PT10M");
        at("PT20M");
        at("PT1H");
        assertEquals(List.of(t("PT10M")), fires.stream().map(Fire::slot).toList());
        assertTrue(engine.status(JobId.parse("a/once")).orElseThrow().next().isEmpty());
    }

    @Test
    void a_one_time_job_already_past_follows_catch_up_and_says_so() {
        clock.set(t("PT1H"));
        engine.upsert(Jobs.spec("a/late", "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}"));
        engine.upsert(Jobs.spec("a/none", "runAt: 2026-03-01T00:10:00Z\ncatchUp: None\nhttp: {url: http://127.0.0.1:9/x}"));
        engine.upsert(Jobs.spec("a/dead", "runAt: 2026-03-01T00:10:00Z\nstartingDeadlineSeconds: 60\nhttp: {url: http://127.0.0.1:9/x}"));
        engine.tick();
        assertEquals(List.of("a/late"), fires.stream().map(f -> f.spec().id().toString()).toList());
        List<SkippedExecution> skipped = events.of(SkippedExecution.class);
        assertEquals(List.of(SkipReason.MISSED, SkipReason.DEADLINE_EXCEEDED), skipped.stream().map(SkippedExecution::reason).toList());
        assertTrue(skipped.get(0).detail().startsWith("runAt 2026-03-01T00:10:00Z had already passed when the job was registered; "),
                skipped.get(0).detail());
        engine.tick();
        assertEquals(1, fires.size());
    }

    /** catchUp Latest fires a runAt that has passed: once, however often the job is registered again afterwards. */
    @Test
    void a_one_time_job_that_fired_never_fires_again_when_it_is_registered_again() {
        String once = "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}\n";
        JobId id = JobId.parse("a/once");
        clock.set(t("PT1H"));
        engine.upsert(Jobs.spec("a/once", once));
        engine.tick();
        assertEquals(List.of(t("PT10M")), fires.stream().map(Fire::slot).toList(), "past when it appeared: catchUp Latest fires it");

        clock.set(t("PT1H1M"));
        engine.upsert(Jobs.spec("a/once", once)); // the same spec pushed again
        engine.tick();
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T01:10:00+01:00\ntimeZone: Europe/Berlin\n"
                + "http: {url: http://127.0.0.1:9/y}\n")); // the same instant, spelled otherwise, another zone and URL
        engine.tick();
        assertEquals(List.of(), events.of(SkippedExecution.class), "an edit that keeps runAt keeps the job as it is");
        engine.remove(id); // its ConfigMap deleted and created again
        engine.upsert(Jobs.spec("a/once", once));
        engine.tick();
        assertEquals(1, fires.size());
        SkippedExecution again = events.of(SkippedExecution.class).get(0);
        assertEquals(SkipReason.ALREADY_FIRED, again.reason());
        assertEquals(t("PT10M"), again.slot());
        assertEquals("runAt 2026-03-01T00:10:00Z has already fired on this replica; a one-time job fires once, also when it is "
                + "registered again", again.detail());
        assertTrue(engine.status(id).orElseThrow().next().isEmpty());

        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:20:00Z\nhttp: {url: http://127.0.0.1:9/x}\n"));
        engine.tick();
        assertEquals(List.of(t("PT10M"), t("PT20M")), fires.stream().map(Fire::slot).toList(), "a new runAt is a new slot");
    }

    @Test
    void a_one_time_job_that_fired_at_its_time_does_not_fire_when_it_is_created_again_later() {
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}\n"));
        at("PT10M");
        clock.set(t("PT30M"));
        engine.remove(JobId.parse("a/once"));
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:10:00Z\nhttp: {url: http://127.0.0.1:9/x}\n"));
        engine.tick();
        assertEquals(List.of(t("PT10M")), fires.stream().map(Fire::slot).toList());
        assertEquals(List.of("a/once@" + t("PT10M") + ":FiredExecution", "a/once@" + t("PT10M") + ":SucceededExecution",
                "a/once@" + t("PT10M") + ":SkippedExecution(already_fired)"), events.lines());
    }

    /** A one-time run that was skipped at the replica's limit never started: registered again, it may still fire. */
    @Test
    void a_one_time_job_skipped_at_the_limit_has_not_fired() {
        engine = newEngine(Runnable::run, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Skip));
        var open = holdRuns("a/long");
        engine.upsert(Jobs.every("a/long", "@every 1h"));
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T01:00:00Z\nhttp: {url: http://127.0.0.1:9/x}\n"));
        at("PT1H");
        assertEquals(SkipReason.LIMIT, events.of(SkippedExecution.class).get(0).reason());
        open.get("a/long@" + t("PT1H")).complete(new RunResult.Succeeded("ok"));
        clock.set(t("PT1H1M"));
        engine.remove(JobId.parse("a/once"));
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T01:00:00Z\nhttp: {url: http://127.0.0.1:9/x}\n"));
        engine.tick();
        assertEquals(List.of("a/long", "a/once"), fires.stream().map(f -> f.spec().id().toString()).toList());
    }

    @Test
    void an_edit_that_keeps_the_schedule_keeps_the_pending_slot_and_uses_the_new_spec() {
        engine.upsert(Jobs.every("a/job", "@every 1m"));
        clock.set(t("PT30S"));
        engine.upsert(Jobs.every("a/job", "@every 1m", "timeout: 10s"));
        at("PT1M");
        assertEquals(Duration.ofSeconds(10), fires.get(0).spec().timeout());
    }

    @Test
    void an_edit_of_the_schedule_reschedules_from_now() {
        engine.upsert(Jobs.every("a/job", "@every 1h"));
        clock.set(t("PT30S"));
        engine.upsert(Jobs.every("a/job", "@every 1m"));
        assertEquals(t("PT1M"), engine.status(JobId.parse("a/job")).orElseThrow().next().orElseThrow().time());
        at("PT1M");
        at("PT2M");
        assertEquals(List.of(t("PT1M"), t("PT2M")), fires.stream().map(Fire::slot).toList());
    }

    @Test
    void a_removed_job_never_fires_again() {
        engine.upsert(Jobs.every("a/job", "@every 10s"));
        engine.remove(JobId.parse("a/job"));
        at("PT10S");
        assertTrue(fires.isEmpty());
        assertTrue(engine.status(JobId.parse("a/job")).isEmpty());
    }

    @Test
    void a_suspended_job_reports_its_slots_as_skipped() {
        engine.upsert(Jobs.every("a/job", "@every 10s", "suspend: true"));
        at("PT10S");
        assertTrue(fires.isEmpty());
        assertEquals(SkipReason.SUSPENDED, events.of(SkippedExecution.class).get(0).reason());
    }

    @Test
    void a_throwing_listener_disturbs_neither_the_engine_nor_other_listeners() {
        engine = new Engine(clock, gate, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        engine.addListener(e -> {
            throw new IllegalStateException("listener bug");
        });
        engine.addListener(events);
        engine.upsert(Jobs.every("a/job", "@every 10s"));
        at("PT10S");
        assertEquals(2, events.all().size());
        assertEquals(2, engine.listenerFailures());
    }

    @Test
    void shutdown_waits_for_running_attempts_then_cancels_what_is_left() {
        CompletableFuture<RunResult> hang = new CompletableFuture<>();
        actions.put("a/hang", f -> hang);
        engine.upsert(Jobs.every("a/hang", "@every 10s"));
        at("PT10S");
        int cancelled = engine.shutdown(Duration.ofMillis(50));
        assertEquals(1, cancelled);
        assertTrue(hang.isCancelled());
        assertEquals("cancelled: shutdown grace period of 50 ms elapsed", events.of(FailedExecution.class).get(0).error());
        at("PT20S");
        assertEquals(SkipReason.SHUTTING_DOWN, events.of(SkippedExecution.class).get(0).reason());
    }

    @Test
    void shutdown_returns_as_soon_as_running_attempts_finish() {
        engine.upsert(Jobs.every("a/job", "@every 10s"));
        at("PT10S");
        assertEquals(0, engine.shutdown(Duration.ofSeconds(30)));
    }

    @Test
    void many_jobs_due_at_the_same_instant_all_fire_in_one_tick() {
        for (int i = 0; i < 1000; i++) {
            engine.upsert(Jobs.every("herd/job-" + i, "@every 1h"));
        }
        at("PT1H");
        assertEquals(1000, fires.size());
        assertEquals(1000, fires.stream().map(f -> f.spec().id()).distinct().count());
    }

    // ---------------------------------------------------------------- the replica's concurrency limit

    /** Each job's run stays open until the test completes it. */
    Map<String, CompletableFuture<RunResult>> holdRuns(String... jobs) {
        Map<String, CompletableFuture<RunResult>> open = new ConcurrentHashMap<>();
        for (String j : jobs) {
            actions.put(j, f -> open.computeIfAbsent(j + "@" + f.slot(), k -> new CompletableFuture<>()));
        }
        return open;
    }

    @Test
    void at_the_limit_wait_mode_runs_every_queued_fire_in_slot_order() {
        engine = newEngine(Runnable::run, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait));
        var open = holdRuns("a/one", "a/two", "a/three");
        engine.upsert(Jobs.every("a/one", "@every 10s"));
        engine.upsert(Jobs.every("a/two", "@every 20s"));
        engine.upsert(Jobs.every("a/three", "@every 30s"));
        at("PT10S");
        at("PT20S");
        at("PT30S");
        assertEquals(List.of("a/one@" + t("PT10S")), fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList());
        assertEquals(4, engine.queuedCount(), "one@20, two@20, one@30, two@... in slot order");
        open.get("a/one@" + t("PT10S")).complete(new RunResult.Succeeded("ok"));
        open.get(fires.get(1).spec().id() + "@" + fires.get(1).slot()).complete(new RunResult.Succeeded("ok"));
        open.get(fires.get(2).spec().id() + "@" + fires.get(2).slot()).complete(new RunResult.Succeeded("ok"));
        open.get(fires.get(3).spec().id() + "@" + fires.get(3).slot()).complete(new RunResult.Succeeded("ok"));
        assertEquals(List.of(t("PT10S"), t("PT20S"), t("PT20S"), t("PT30S"), t("PT30S")), fires.stream().map(Fire::slot).toList(),
                "every queued fire ran, oldest slot first");
        List<FiredExecution> fired = events.of(FiredExecution.class);
        assertEquals(Duration.ZERO, fired.get(0).queued());
        assertEquals(Duration.ofSeconds(10), fired.get(1).queued(), "waited from 20 s to 30 s");
        assertEquals(0, events.of(SkippedExecution.class).size());
    }

    /** gocron#691: a one-time job never ran under a wait-mode limit. Here it waits its turn and runs. */
    @Test
    void a_one_time_job_under_a_limit_of_one_in_wait_mode_runs_when_the_permit_frees() {
        engine = newEngine(Runnable::run, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait));
        var open = holdRuns("a/long");
        engine.upsert(Jobs.every("a/long", "@every 1h"));
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T01:00:30Z\nhttp: {url: http://127.0.0.1:9/x}"));
        at("PT1H");
        at("PT1H30S");
        assertEquals(List.of("a/long"), fires.stream().map(f -> f.spec().id().toString()).toList());
        clock.set(t("PT1H5M"));
        open.get("a/long@" + t("PT1H")).complete(new RunResult.Succeeded("ok"));
        assertEquals(List.of("a/long", "a/once"), fires.stream().map(f -> f.spec().id().toString()).toList());
        assertEquals(Duration.ofSeconds(270), events.of(FiredExecution.class).get(1).queued());
        at("PT3H");
        assertEquals(1, fires.stream().filter(f -> f.spec().id().toString().equals("a/once")).count(), "and never again");
    }

    @Test
    void at_the_limit_skip_mode_skips_and_says_why() {
        engine = newEngine(Runnable::run, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Skip));
        holdRuns("a/one");
        engine.upsert(Jobs.every("a/one", "@every 10s"));
        engine.upsert(Jobs.every("a/two", "@every 10s"));
        at("PT10S");
        assertEquals(1, fires.size());
        SkippedExecution skip = events.of(SkippedExecution.class).get(0);
        assertEquals(SkipReason.LIMIT, skip.reason());
        assertEquals("1 runs already in progress on this replica (limit mode Skip)", skip.detail());
    }

    @Test
    void a_queued_fire_past_its_starting_deadline_is_skipped_and_the_timeout_counts_from_the_start() {
        engine = newEngine(Runnable::run, EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait));
        var open = holdRuns("a/long", "a/strict", "a/patient");
        engine.upsert(Jobs.every("a/long", "@every 1h"));
        engine.upsert(Jobs.every("a/strict", "@every 1h", "startingDeadlineSeconds: 60"));
        engine.upsert(Jobs.every("a/patient", "@every 1h", "timeout: 30s"));
        at("PT1H");
        clock.set(t("PT1H2M"));
        open.get("a/long@" + t("PT1H")).complete(new RunResult.Succeeded("ok"));
        assertEquals(List.of("a/long", "a/patient"), fires.stream().map(f -> f.spec().id().toString()).toList());
        SkippedExecution skip = events.of(SkippedExecution.class).get(0);
        assertEquals(SkipReason.DEADLINE_EXCEEDED, skip.reason());
        assertEquals("waited for the concurrency limit until 120000 ms late, past startingDeadlineSeconds 60", skip.detail());
        at("PT1H2M29S");
        assertEquals(0, events.of(TimedOutExecution.class).size(), "2 minutes queued do not count against a 30 s timeout");
        at("PT1H2M30S");
        assertEquals(1, events.of(TimedOutExecution.class).size());
    }

    /** {@link #gate}, also recording every progress report ({@code dispatched}) in {@code progress}. */
    LeaderGate recordingProgress(List<Instant> progress) {
        return recordingProgress(gate, progress);
    }

    /** {@code decides}' answers, with every progress report recorded in {@code progress}. */
    static LeaderGate recordingProgress(LeaderGate decides, List<Instant> progress) {
        return new LeaderGate() {
            @Override
            public Decision authorise(Instant slot) {
                return decides.authorise(slot);
            }

            @Override
            public void dispatched(Instant through) {
                progress.add(through);
            }
        };
    }

    /**
     * A queued fire skipped past its starting deadline, or whose job was deleted, was deliberately not fired: it is
     * settled, and the progress reported to the gate moves past it (an open slot would hold progress back for the
     * rest of the replica's life, and a successor would take every later slot for uncertain).
     */
    @Test
    void a_queued_fire_skipped_past_its_deadline_is_settled_and_progress_moves_past_it() {
        List<Instant> progress = new CopyOnWriteArrayList<>();
        LeaderGate recording = recordingProgress(progress);
        engine = new Engine(clock, recording, runner, Runnable::run, "replica-a",
                EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait), () -> 0.0);
        engine.addListener(events);
        var open = holdRuns("a/long");
        engine.upsert(Jobs.every("a/long", "@every 1h"));
        engine.upsert(Jobs.every("a/strict", "@every 1h", "startingDeadlineSeconds: 60"));
        at("PT1H");
        clock.set(t("PT1H2M"));
        open.get("a/long@" + t("PT1H")).complete(new RunResult.Succeeded("ok"));
        assertEquals(SkipReason.DEADLINE_EXCEEDED, events.of(SkippedExecution.class).get(0).reason());
        engine.remove(JobId.parse("a/long"));
        at("PT2H");
        assertEquals(List.of("a/long@" + t("PT1H"), "a/strict@" + t("PT2H")),
                fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList());
        assertEquals(t("PT2H"), progress.get(progress.size() - 1), "progress after the skipped slot: " + progress);
    }

    /**
     * A runner whose work leaves the process after {@code start} returns defers the hand-off: until then the slot
     * does not count as started, so progress reported to the gate (the Lease's dispatched-through) stays before it
     * and a replica killed meanwhile leaves it uncertain, not recorded as started.
     */
    @Test
    void progress_waits_until_every_attempt_of_the_slot_has_left_the_process() {
        List<Instant> progress = new CopyOnWriteArrayList<>();
        LeaderGate recording = recordingProgress(progress);
        Map<Instant, CompletableFuture<Void>> handOffs = new ConcurrentHashMap<>();
        ActionRunner deferring = fire -> {
            fires.add(fire);
            handOffs.put(fire.slot(), fire.handOff().defer());
            return new CompletableFuture<>();
        };
        engine = new Engine(clock, recording, deferring, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        engine.upsert(Jobs.every("a/tick", "@every 10s"));
        at("PT10S");
        assertEquals(1, fires.size());
        assertEquals(List.of(), progress, "started, but not yet handed off: not progress");
        handOffs.get(t("PT10S")).complete(null);
        at("PT20S");
        assertEquals(t("PT10S"), progress.get(progress.size() - 1), "handed off: progress through 10 s, not 20 s");
        handOffs.get(t("PT20S")).complete(null);
        at("PT20.5S");
        assertEquals(t("PT20S"), progress.get(progress.size() - 1));
    }

    /**
     * The graceful stop in steps, as a single-threaded simulation takes it: nothing blocks, and the stop is complete
     * only once every attempt the gate let fire has left the process and the final progress covers it.
     */
    @Test
    void a_graceful_stop_can_be_taken_step_by_step_without_waiting() {
        List<Instant> progress = new CopyOnWriteArrayList<>();
        List<Runnable> tasks = new CopyOnWriteArrayList<>();
        engine = new Engine(clock, recordingProgress(progress), runner, tasks::add, "replica-a",
                EngineSettings.DEFAULTS.withLimit(1, EngineSettings.LimitMode.Wait), () -> 0.0);
        engine.addListener(events);
        holdRuns("a/one", "a/two");
        engine.upsert(Jobs.every("a/one", "@every 10s"));
        engine.upsert(Jobs.every("a/two", "@every 10s"));
        at("PT10S");
        assertEquals(1, engine.queuedCount(), "a/two waits for the limit");
        assertEquals(2, engine.startingCount(), "a/one's start is still on the dispatch queue, a/two is queued");
        assertFalse(engine.stopComplete(), "not begun");

        engine.beginStop();
        assertEquals(0, engine.queuedCount());
        assertEquals(1, engine.startingCount());
        assertEquals(List.of("a/two@" + t("PT10S") + ":SkippedExecution(shutting_down)"), events.lines());
        assertFalse(engine.stopComplete(), "a/one has not started yet");
        assertEquals(List.of(), progress);

        tasks.remove(0).run();
        assertTrue(engine.stopComplete());
        assertEquals(List.of("a/one@" + t("PT10S")), fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList());
        assertTrue(progress.isEmpty() || progress.get(progress.size() - 1).isBefore(t("PT10S")),
                "a/two was let fire and not started: the progress of its term stays before it, " + progress);
        at("PT20S");
        assertEquals(1, fires.size(), "no slot is taken after the stop began");
    }

    /**
     * A gate whose claims reach ahead (as with {@code LEASECRON_LEASE_CLAIM_AHEAD} > 0): slots up to {@code claimed}
     * fire in term 7, later ones wait for a claim, which resolves only when the test runs {@code resolvers}.
     */
    LeaderGate claimingAhead(AtomicReference<Instant> claimed, List<Runnable> resolvers, List<Instant> progress) {
        return new LeaderGate() {
            @Override
            public Decision authorise(Instant slot) {
                return slot.isAfter(claimed.get()) ? Decision.PENDING : new Decision.Fire(7);
            }

            @Override
            public void requestClaim(Instant through, Runnable resolved) {
                resolvers.add(resolved);
            }

            @Override
            public void dispatched(Instant through) {
                progress.add(through);
            }
        };
    }

    /**
     * Finding 3 of issue 12. With claims reaching ahead and a stall, job A's backlog fires up to the claim and then
     * waits; job B's slots, claimed as well, wait behind it unstarted. The progress reported must not cover them:
     * after a crash they would count as started by this term, and be lost with no report.
     */
    @Test
    void one_jobs_backlog_does_not_move_progress_past_another_jobs_claimed_unstarted_slots() {
        List<Instant> progress = new CopyOnWriteArrayList<>();
        List<Runnable> resolvers = new CopyOnWriteArrayList<>();
        AtomicReference<Instant> claimed = new AtomicReference<>(t("PT3S"));
        engine = new Engine(clock, claimingAhead(claimed, resolvers, progress), runner, Runnable::run, "replica-a",
                EngineSettings.DEFAULTS, () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.every("a/alpha", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600"));
        engine.upsert(Jobs.every("a/beta", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600"));
        at("PT6.5S"); // the engine stalled since 0 s: six slots of each job are due at once
        assertEquals(List.of("a/alpha@" + t("PT1S"), "a/alpha@" + t("PT2S"), "a/alpha@" + t("PT3S")),
                fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList(), "a/alpha up to the claim; a/beta waits behind it");
        assertTrue(progress.stream().allMatch(p -> p.isBefore(t("PT1S"))),
                "a/beta@1s, 2s and 3s are claimed and not started; progress reported: " + progress);

        claimed.set(t("PT6S"));
        resolvers.forEach(Runnable::run);
        at("PT6.6S");
        assertEquals(12, fires.size());
        assertEquals(t("PT6S"), progress.get(progress.size() - 1));
    }

    /**
     * A new leader's gate in term 8 after a predecessor that recorded slots up to 10 s as started and claimed up to
     * 20 s: it answers for slots as the elector does, every slot after the predecessor's claim is claimed already.
     */
    final LeaderGate successor = slot -> !slot.isAfter(t("PT10S"))
            ? new LeaderGate.Decision.Refused(SkipReason.PREVIOUS_LEADER, "started under an earlier term")
            : !slot.isAfter(t("PT20S")) ? new LeaderGate.Decision.Uncertain(8, "claimed by the previous leader")
            : new LeaderGate.Decision.Fire(8);

    /**
     * Issue 12, finding 1, second line of defence: per term, one decision per (job, slot). A one-time job registered
     * after its time, between a takeover and the recovery of it, is planned twice: once by its registration and once
     * by the recovery. It fires once and goes through the fire path once: no second decision (here: a skip as
     * {@code already_fired}) for the same slot in the same term.
     */
    @Test
    void a_slot_planned_twice_in_one_term_goes_through_the_fire_path_once() {
        engine = new Engine(clock, successor, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        engine.addListener(events);
        clock.set(t("PT1H"));
        engine.recover(new Engine.Takeover(t("PT10S"), t("PT20S")));
        engine.upsert(Jobs.spec("a/once", "runAt: 2026-03-01T00:30:00Z\nhttp: {url: http://127.0.0.1:9/x}"));
        engine.tick();
        assertEquals(List.of("a/once@" + t("PT30M") + ":FiredExecution", "a/once@" + t("PT30M") + ":SucceededExecution"),
                events.lines());
    }

    /** The engine with a gate that refuses as a follower until {@code leader} is set, then answers as it does. */
    Engine followerThen(AtomicReference<LeaderGate> leader) {
        LeaderGate gate = slot -> leader.get() == null
                ? new LeaderGate.Decision.Refused(SkipReason.NOT_LEADER, "this replica does not hold the lease")
                : leader.get().authorise(slot);
        Engine e = new Engine(clock, gate, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        e.addListener(events);
        return e;
    }

    /**
     * Issue 12, finding 6b: {@code startingDeadlineSeconds} holds for an uncertain slot too. Under
     * {@code delivery: AtLeastOnce} a successor fires an uncertain slot again, but not later than the deadline allows:
     * past it, the slot is reported uncertain and skipped as {@code deadline_exceeded}, with the reason.
     */
    @Test
    void an_uncertain_slot_is_not_fired_again_past_its_starting_deadline() {
        AtomicReference<LeaderGate> leader = new AtomicReference<>();
        engine = followerThen(leader);
        engine.upsert(Jobs.every("a/job", "@every 10s", "delivery: AtLeastOnce", "catchUp: All", "startingDeadlineSeconds: 30"));
        at("PT1M"); // a follower: slots up to 1 min refused
        leader.set(successor);
        engine.recover(new Engine.Takeover(t("PT10S"), t("PT20S")));
        events.clear();
        at("PT1M1S");
        List<ExecutionEvent> of20 = events.all().stream().filter(e -> e.slot().equals(t("PT20S"))).toList();
        assertEquals(List.of(new UncertainExecution(JobId.parse("a/job"), t("PT20S"), 8, false, "claimed by the previous leader"),
                new SkippedExecution(JobId.parse("a/job"), t("PT20S"), SkipReason.DEADLINE_EXCEEDED, "claimed by the previous "
                        + "leader; delivery AtLeastOnce fires it again only within startingDeadlineSeconds 30, and it would "
                        + "start 41000 ms late")), of20);
        assertEquals(List.of(t("PT40S"), t("PT50S"), t("PT1M")), fires.stream().map(Fire::slot).toList(),
                "the slots after the claim that catch-up fires");
    }

    /**
     * Issue 12, finding 6c: an edit of the schedule voids the old schedule's slots, including one that came due and
     * waits for its lease claim. It is reported as skipped, with the reason, not dropped without a word.
     */
    @Test
    void a_slot_waiting_for_its_claim_when_the_schedule_is_edited_is_reported_as_skipped() {
        List<Runnable> resolvers = new CopyOnWriteArrayList<>();
        AtomicReference<Instant> claimed = new AtomicReference<>(T0);
        engine = new Engine(clock, claimingAhead(claimed, resolvers, new CopyOnWriteArrayList<>()), runner, Runnable::run,
                "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.every("a/job", "@every 10s"));
        at("PT10S");
        assertEquals(1, resolvers.size(), "10 s waits for its claim");
        clock.set(t("PT10.5S"));
        engine.upsert(Jobs.every("a/job", "@every 15s"));
        claimed.set(t("PT15S"));
        resolvers.forEach(Runnable::run);
        at("PT15S");
        assertEquals(List.of(new SkippedExecution(JobId.parse("a/job"), t("PT10S"), SkipReason.SCHEDULE_CHANGED,
                "the schedule was edited from \"@every 10s\" (UTC) to \"@every 15s\" (UTC) while this slot waited for its "
                        + "lease claim; slots of the old schedule do not fire")), events.of(SkippedExecution.class));
        assertEquals(List.of(t("PT15S")), fires.stream().map(Fire::slot).toList());
        assertEquals("schedule_changed", SkipReason.SCHEDULE_CHANGED.label());
    }

    /**
     * Issue 12, finding 6e: a slot the predecessor claimed is uncertain, even when this replica's catch-up planning
     * would skip it as missed. Here a new leader's engine stalls and its backlog spans slots the predecessor claimed
     * ahead (up to 20 s): those are reported uncertain, and the job's delivery policy decides, as after a recovery.
     */
    @Test
    void a_claimed_slot_that_catch_up_would_skip_as_missed_is_reported_uncertain() {
        engine = new Engine(clock, successor, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS, () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.every("a/most", "@every 5s"));
        engine.upsert(Jobs.every("a/least", "@every 5s", "delivery: AtLeastOnce"));
        at("PT25.5S"); // stalled since 0 s: catch-up (Latest) plans 5 s to 20 s as missed, 25 s to fire
        List<String> most = events.lines().stream().filter(l -> l.startsWith("a/most@")).toList();
        assertEquals(List.of(
                "a/most@" + t("PT5S") + ":SkippedExecution(missed)",
                "a/most@" + t("PT10S") + ":SkippedExecution(missed)",
                "a/most@" + t("PT15S") + ":UncertainExecution",
                "a/most@" + t("PT15S") + ":SkippedExecution(uncertain)",
                "a/most@" + t("PT20S") + ":UncertainExecution",
                "a/most@" + t("PT20S") + ":SkippedExecution(uncertain)",
                "a/most@" + t("PT25S") + ":FiredExecution",
                "a/most@" + t("PT25S") + ":SucceededExecution"), most);
        assertEquals(List.of("a/most@" + t("PT25S"), "a/least@" + t("PT15S"), "a/least@" + t("PT20S"), "a/least@" + t("PT25S")),
                fires.stream().map(f -> f.spec().id() + "@" + f.slot()).toList(), "AtLeastOnce fires the uncertain slots again");
    }

    /**
     * {@code FiredExecution.catchUp}: false for the job's current slot, true for a slot fired while a later one was
     * already due (a backlog after the engine fell behind, a takeover's recovery); a retry keeps its slot's value.
     */
    @Test
    void a_fire_says_whether_it_was_a_catch_up() {
        actions.put("a/flaky", f -> CompletableFuture.completedFuture(
                f.attempt() == 1 ? new RunResult.Failed("HTTP 503") : new RunResult.Succeeded("ok")));
        engine.upsert(Jobs.every("a/min", "@every 1m", "catchUp: All", "startingDeadlineSeconds: 3600"));
        engine.upsert(Jobs.every("a/flaky", "@every 1h", "retry: {attempts: 2, backoff: 10s}"));
        at("PT3M30S"); // stalled: a/min's backlog
        at("PT4M");
        at("PT1H");
        at("PT1H10S");
        assertEquals(List.of("a/min@" + t("PT1M") + " true", "a/min@" + t("PT2M") + " true", "a/min@" + t("PT3M") + " false",
                "a/min@" + t("PT4M") + " false", "a/min@" + t("PT1H") + " false", "a/flaky@" + t("PT1H") + " false",
                "a/flaky@" + t("PT1H") + " false"), events.of(FiredExecution.class).stream()
                .filter(f -> f.slot().isBefore(t("PT5M")) || f.slot().equals(t("PT1H")))
                .map(f -> f.job() + "@" + f.slot() + " " + f.catchUp()).toList());

        AtomicReference<LeaderGate> leader = new AtomicReference<>();
        engine = followerThen(leader);
        events.clear();
        clock.set(T0);
        engine.upsert(Jobs.every("a/job", "@every 5s", "catchUp: All", "startingDeadlineSeconds: 3600"));
        at("PT30S");
        leader.set(successor);
        engine.recover(new Engine.Takeover(t("PT10S"), t("PT20S")));
        at("PT30.5S");
        assertEquals(List.of(t("PT25S") + " true", t("PT30S") + " false"), events.of(FiredExecution.class).stream()
                .map(f -> f.slot() + " " + f.catchUp()).toList(), "recovered after the predecessor's claim");
    }

    // ---------------------------------------------------------------- found by the deterministic simulation

    @Test
    void slots_passed_without_a_lease_are_caught_up_when_the_lease_was_never_claimed() {
        term.set(0); // a follower: the leader of the Lease dies before its first claim
        engine.upsert(Jobs.every("a/all", "@every 1s", "catchUp: All", "startingDeadlineSeconds: 3600"));
        at("PT1S");
        at("PT2S");
        at("PT3S");
        assertEquals(List.of(), fires);
        term.set(1);
        engine.recover(new Engine.Takeover(null, null)); // nothing was ever claimed on the Lease
        at("PT3.5S");
        assertEquals(List.of(t("PT1S"), t("PT2S"), t("PT3S")), fires.stream().map(Fire::slot).toList(),
                "handled by nobody: fired by the catch-up policy, not lost");
    }

    @Test
    void a_fire_queued_for_the_limit_whose_term_ended_is_decided_again_by_the_next_term_of_the_same_replica() {
        AtomicLong leading = new AtomicLong(1);
        // Term 2 is this replica's own, taken back with nobody in between: what term 1 let fire is uncertain.
        LeaderGate own = slot -> leading.get() == 1 ? new LeaderGate.Decision.Fire(1)
                : !slot.isAfter(t("PT1S")) ? new LeaderGate.Decision.Uncertain(2, "let fire in term 1, maybe started")
                : new LeaderGate.Decision.Fire(2);
        CompletableFuture<RunResult> slow = new CompletableFuture<>();
        actions.put("a/slow", f -> slow);
        engine = new Engine(clock, own, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS.withLimit(1,
                EngineSettings.LimitMode.Wait), () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.spec("a/slow", "runAt: \"" + t("PT0.5S") + "\"\nhttp: {url: \"http://127.0.0.1:9/slow\"}\n"));
        engine.upsert(Jobs.every("a/queued", "@every 1s"));
        at("PT0.5S"); // a/slow holds the only permit
        at("PT1S"); // a/queued@1s is let fire in term 1 and waits for the permit
        assertEquals(1, engine.queuedCount());
        leading.set(2); // term 1 ends; the same replica leads again, and its recovery is applied first
        engine.recover(new Engine.Takeover(t("PT0.999S"), t("PT1S")));
        at("PT1.1S");
        slow.complete(new RunResult.Succeeded("done")); // the permit passes: a/queued@1s may no longer start in term 1
        at("PT1.2S");
        assertEquals(List.of(new UncertainExecution(JobId.parse("a/queued"), t("PT1S"), 2, false, "let fire in term 1, maybe started")),
                events.of(UncertainExecution.class), "not lost: reported uncertain by term 2");
    }

    @Test
    void an_attempt_that_timed_out_before_a_dispatch_thread_took_it_is_never_started() {
        List<Runnable> tasks = new CopyOnWriteArrayList<>();
        engine = newEngine(tasks::add);
        engine.upsert(Jobs.spec("a/job", "runAt: \"" + t("PT1S") + "\"\ntimeout: 1s\nhttp: {url: \"http://127.0.0.1:9/job\"}\n"));
        at("PT1S");
        assertEquals(1, tasks.size(), "admitted, waiting for a dispatch thread");
        at("PT3S"); // the dispatch threads were all busy (or the process paused) past the timeout
        assertEquals(1, events.of(TimedOutExecution.class).size());
        tasks.forEach(Runnable::run);
        assertEquals(List.of(), fires, "reported as timed out: its request must not go out afterwards");
        assertEquals(List.of(), events.of(FiredExecution.class));
        assertEquals(0, engine.startingCount());
    }

    @Test
    void a_queued_run_of_an_earlier_term_abandoned_at_a_stop_holds_progress_below_its_slot() {
        List<Instant> progress = new CopyOnWriteArrayList<>();
        AtomicLong leading = new AtomicLong(1);
        LeaderGate recording = recordingProgress(slot -> new LeaderGate.Decision.Fire(leading.get()), progress);
        actions.put("a/slow", f -> new CompletableFuture<>()); // both hold their permit to the end
        engine = new Engine(clock, recording, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS.withLimit(2,
                EngineSettings.LimitMode.Wait), () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.spec("a/slow", "runAt: \"" + t("PT0.5S") + "\"\nhttp: {url: \"http://127.0.0.1:9/slow\"}\n"));
        engine.upsert(Jobs.spec("b/slow", "runAt: \"" + t("PT0.6S") + "\"\nhttp: {url: \"http://127.0.0.1:9/slow\"}\n"));
        actions.put("b/slow", f -> new CompletableFuture<>());
        engine.upsert(Jobs.every("a/queued", "@every 1s"));
        engine.upsert(Jobs.every("a/suspended", "@every 1s", "suspend: true"));
        at("PT0.5S");
        at("PT0.6S");
        at("PT1S"); // a/queued@1s is let fire in term 1 and waits for a permit; a/suspended@1s is settled
        leading.set(2); // the same replica leads again, with nobody in between; its recovery is applied
        engine.recover(new Engine.Takeover(t("PT0.9S"), t("PT1S")));
        at("PT1.5S");
        at("PT2S"); // a/queued@2s is let fire in term 2 and waits too
        engine.beginStop(); // SIGTERM: the queued runs will not start
        assertTrue(engine.stopComplete());
        Instant last = progress.isEmpty() ? null : progress.get(progress.size() - 1);
        assertTrue(last == null || last.isBefore(t("PT1S")), "a/queued@1s never started: progress must stay below it, was " + last);
    }

    @Test
    void a_slot_the_new_term_fired_before_its_recovery_was_applied_is_not_planned_again_by_that_recovery() {
        AtomicLong leading = new AtomicLong(1);
        LeaderGate own = slot -> leading.get() == 1 ? new LeaderGate.Decision.Fire(1)
                : leading.get() == 0 ? new LeaderGate.Decision.Refused(SkipReason.NOT_LEADER, "past the renew deadline")
                : !slot.isAfter(t("PT1S")) ? new LeaderGate.Decision.Uncertain(2, "let fire in term 1, maybe started")
                : new LeaderGate.Decision.Fire(2);
        CompletableFuture<RunResult> slow = new CompletableFuture<>();
        actions.put("a/slow", f -> slow);
        engine = new Engine(clock, own, runner, Runnable::run, "replica-a", EngineSettings.DEFAULTS.withLimit(1,
                EngineSettings.LimitMode.Wait), () -> 0.0);
        engine.addListener(events);
        engine.upsert(Jobs.spec("a/slow", "runAt: \"" + t("PT0.5S") + "\"\nhttp: {url: \"http://127.0.0.1:9/slow\"}\n"));
        engine.upsert(Jobs.every("a/alo", "@every 1s", "delivery: AtLeastOnce"));
        engine.recover(new Engine.Takeover(null, null)); // term 1 begins, as an elector's first acquisition announces it
        at("PT0.5S");
        at("PT1S"); // a/alo@1s is let fire in term 1 and waits for the permit
        leading.set(0); // term 1 lapses: a/alo@2s is refused
        at("PT2S");
        leading.set(2); // the same replica takes its Lease back ...
        slow.complete(new RunResult.Succeeded("done")); // ... a/alo@1s may no longer start in term 1: back to the fire path
        at("PT2.1S"); // a pass runs before the takeover's recovery is applied: term 2 fires a/alo@1s as uncertain
        engine.recover(new Engine.Takeover(t("PT0.999S"), t("PT1S")));
        at("PT2.2S");
        assertEquals(List.of(t("PT0.5S"), t("PT1S"), t("PT2S")), fires.stream().map(Fire::slot).toList(),
                "each slot once in term 2, the uncertain one included: " + events.lines());
    }
}
