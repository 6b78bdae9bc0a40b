package io.leasecron;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.leasecron.control.ControlLoop;
import io.leasecron.control.ControlStore;
import io.leasecron.control.KubernetesControlStore;
import io.leasecron.control.ManualRuns;
import io.leasecron.control.MemoryControlStore;
import io.leasecron.control.Pauses;
import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.LeaderGate;
import io.leasecron.execution.ActionRunner;
import io.leasecron.execution.KubernetesJobDryRun;
import io.leasecron.execution.KubernetesJobSweep;
import io.leasecron.execution.KubernetesSecrets;
import io.leasecron.housekeeping.ApiServerDate;
import io.leasecron.housekeeping.ClockCheck;
import io.leasecron.housekeeping.Housekeeping;
import io.leasecron.housekeeping.PodEvents;
import io.leasecron.housekeeping.StalledWatches;
import io.leasecron.job.ConfigMapJobSources;
import io.leasecron.job.JobSpecParser;
import io.leasecron.job.SecretResolver;
import io.leasecron.job.SpecCheck;
import io.leasecron.job.DirectoryJobSource;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.job.WatchedNamespaces;
import io.leasecron.leader.AlwaysLeaderGate;
import io.leasecron.leader.KubernetesLeaseStore;
import io.leasecron.leader.LeaderElector;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.observe.ClusterStatus;
import io.leasecron.observe.ConfigMapShardStore;
import io.leasecron.observe.ExecutionLog;
import io.leasecron.observe.ExecutionMetrics;
import io.leasecron.observe.JobStateMetrics;
import io.leasecron.observe.JobStatuses;
import io.leasecron.observe.KubernetesEvents;
import io.leasecron.observe.LeaderMetrics;
import io.leasecron.observe.RunHistory;
import io.leasecron.observe.StatusShards;
import io.leasecron.observe.TimedLeaseStore;
import io.leasecron.observe.WatchActivity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One replica, assembled: job source → catalogue → engine → gate → actions, with metrics, run history, the fire log
 * and (in Kubernetes mode) Events observing the engine. The same engine in both modes; only the source and the
 * gate differ. Built without CDI, so tests can run several replicas in one JVM and drive them by hand.
 */
public final class Replica implements AutoCloseable {
    private final String identity;
    private final Clock clock;
    private final Engine engine;
    private final JobCatalogue catalogue;
    private final RunHistory history;
    /** Kubernetes mode: job status in the cluster, the same on every replica; null in local mode. */
    private final ClusterStatus status;
    private final LeaderGate gate;
    private final LeaderElector elector;
    private final DirectoryJobSource directory;
    private final ConfigMapJobSources configMaps;
    private final WatchedNamespaces namespaces;
    private final KubernetesEvents events;
    private final Housekeeping housekeeping;
    private final ControlStore control;
    private final Pauses pauses;
    private final ManualRuns manualRuns;
    private final ControlLoop controlLoop;

    /**
     * What both modes share.
     *
     * @param runners builds the actions' runner once the replica knows where Secrets come from (and, in Kubernetes
     *        mode, its client and namespace; null in local mode)
     */
    public record Parts(String identity, Clock clock, EngineSettings engine, int historyRuns, MeterRegistry registry,
            Runners runners, Executor dispatch, JobSpecParser.Options options, Duration runRetention) {

        /** Manual runs kept for an hour after they ended. */
        public Parts(String identity, Clock clock, EngineSettings engine, int historyRuns, MeterRegistry registry, Runners runners,
                Executor dispatch, JobSpecParser.Options options) {
            this(identity, clock, engine, historyRuns, registry, runners, dispatch, options, Duration.ofHours(1));
        }
    }

    /** Builds the runner of every action kind. */
    @FunctionalInterface
    public interface Runners {
        ActionRunner create(SecretResolver secrets, KubernetesClient client, String namespace);
    }

