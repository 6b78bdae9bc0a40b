package io.leasecron;

import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.SystemClock;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.job.DirectoryJobSource;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.leader.AlwaysLeaderGate;
import io.leasecron.observe.ExecutionMetrics;
import io.leasecron.observe.RunHistory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Assembles one replica: job source → catalogue → engine → gate → actions, with metrics and history observing
 * the engine, and starts and stops it with the application.
 */
@ApplicationScoped
public class Lifecycle {
    private static final Logger LOG = Logger.getLogger(Lifecycle.class);

    private final LeasecronConfig config;
    private final LeasecronConfig.Mode mode;
    private final ExecutorService dispatch;
    private final Engine engine;
    private final RunHistory history;
    private final JobCatalogue catalogue;
    private DirectoryJobSource source;

    public Lifecycle(LeasecronConfig config, MeterRegistry registry) {
        this.config = config;
        this.mode = config.mode().orElse(System.getenv("KUBERNETES_SERVICE_HOST") != null
                ? LeasecronConfig.Mode.kubernetes : LeasecronConfig.Mode.local);
        this.dispatch = Executors.newFixedThreadPool(config.engine().dispatchThreads(), named("leasecron-dispatch"));
        var settings = new EngineSettings(config.engine().missedThreshold(), config.engine().backlogCap(),
                config.engine().shutdownGrace());
        var runner = new HttpActionRunner(dispatch, "leasecron/" + config.replica());
        this.engine = new Engine(SystemClock.INSTANCE, new AlwaysLeaderGate(), runner, dispatch, config.replica(), settings,
                () -> ThreadLocalRandom.current().nextDouble());
        this.history = new RunHistory(config.history().runsPerJob());
        engine.addListener(new ExecutionMetrics(registry));
        engine.addListener(history);
        engine.addListener(new io.leasecron.observe.ExecutionLog());
        this.catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                engine.upsert(spec);
            }

            @Override
            public void remove(JobId id) {
                engine.remove(id);
                history.forget(id);
            }
        });
        Gauge.builder("leasecron.jobs", catalogue, c -> c.entries().stream().filter(JobCatalogue.Entry::valid).count())
                .tag("state", "valid").description("Jobs known to this replica").register(registry);
        Gauge.builder("leasecron.jobs", catalogue, c -> c.entries().stream().filter(e -> !e.valid()).count())
                .tag("state", "invalid").description("Jobs known to this replica").register(registry);
        Gauge.builder("leasecron.running.fires", engine, Engine::runningCount)
                .description("Attempts in progress on this replica").register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        if (mode == LeasecronConfig.Mode.kubernetes) {
            throw new IllegalStateException("LEASECRON_MODE=kubernetes is not available in this version; "
                    + "run with LEASECRON_MODE=local and LEASECRON_JOBS_DIR pointing at a folder of ConfigMap YAML files");
        }
        source = new DirectoryJobSource(config.jobsDir(), catalogue);
        try {
            source.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        engine.start();
        LOG.infof("leasecron replica %s started in %s mode with %d jobs (%d invalid)", config.replica(), mode,
                catalogue.size(), catalogue.entries().stream().filter(e -> !e.valid()).count());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (source != null) {
            source.close();
        }
        int cancelled = engine.shutdown(config.engine().shutdownGrace());
        dispatch.shutdownNow();
        LOG.infof("leasecron replica %s stopped; %d attempts cancelled at shutdown", config.replica(), cancelled);
    }

    /** True once the jobs of every source have been loaded at least once. */
    public boolean jobsLoaded() {
        return source != null && source.loaded();
    }

    public LeasecronConfig.Mode mode() {
        return mode;
    }

    @Produces
    @Singleton
    io.leasecron.engine.Clock clock() {
        return SystemClock.INSTANCE;
    }

    @Produces
    @Singleton
    Engine engine() {
        return engine;
    }

    @Produces
    @Singleton
    JobCatalogue catalogue() {
        return catalogue;
    }

    @Produces
    @Singleton
    RunHistory history() {
        return history;
    }

    /** Local mode: re-reads the jobs folder now and returns once every change is applied. */
    public void reloadJobs() {
        if (source != null) {
            source.rescan();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
