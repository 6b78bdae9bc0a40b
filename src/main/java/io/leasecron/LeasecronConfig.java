package io.leasecron;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Service configuration. Every property can be set by its environment variable, e.g. {@code LEASECRON_MODE}. */
@ConfigMapping(prefix = "leasecron")
public interface LeasecronConfig {

    /**
     * {@code kubernetes} or {@code local}. Unset: {@code kubernetes} inside a pod (KUBERNETES_SERVICE_HOST is set),
     * {@code local} anywhere else.
     */
    Optional<Mode> mode();

    /** Identity of this replica: Lease holder, {@code Leasecron-Replica} header, User-Agent suffix. From POD_NAME. */
    String replica();

    /** Local mode: the folder of ConfigMap manifests to read and watch (LEASECRON_JOBS_DIR). */
    @WithDefault("jobs")
    Path jobsDir();

    /**
     * Kubernetes mode: the service's namespace (POD_NAMESPACE), where the Lease is, and the job ConfigMaps unless
     * {@link #namespaces()} is set; unset: the client's.
     */
    Optional<String> namespace();

    /**
     * Kubernetes mode: the namespaces to read job ConfigMaps from, comma-separated, or {@code *} for all
     * (LEASECRON_NAMESPACES). Unset: the service's own namespace, with job ids {@code <configmap>/<key>}; set, even to
     * one namespace, ids are {@code <namespace>/<configmap>/<key>}, so adding a namespace later changes no id.
     */
    Optional<List<String>> namespaces();

    /**
     * Kubernetes mode, with {@code LEASECRON_NAMESPACES=*}: read only the namespaces whose labels match this label
     * selector, e.g. {@code leasecron.io/tenant=true} (LEASECRON_NAMESPACE_SELECTOR); followed live.
     */
    Optional<String> namespaceSelector();

    /** Kubernetes mode: the leader election. */
    LeaseConfig lease();

    /**
     * Kubernetes mode: how ConfigMaps and the Lease are watched (LEASECRON_WATCHES). {@code http}: streamed HTTP
     * responses, as client-go watches. {@code websocket}: only for an API server that serves watches over WebSockets
     * alone (the Fabric8 mock server); with this client, a watch event split over several WebSocket frames (a large
     * ConfigMap) stops that watch until it is restarted (fabric8io/kubernetes-client#7347).
     */
    @WithDefault("http")
    WatchTransport watches();

    enum WatchTransport {
        http, websocket
    }

    /** Kubernetes mode: the clock check against the API server. */
    ClockConfig clock();

    interface ClockConfig {
        /** How often this replica compares its clock with the API server's (LEASECRON_CLOCK_CHECK_INTERVAL). */
        @WithDefault("1m")
        @WithConverter(DurationConverter.class)
        Duration checkInterval();

        /**
         * The offset from the API server's clock beyond which the replica is reported as skewed: a warning and an Event
         * on its Pod (LEASECRON_CLOCK_MAX_OFFSET). Fencing does not depend on clocks; a skewed one fires slots early or late.
         */
        @WithDefault("2s")
        @WithConverter(DurationConverter.class)
        Duration maxOffset();
    }

    /**
     * Kubernetes mode: a watch (ConfigMaps, the Lease) that delivers nothing, not even a bookmark, for this long is
     * restarted (LEASECRON_WATCH_STALL_TIMEOUT). The API server sends a bookmark about every minute on a quiet watch.
     */
    @WithDefault("3m")
    @WithConverter(DurationConverter.class)
    Duration watchStallTimeout();

    /** How long a manual run's record is kept after it ended (LEASECRON_RUN_RETENTION); then the leader deletes it. */
    @WithDefault("1h")
    @WithConverter(DurationConverter.class)
    Duration runRetention();

    /** Kubernetes mode: how often the leader sweeps the Kubernetes Jobs it created (LEASECRON_JOB_SWEEP_INTERVAL). */
    @WithDefault("10m")
    @WithConverter(DurationConverter.class)
    Duration jobSweepInterval();

    /** This replica's Pod uid (POD_UID, from the Downward API), so that Events on the Pod show in kubectl describe pod. */
    Optional<String> podUid();

    /** Engine tuning. */
    EngineConfig engine();

    /** Shell actions. */
    ShellConfig shell();

    interface ShellConfig {
        /**
         * Whether jobs may run programs on the replica's host ({@code shell} actions, LEASECRON_SHELL_ENABLED). Off by
         * default: with it on, anyone who may edit a job ConfigMap may run commands as the service.
         */
        @WithDefault("false")
        boolean enabled();
    }

    /** What {@code kubernetesJob} templates may ask for (docs/rbac.md, "What a job may ask for"). */
    KubernetesJobPolicyConfig kubernetesJobPolicy();

    /**
     * Each rule refuses, by default, what a pod could use to gain rights its author does not have; a template asking
     * for more is listed invalid with the rule named, and checked again before each Job is created.
     */
    interface KubernetesJobPolicyConfig {
        /**
         * Service accounts the pods may run as, comma-separated, {@code *} for any
         * (LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS). A template that names none runs as {@code default}.
         */
        @WithDefault("default")
        List<String> allowedServiceAccounts();

        /** Privileged (and Windows host-process) containers (LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGED). */
        @WithDefault("false")
        boolean allowPrivileged();

        /** hostNetwork, hostPID and hostIPC (LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_NAMESPACES). */
        @WithDefault("false")
        boolean allowHostNamespaces();

        /** hostPath volumes (LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH). */
        @WithDefault("false")
        boolean allowHostPath();

