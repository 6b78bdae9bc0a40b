package io.leasecron;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.leasecron.control.ManualRuns;
import io.leasecron.control.Pauses;
import io.leasecron.engine.Clock;
import io.leasecron.engine.Engine;
import io.leasecron.engine.EngineSettings;
import io.leasecron.engine.SystemClock;
import io.leasecron.execution.ActionRunners;
import io.leasecron.execution.HttpActionRunner;
import io.leasecron.execution.KubernetesJobRunner;
import io.leasecron.execution.ShellActionRunner;
import io.leasecron.housekeeping.Housekeeping;
import io.leasecron.job.JobSpecParser;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.KubernetesJobPolicy;
import io.leasecron.job.WatchedNamespaces;
import io.leasecron.leader.LeaderStatus;
import io.leasecron.leader.LeaseSettings;
import io.leasecron.observe.ApiRequestCounter;
import io.leasecron.observe.ClusterStatus;
import io.leasecron.observe.JobStatuses;
import io.leasecron.observe.WatchActivity;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/** Builds this process's {@link Replica} from configuration and starts and stops it with the application. */
@ApplicationScoped
public class Lifecycle {
    private static final Logger LOG = Logger.getLogger(Lifecycle.class);

    private final LeasecronConfig config;
    private final LeasecronConfig.Mode mode;
    private final ExecutorService dispatch;
    private final Replica replica;
    private final KubernetesClient client;
    private final Scheduler scheduler;
    private KubernetesJobRunner jobRunner;
    private HttpActionRunner httpRunner;
    private Duration statusFlushInterval;