    private Replica(Parts p, LeaderGate gate, LeaderElector elector, Path jobsDir, KubernetesClient client,
            WatchedNamespaces namespaces, Housekeeping.Settings chores, Optional<WatchActivity> activity,
            ClusterStatus.Settings statusSettings) {
        String namespace = namespaces == null ? null : namespaces.own();
        this.namespaces = namespaces;
        this.identity = p.identity();
        this.clock = p.clock();
        this.gate = gate;
        this.elector = elector;
        this.directory = client == null ? new DirectoryJobSource(jobsDir, null) : null;
        SecretResolver secrets = client != null ? new KubernetesSecrets(client, namespace, p.clock()) : directory.secrets();
        this.engine = new Engine(p.clock(), gate, p.runners().create(secrets, client, namespace), p.dispatch(), p.identity(), p.engine(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.history = new RunHistory(p.historyRuns(), p.clock());
        ExecutionMetrics metrics = new ExecutionMetrics(p.clock());
        prometheus(p.registry()).ifPresent(r -> metrics.bindTo(r.getPrometheusRegistry()));
        engine.addListener(metrics);
        engine.addListener(history);
        engine.addListener(new ExecutionLog());
        this.catalogue = new JobCatalogue(new JobCatalogue.Sink() {
            @Override
            public void upsert(JobSpec spec) {
                engine.upsert(spec);
                metrics.register(spec);
            }

            @Override
            public void remove(JobId id) {
                engine.remove(id);
                history.forget(id);
                if (status != null) {
                    status.forget(id);
                }
                metrics.forget(id);
            }
        }, p.options(), client == null ? SpecCheck.NONE : new KubernetesJobDryRun(client, namespace));
        this.control = client == null ? new MemoryControlStore() : new KubernetesControlStore(client, namespace, elector.settings().name());
        this.pauses = new Pauses(control, p.clock());
        engine.pausedBy(pauses);
        this.controlLoop = new ControlLoop(p.clock(), CONTROL_RESYNC);
        ManualRuns.Leadership leadership = elector == null ? () -> Optional.of(new ManualRuns.Term(AlwaysLeaderGate.TERM, null))
                : new TermWatch(elector);
        this.manualRuns = new ManualRuns(control, engine, p.clock(), leadership, p.runRetention(), controlLoop);
        engine.addListener(manualRuns);
        control.onChange(controlLoop::kick);
        JobStateMetrics jobStates = new JobStateMetrics(catalogue, engine);
        prometheus(p.registry()).ifPresent(r -> jobStates.bindTo(r.getPrometheusRegistry()));
        if (directory != null) {
            directory.attach(catalogue);
        }
        if (client != null) {
            this.configMaps = new ConfigMapJobSources(client, namespaces, catalogue);
            this.status = new ClusterStatus(new ConfigMapShardStore(client, namespace, elector.settings().name()),
                    new StatusShards(statusSettings.shards(), p.historyRuns(), StatusShards.DEFAULT_BUDGET), p.clock(),
                    elector::isLeader, id -> catalogue.entry(id).isPresent());
            engine.addListener(status);
            // Catch-up after a takeover covers the jobs the engine knows, and pauses must hold on its first fire: a
            // replica leads only once both are loaded.
            elector.campaignOnlyWhen(() -> configMaps.loaded() && control.synced());
            this.events = new KubernetesEvents(client, namespace, p.identity(), p.clock(), elector::isLeader, configMaps::ref);
            engine.addListener(events);
            catalogue.onRejection(events::rejected);
            catalogue.onScheduled(events::scheduled);
            elector.addListener(new LeaderElector.Listener() {
                @Override
                public void acquired(long term, Engine.Takeover predecessor) {
                    engine.recover(predecessor);
                    events.reportAll(catalogue.entries());
                    controlLoop.kick();
                    status.acquired();
                }
            });
            new LeaderMetrics(elector).bindTo(p.registry());
            this.housekeeping = housekeeping(p, client, namespaces, chores, activity);
        } else {
            this.configMaps = null;
            this.status = null;
            this.events = null;
            this.housekeeping = null;
        }
        Gauge.builder("leasecron.jobs", catalogue, c -> c.count(true)).tag("state", "valid")
                .description("Jobs known to this replica").register(p.registry());
        Gauge.builder("leasecron.jobs", catalogue, c -> c.count(false)).tag("state", "invalid")
                .description("Jobs known to this replica").register(p.registry());
        Gauge.builder("leasecron.running.fires", engine, Engine::runningCount)
                .description("Attempts in progress on this replica").register(p.registry());
        Gauge.builder("leasecron.queued.fires", engine, Engine::queuedCount)
                .description("Fires waiting for this replica's concurrency limit").register(p.registry());
    }

    /** How often manual runs are looked at without a change having been seen. */
    static final Duration CONTROL_RESYNC = Duration.ofSeconds(10);

    /** The term this replica leads in, with the claims it inherited, from the elector's takeovers. */
    private static final class TermWatch implements ManualRuns.Leadership, LeaderElector.Listener {
        private final LeaderElector elector;
        private volatile ManualRuns.Term last;

        TermWatch(LeaderElector elector) {
            this.elector = elector;
            elector.addListener(this);
        }

        @Override
        public void acquired(long term, Engine.Takeover predecessor) {
            last = new ManualRuns.Term(term, predecessor == null ? null : predecessor.claimedUntil());
        }

        @Override
        public Optional<ManualRuns.Term> leading() {
            ManualRuns.Term t = last;
            var s = elector.status();
            return t != null && s.isLeader() && s.term() == t.term() ? Optional.of(t) : Optional.empty();
        }
    }

    /**
     * Kubernetes mode's periodic chores: the clock against the API server's (Events on this replica's Pod), the
     * ConfigMap and Lease watches checked for silence (only when their traffic can be seen: HTTP watches), and the
     * leader's sweep of Kubernetes Jobs.
     */
    private Housekeeping housekeeping(Parts p, KubernetesClient client, WatchedNamespaces namespaces, Housekeeping.Settings chores,
            Optional<WatchActivity> activity) {
        String namespace = namespaces.own();
        ClockCheck clockCheck = new ClockCheck(new ApiServerDate(client), p.clock(), chores.maxClockOffset(),
                new PodEvents(client, namespace, p.identity(), chores.podUid(), p.clock())).bindTo(p.registry());
        StalledWatches watches = new StalledWatches(activity, p.clock(), chores.watchStallTimeout(), p.registry());
        for (String watched : configMaps.watched()) {
            watches.watch("configmaps", watched, () -> configMaps.restart(watched));
        }
        watches.watch("leases", namespace, elector::restartLeaseWatch);
        KubernetesJobSweep sweep = new KubernetesJobSweep(client, namespace, namespaces.all() ? List.of() : namespaces.each(),
                configMaps::admitted, catalogue::entries, p.registry());
        return new Housekeeping(chores, clockCheck, watches, sweep, elector::isLeader);
    }

    /** The Prometheus registry the per-job series are scraped from: the registry itself or one inside a composite. */
    private static Optional<PrometheusMeterRegistry> prometheus(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return Optional.of(p);
        }
        if (registry instanceof CompositeMeterRegistry c) {
            return c.getRegistries().stream().flatMap(r -> prometheus(r).stream()).findFirst();
        }
        return Optional.empty();
    }

    /**
     * Local mode: jobs from a folder of ConfigMap manifests, one replica, always the leader of every slot after its
     * start (see {@link AlwaysLeaderGate}).
     */
    public static Replica local(Parts parts, Path jobsDir) {
        return new Replica(parts, new AlwaysLeaderGate(parts.clock().now()), null, jobsDir, null, null, null, Optional.empty(), null);
    }

    /** Kubernetes mode: jobs from labelled ConfigMaps of the Lease's namespace, leadership from the Lease. */
    public static Replica kubernetes(Parts parts, KubernetesClient client, LeaseSettings lease) {
        return kubernetes(parts, client, lease, WatchedNamespaces.own(lease.namespace()));
    }

    /**
     * Kubernetes mode: jobs from labelled ConfigMaps of {@code namespaces}, leadership from the Lease (in the
     * service's namespace, {@code namespaces.own()}); default housekeeping, no stalled-watch check.
     */
    public static Replica kubernetes(Parts parts, KubernetesClient client, LeaseSettings lease, WatchedNamespaces namespaces) {
        return kubernetes(parts, client, lease, namespaces, Housekeeping.Settings.DEFAULTS, Optional.empty());
    }

    /**
     * Kubernetes mode, with its housekeeping settings; {@code activity}, the interceptor of {@code client} that sees its
     * watch traffic, turns on the stalled-watch check.
     */
    public static Replica kubernetes(Parts parts, KubernetesClient client, LeaseSettings lease, WatchedNamespaces namespaces,
            Housekeeping.Settings chores, Optional<WatchActivity> activity) {
        return kubernetes(parts, client, lease, namespaces, chores, activity, ClusterStatus.Settings.DEFAULTS);
    }

    /** Kubernetes mode, with the settings of the job status kept in the cluster. */
    public static Replica kubernetes(Parts parts, KubernetesClient client, LeaseSettings lease, WatchedNamespaces namespaces,
            Housekeeping.Settings chores, Optional<WatchActivity> activity, ClusterStatus.Settings status) {
        if (!namespaces.own().equals(lease.namespace())) {
            throw new IllegalArgumentException("the Lease is in the service's namespace " + namespaces.own() + ", not "
                    + lease.namespace());
        }
        TimedLeaseStore store = new TimedLeaseStore(new KubernetesLeaseStore(client, lease.namespace(), lease.name()), parts.clock());
        prometheus(parts.registry()).ifPresent(r -> store.bindTo(r.getPrometheusRegistry()));
        LeaderElector elector = new LeaderElector(store, lease, parts.clock());
        return new Replica(parts, elector, elector, null, client, namespaces, chores, activity, status);
    }

    /**
     * Starts the source, then the elector and the engine threads. With {@code threads} false nothing runs by
     * itself: a test calls {@link #step()}. In Kubernetes mode the elector campaigns for the Lease only once the
     * source's first list has reached the engine.
     */
    public void start(boolean threads) throws IOException {
        if (directory != null) {
            directory.start();
        } else {
            control.start();
            status.start();
            configMaps.start();
        }
        if (threads) {
            controlLoop.start(manualRuns);
            if (elector != null) {
                elector.start();
            }
            engine.start();
        } else if (elector != null) {
            elector.watchLease();
        }
    }

    /**
     * One turn of everything time-driven, as the threads would take it (tests): the elector (renew, claim), the
     * engine (fire), then the elector again, which on its thread reacts at once to the claims and progress the
     * engine just reported.
     */
    public void step() {
        if (elector != null) {
            elector.step();
        }
        manualRuns.reconcile();
        engine.tick();
        if (elector != null) {
            elector.step();
            engine.tick();
            elector.step();
        }
    }

    /** True once the jobs of every source have been loaded (on every replica, leader or not). */
    public boolean jobsLoaded() {
        return directory != null ? directory.loaded() : configMaps.loaded() && control.synced();
    }

    /**
     * Graceful stop, for a rolling restart: take no new slot, hand the lease over at once (recording how far
     * slots were started), then let running attempts finish within {@code grace} and cancel the rest. Running
     * attempts need no lease: they were fenced when they started. Returns the number of cancelled attempts.
     */
    public int shutdown(Duration grace) {
        long started = System.nanoTime();
        if (directory != null) {
            directory.close();
        }
        engine.stopTakingSlots(Duration.ofSeconds(1));
        if (elector != null) {
            elector.release();
        }
        Duration left = grace.minusNanos(System.nanoTime() - started);
        int cancelled = engine.shutdown(left.isNegative() ? Duration.ZERO : left);
        if (status != null) {
            status.flush(); // the outcomes of the last attempts, before the replica goes
        }
        close();
        return cancelled;
    }

    /** Stops everything at once, without releasing anything (a crash, for tests). */
    @Override
    public void close() {
        controlLoop.close();
        control.close();
        if (configMaps != null) {
            configMaps.close();
        }
        if (elector != null) {
            elector.close();
        }
        if (events != null) {
            events.close();
        }
        if (status != null) {
            status.close();
        }
    }

    /** Local mode: re-reads the jobs folder now and returns once every change is applied. */
    public void reloadJobs() {
        if (directory != null) {
            directory.rescan();
        }
    }

    public String identity() {
        return identity;
    }

    public Clock clock() {
        return clock;
    }

    public Engine engine() {
        return engine;
    }

    public JobCatalogue catalogue() {
        return catalogue;
    }

    public RunHistory history() {
        return history;
    }

    /** What the API shows of jobs' pasts: this process's run history in local mode, the cluster's in Kubernetes mode. */
    public JobStatuses statuses() {
        return status != null ? status : history;
    }

    /** Kubernetes mode: the job status kept in the cluster (flushed every {@link ClusterStatus.Settings#flushInterval()}). */
    public Optional<ClusterStatus> clusterStatus() {
        return Optional.ofNullable(status);
    }

    public LeaderGate gate() {
        return gate;
    }

    public Optional<LeaderElector> elector() {
        return Optional.ofNullable(elector);
    }

    /** Kubernetes mode's periodic chores; empty in local mode. */
    public Optional<Housekeeping> housekeeping() {
        return Optional.ofNullable(housekeeping);
    }

    /** Where job ConfigMaps are read from; empty in local mode. */
    public Optional<WatchedNamespaces> namespaces() {
        return Optional.ofNullable(namespaces);
    }

    public ManualRuns manualRuns() {
        return manualRuns;
    }

    public Pauses pauses() {
        return pauses;
    }

    public ControlStore control() {
        return control;
    }

    public Optional<KubernetesEvents> events() {
        return Optional.ofNullable(events);
    }
}
