package io.leasecron.bench;

import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.SystemClock;
import io.leasecron.execution.RunResult;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.AlwaysLeaderGate;
import io.leasecron.observe.ExecutionMetrics;
import io.leasecron.observe.RunHistory;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToLongFunction;

/**
 * The production pipeline of one replica: ConfigMap-shaped data through the catalogue into the engine, with the
 * production metrics and run history listening, 8 dispatch threads (the default), the system clock.
 */
final class LeasecronPeer implements Peer {
    private static final int PER_SOURCE = 1000;
    private final ExecutorService dispatch = Executors.newFixedThreadPool(8);
    private volatile Samples samples;
    private volatile ToLongFunction<io.leasecron.execution.Fire> lateness;
    private final Engine engine;
    private final JobCatalogue catalogue;
    private final Map<String, Map<String, String>> sources = new LinkedHashMap<>();

    LeasecronPeer() {
        engine = new Engine(SystemClock.INSTANCE, new AlwaysLeaderGate(), fire -> {
            Samples s = samples;
            if (s != null) {
                s.add(lateness.applyAsLong(fire));
            }
            return CompletableFuture.completedFuture(new RunResult.Succeeded("no-op"));
        }, dispatch, "bench", EngineSettings.DEFAULTS, () -> 0.0);
        ExecutionMetrics metrics = new ExecutionMetrics(SystemClock.INSTANCE).bindTo(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).getPrometheusRegistry());
        engine.addListener(metrics);
        engine.addListener(new RunHistory(20));
        catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                engine.upsert(spec);
                metrics.register(spec);
            }

            @Override
            public void remove(JobId id) {
                engine.remove(id);
            }
        });
        engine.start();
    }

    @Override
    public String name() {
        return "leasecron";
    }

    private static long microsSince(Instant t) {
        return Duration.between(t, Instant.now()).toNanos() / 1000;
    }

    @Override
    public void everyMinuteAtSpreadSeconds(int count, Samples lateness) {
        this.lateness = fire -> microsSince(fire.slot());
        this.samples = lateness;
        add(count, i -> "schedule: \"" + (i % 60) + " * * * * *\"\n");
    }

    @Override
    public void burstAt(int count, Instant at, Samples lateness) {
        this.lateness = fire -> microsSince(at);
        this.samples = lateness;
        add(count, i -> "runAt: " + at + "\n");
    }

    @Override
    public void registerOnly(int count) {
        samples = null;
        add(count, i -> "schedule: \"" + (i % 60) + " " + (i / 60 % 24) + " * * " + (i % 7) + "\"\n");
    }

    private void add(int count, java.util.function.IntFunction<String> schedule) {
        for (int start = 0; start < count; start += PER_SOURCE) {
            Map<String, String> data = new LinkedHashMap<>();
            for (int i = start; i < Math.min(count, start + PER_SOURCE); i++) {
                data.put("job-" + i, schedule.apply(i) + "http: {url: \"http://bench.invalid:8080/hooks/job-" + i + "\"}\n");
            }
            String source = "bench-" + start / PER_SOURCE;
            sources.put(source, data);
            catalogue.apply(source, data);
        }
    }

    @Override
    public void clear() {
        sources.keySet().forEach(catalogue::removeSource);
        sources.clear();
        samples = null;
    }

    @Override
    public void close() {
        engine.shutdown(Duration.ofSeconds(5));
        dispatch.shutdownNow();
    }
}