        /**
         * Linux capabilities containers may add, comma-separated, {@code *} for any; unset: none
         * (LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES).
         */
        Optional<List<String>> allowedCapabilities();

        /** Containers with allowPrivilegeEscalation: true (LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGE_ESCALATION). */
        @WithDefault("false")
        boolean allowPrivilegeEscalation();

        /**
         * Image prefixes, comma-separated, e.g. {@code registry.example.com/team/}; unset: any image
         * (LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES).
         */
        Optional<List<String>> allowedImagePrefixes();
    }

    /** Who may call the REST API (docs/rbac.md, "Who may call the API"). */
    ApiConfig api();

    /**
     * Mutations (trigger, pause, resume, ad-hoc runs) always need a caller: in Kubernetes mode a bearer token the API
     * server accepts (TokenReview) whose user RBAC allows the verb on {@code leasecron.io/jobs} (SubjectAccessReview);
     * in local mode {@link #token()}. Reads are open unless {@link #reads()} says otherwise.
     */
    interface ApiConfig {
        /**
         * Local mode: the bearer token that mutations (and reads, with {@code LEASECRON_API_READS=authenticated}) must
         * send (LEASECRON_API_TOKEN); unset, mutations are refused with 401. Ignored in Kubernetes mode, where callers
         * send their own Kubernetes tokens.
         */
        Optional<String> token();

        /**
         * {@code open}: anyone who reaches the port may read (GET, POST /api/v1/preview); {@code authenticated}: reads
         * need a bearer token too, any identity the API server accepts (or {@link #token()} in local mode), with no
         * RBAC check (LEASECRON_API_READS).
         */
        @WithDefault("open")
        Reads reads();

        /**
         * How long a TokenReview or SubjectAccessReview answer is reused for the same token and request
         * (LEASECRON_API_AUTH_CACHE_TTL); {@code 0s} asks the API server every time. A revoked binding or token may
         * still be honoured this long.
         */
        @WithDefault("10s")
        @WithConverter(DurationConverter.class)
        Duration authCacheTtl();
    }

    enum Reads {
        open, authenticated
    }

    /** Run history kept in memory per job. */
    HistoryConfig history();

    /** Kubernetes mode: job status kept in ConfigMaps of the service's namespace (docs/architecture.md#job-status). */
    StatusConfig status();

    interface StatusConfig {
        /**
         * How often changed status is written (LEASECRON_STATUS_FLUSH_INTERVAL): at most one write per changed shard per
         * interval; other replicas show a run up to this much (plus the watch's latency) after the one that fired it.
         */
        @WithDefault("5s")
        @WithConverter(DurationConverter.class)
        Duration flushInterval();

        /**
         * How many ConfigMaps {@code <lease>-status-<n>} hold the status (LEASECRON_STATUS_SHARDS), each at most 512 KiB
         * of data; more shards keep more runs per job when there are thousands of jobs (docs/architecture.md#job-status).
         */
        @WithDefault("16")
        int shards();
    }

    enum Mode {
        kubernetes, local
    }

    /** Validated together at startup by {@code LeaseSettings}, with messages that state the rule. */
    interface LeaseConfig {
        /** The Lease's name (LEASECRON_LEASE_NAME). */
        @WithDefault("leasecron")
        String name();

        /** Followers take over after seeing no change of the Lease for this long (LEASECRON_LEASE_DURATION). */
        @WithDefault("15s")
        @WithConverter(DurationConverter.class)
        Duration duration();

        /** The leader stops firing when it has not renewed for this long (LEASECRON_RENEW_DEADLINE). */
        @WithDefault("10s")
        @WithConverter(DurationConverter.class)
        Duration renewDeadline();

        /** How often the leader renews and followers look (LEASECRON_RETRY_PERIOD). */
        @WithDefault("2s")
        @WithConverter(DurationConverter.class)
        Duration retryPeriod();

        /**
         * How far past a batch of due slots one claim reaches (LEASECRON_LEASE_CLAIM_AHEAD). 0: each batch is
         * claimed as it comes due, so a crash leaves at most the milliseconds between a claim and its dispatch
         * uncertain; more: fewer Lease writes, and up to this much of the schedule uncertain after a crash.
         */
        @WithDefault("0s")
        @WithConverter(DurationConverter.class)
        Duration claimAhead();
    }

    interface EngineConfig {
        /** Under {@code catchUp: None}, a slot later than this counts as missed and is not fired. */
        @WithDefault("5s")
        @WithConverter(DurationConverter.class)
        Duration missedThreshold();

        /** Most slots of one job enumerated at once after the engine fell far behind. */
        @WithDefault("10000")
        int backlogCap();

        /** On shutdown, how long attempts in progress may run before they are cancelled. */
        @WithDefault("25s")
        @WithConverter(DurationConverter.class)
        Duration shutdownGrace();

        /** Most attempts running at once on this replica, all jobs together; 0 for no limit. */
        @WithDefault("0")
        int maxConcurrentRuns();

        /** At that limit: {@code Wait} queues fires in slot order and runs every one; {@code Skip} skips and reports them. */
        @WithDefault("Wait")
        io.leasecron.engine.EngineSettings.LimitMode limitMode();

        /** Threads that start attempts. Actions are non-blocking, so a few threads serve many jobs. */
        @WithDefault("8")
        int dispatchThreads();
    }

    interface HistoryConfig {
        /** Finished or skipped slots remembered per job, newest first (in Kubernetes mode, stored per job). */
        @WithDefault("20")
        int runsPerJob();
    }
}