    public Lifecycle(LeasecronConfig config, MeterRegistry registry, Instance<KubernetesClient> quarkusClient, Scheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        this.mode = config.mode().orElse(System.getenv("KUBERNETES_SERVICE_HOST") != null
                ? LeasecronConfig.Mode.kubernetes : LeasecronConfig.Mode.local);
        this.dispatch = Executors.newFixedThreadPool(config.engine().dispatchThreads(), named("leasecron-dispatch"));
        var settings = new EngineSettings(config.engine().missedThreshold(), config.engine().backlogCap(),
                config.engine().shutdownGrace(), config.engine().maxConcurrentRuns(), config.engine().limitMode());
        String userAgent = "leasecron/" + config.replica();
        boolean shell = config.shell().enabled();
        KubernetesJobPolicy jobPolicy = policy(config.kubernetesJobPolicy());
        Replica.Runners runners = (secrets, k8s, namespace) -> {
            jobRunner = k8s == null ? null : new KubernetesJobRunner(k8s, namespace, jobPolicy);
            httpRunner = new HttpActionRunner(dispatch, userAgent, secrets);
            return new ActionRunners(httpRunner, shell ? new ShellActionRunner(secrets) : null, jobRunner);
        };
        var parts = new Replica.Parts(config.replica(), SystemClock.INSTANCE, settings, config.history().runsPerJob(), registry,
                runners, dispatch, new JobSpecParser.Options(shell, jobPolicy), config.runRetention());
        if (mode == LeasecronConfig.Mode.kubernetes) {
            KubernetesClient base = quarkusClient.get();
            String namespace = config.namespace().filter(n -> !n.isBlank()).orElseGet(() ->
                    Optional.ofNullable(base.getNamespace()).orElse("default"));
            var l = config.lease();
            LeaseSettings lease = new LeaseSettings(namespace, l.name(), config.replica(), l.duration(), l.renewDeadline(),
                    l.retryPeriod(), l.claimAhead());
            WatchedNamespaces namespaces;
            try {
                namespaces = WatchedNamespaces.of(namespace, config.namespaces(), config.namespaceSelector());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            // Only HTTP watch streams pass through interceptors: with WebSocket watches the stall check cannot see them.
            Optional<WatchActivity> activity = config.watches() == LeasecronConfig.WatchTransport.http
                    ? Optional.of(new WatchActivity(SystemClock.INSTANCE)) : Optional.empty();
            this.client = client(base.getConfiguration(), lease, config.watches(), registry, activity);
            var chores = new Housekeeping.Settings(config.clock().checkInterval(), config.clock().maxOffset(),
                    config.watchStallTimeout(), config.jobSweepInterval(), config.podUid());
            ClusterStatus.Settings status;
            try {
                status = new ClusterStatus.Settings(config.status().flushInterval(), config.status().shards());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            this.replica = Replica.kubernetes(parts, client, lease, namespaces, chores, activity, status);
            statusFlushInterval = status.flushInterval();
        } else {
            if (config.namespaces().isPresent() || config.namespaceSelector().isPresent()) {
                LOG.warn("LEASECRON_NAMESPACES and LEASECRON_NAMESPACE_SELECTOR apply in Kubernetes mode only; in local mode"
                        + " jobs come from LEASECRON_JOBS_DIR and their ids are <configmap>/<key>");
            }
            this.client = null;
            this.replica = Replica.local(parts, config.jobsDir());
        }
    }

    /** The policy the operator configured ({@code LEASECRON_KUBERNETES_JOB_POLICY_*}). */
    static KubernetesJobPolicy policy(LeasecronConfig.KubernetesJobPolicyConfig p) {
        return new KubernetesJobPolicy(p.allowedServiceAccounts(), p.allowPrivileged(), p.allowHostNamespaces(), p.allowHostPath(),
                p.allowedCapabilities().orElse(java.util.List.of()), p.allowPrivilegeEscalation(),
                p.allowedImagePrefixes().orElse(java.util.List.of()));
    }

    /**
     * The client the service uses: the configured cluster and credentials, this replica's identity in the
     * User-Agent (so the API server's audit log names the pod), a request timeout shorter than the renew deadline
     * (a hung call must not outlive the lease), no hidden retries (the elector retries on its own schedule), and
     * every request counted in {@code leasecron_api_requests_total}. Watches are HTTP streams unless configured
     * otherwise: this client's Vert.x WebSocket stops delivering after a message that spans several frames (a large
     * ConfigMap), which would silently freeze the job informer (fabric8io/kubernetes-client#7347).
     */
    private static KubernetesClient client(Config base, LeaseSettings lease, LeasecronConfig.WatchTransport watches,
            MeterRegistry registry, Optional<WatchActivity> activity) {
        int timeout = (int) Math.min(base.getRequestTimeout() > 0 ? base.getRequestTimeout() : Long.MAX_VALUE,
                lease.renewDeadline().minus(lease.retryPeriod()).toMillis());
        Config c = new ConfigBuilder(base).withRequestTimeout(timeout).withConnectionTimeout(Math.min(timeout, 5000))
                .withRequestRetryBackoffLimit(0).withUserAgent("leasecron/" + lease.identity())
                .withOnlyHttpWatches(watches == LeasecronConfig.WatchTransport.http).build();
        LOG.infof("Kubernetes API %s, namespace %s, request timeout %d ms, %s watches", c.getMasterUrl(), lease.namespace(), timeout,
                watches);
        ApiRequestCounter counter = new ApiRequestCounter(registry);
        return new KubernetesClientBuilder().withConfig(c)
                .withHttpClientBuilderConsumer(b -> {
                    b.addOrReplaceInterceptor("leasecron-requests", counter);
                    activity.ifPresent(a -> b.addOrReplaceInterceptor("leasecron-watch-activity", a));
                }).build();
    }

    void onStart(@Observes StartupEvent event) {
        if (client != null) {
            var lease = replica.elector().orElseThrow().settings();
            Permissions.check(client, lease.namespace(), replica.namespaces().orElseThrow(), lease.name(), config.status().shards());
        }
        long started = SystemClock.INSTANCE.nanoTime();
        try {
            replica.start(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        replica.housekeeping().ifPresent(this::schedule);
        replica.clusterStatus().ifPresent(s -> every("leasecron-status-flush", statusFlushInterval, s::flush));
        long loadMillis = (SystemClock.INSTANCE.nanoTime() - started) / 1_000_000;
        LOG.infof("leasecron replica %s started in %s mode with %d jobs (%d invalid), loaded in %d ms", config.replica(), mode,
                replica.catalogue().size(), replica.catalogue().count(false), loadMillis);
        // The jobs are loaded, so the replica is ready: building the HTTP client (its TLS set-up) now no longer
        // delays that, and the first fire need not pay for it.
        dispatch.execute(() -> {
            try {
                httpRunner.prepare();
            } catch (RuntimeException e) {
                LOG.warnf("building the HTTP client failed (%s); each HTTP fire will try again and report it", e);
            }
        });
    }

    /**
     * Kubernetes mode's housekeeping on the Quarkus scheduler: per instance, a tick a second, a skipped run when the
     * previous one is still going. Nothing is scheduled in local mode, which has no API server to ask.
     */
    private void schedule(Housekeeping chores) {
        Housekeeping.Settings s = chores.settings();
        every("leasecron-clock-check", s.clockCheckInterval(), chores::checkClock);
        every("leasecron-stalled-watches", s.watchCheckInterval(), chores::checkWatches);
        every("leasecron-job-sweep", s.jobSweepInterval(), chores::sweepJobs);
    }

    private void every(String name, Duration interval, Runnable task) {
        scheduler.newJob(name).setInterval(interval.toString()).setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> task.run()).schedule();
    }

    void onStop(@Observes ShutdownEvent event) {
        int cancelled = replica.shutdown(config.engine().shutdownGrace());
        dispatch.shutdownNow();
        if (jobRunner != null) {
            jobRunner.close();
        }
        if (client != null) {
            client.close();
        }
        LOG.infof("leasecron replica %s stopped; %d attempts cancelled at shutdown", config.replica(), cancelled);
    }

    /** True once the jobs of every source have been loaded at least once (not leadership). */
    public boolean jobsLoaded() {
        return replica.jobsLoaded();
    }

    public LeasecronConfig.Mode mode() {
        return mode;
    }

    /** Kubernetes mode: the service's own client (its timeout, User-Agent and request metrics); empty in local mode. */
    public Optional<KubernetesClient> client() {
        return Optional.ofNullable(client);
    }

    /** Kubernetes mode: the service's namespace and where job ConfigMaps are read; empty in local mode. */
    public Optional<WatchedNamespaces> namespaces() {
        return replica.namespaces();
    }

    /** The election as this replica sees it; empty in local mode. */
    public Optional<LeaderStatus> leader() {
        return replica.elector().map(e -> e.status());
    }

    @Produces
    @Singleton
    Clock clock() {
        return SystemClock.INSTANCE;
    }

    @Produces
    @Singleton
    Engine engine() {
        return replica.engine();
    }

    @Produces
    @Singleton
    JobCatalogue catalogue() {
        return replica.catalogue();
    }

    @Produces
    @Singleton
    JobStatuses statuses() {
        return replica.statuses();
    }

    @Produces
    @Singleton
    ManualRuns manualRuns() {
        return replica.manualRuns();
    }

    @Produces
    @Singleton
    Pauses pauses() {
        return replica.pauses();
    }

    /** Local mode: re-reads the jobs folder now and returns once every change is applied. */
    public void reloadJobs() {
        replica.reloadJobs();
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
