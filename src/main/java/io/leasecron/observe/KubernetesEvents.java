package io.leasecron.observe;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventSourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.engine.Clock;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.job.ConfigMapJobSource;
import io.leasecron.job.JobCatalogue;
import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.schedule.ScheduleDescriber;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on a job's ConfigMap, in the ConfigMap's namespace, so that {@code kubectl describe configmap}
 * tells what went wrong: {@code InvalidJobSpec} for a rejected edit (naming, in words, the schedule of the last valid
 * version if it keeps running), {@code UncertainSlot} for a slot a crashed leader may not have started,
 * {@code JobFailing} when a job that was succeeding fails; and one {@code Normal} Event, {@code JobScheduled}, when a
 * job is added or its spec changes, saying in words when it now runs.
 *
 * <p>Only the leader emits, so three replicas seeing the same broken edit make one Event, not three. Each Event's
 * name is derived from what it reports (job, ConfigMap version and problem; or job and slot), so a new leader
 * that reports the same thing again is refused by the API server as a duplicate: exactly one Event per fact.
 * Events are sent from one background thread; a slow or failing API never delays the engine or the catalogue.
 */
public final class KubernetesEvents implements ExecutionListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesEvents.class);
    private static final int MAX_MESSAGE = 1024;
    private static final int QUEUE = 1000;

    private final KubernetesClient client;
    private final String namespace;
    private final String replica;
    private final Clock clock;
    private final BooleanSupplier leader;
    private final Function<JobId, Optional<ConfigMapJobSource.Ref>> configMaps;
    private final ArrayBlockingQueue<Runnable> queue = new ArrayBlockingQueue<>(QUEUE);
    private final ExecutorService sender;
    private final Set<JobId> failing = ConcurrentHashMap.newKeySet();
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();

    public KubernetesEvents(KubernetesClient client, String namespace, String replica, Clock clock, BooleanSupplier leader,
            Function<JobId, Optional<ConfigMapJobSource.Ref>> configMaps) {
        this.client = client;
        this.namespace = namespace;
        this.replica = replica;
        this.clock = clock;
        this.leader = leader;
        this.configMaps = configMaps;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, queue, r -> {
            Thread t = new Thread(r, "leasecron-events");
            t.setDaemon(true);
            return t;
        }, (r, pool) -> {
            failures.incrementAndGet();
            LOG.warn("too many Kubernetes Events queued; one was dropped (the log has the same information)");
        });
    }

    /** A rejected spec, from the catalogue. */
    public void rejected(JobCatalogue.Rejection r) {
        if (!leader.getAsBoolean()) {
            return;
        }
        Optional<ConfigMapJobSource.Ref> cm = configMaps.apply(r.id());
        String version = cm.map(ConfigMapJobSource.Ref::resourceVersion).orElse("");
        send(r.id(), "InvalidJobSpec", r.error().getMessage() + consequence(r.kept()),
                "invalid\n" + r.id() + "\n" + version + "\n" + r.error().getMessage());
    }

    /**
     * A new or changed valid spec, from the catalogue: one Event per ConfigMap version and job. It is not repeated
     * by a new leader or a resync (the catalogue reports only changed text), and it gives way to the warnings: when
     * half of the send queue is taken (a new ConfigMap with thousands of keys), it is logged instead.
     */
    public void scheduled(JobSpec spec) {
        if (!leader.getAsBoolean()) {
            return;
        }
        String version = configMaps.apply(spec.id()).map(ConfigMapJobSource.Ref::resourceVersion).orElse("");
        String what = (spec.oneTime() ? "runAt " : "schedule ") + "\"" + spec.scheduleText() + "\": "
                + ScheduleDescriber.describe(spec.schedule(), spec.cronType()) + (spec.suspend() ? " (suspended)" : "");
        if (queue.remainingCapacity() < QUEUE / 2) {
            LOG.infof("%s: %s (no JobScheduled Event: the Event queue is busy)", spec.id(), what);
            return;
        }
        send(spec.id(), "Normal", "JobScheduled", what, "scheduled\n" + spec.id() + "\n" + version);
    }

    /** A new leader reports every job that is invalid now; those already reported are refused as duplicates. */
    public void reportAll(Iterable<JobCatalogue.Entry> entries) {
        for (JobCatalogue.Entry e : entries) {
            if (!e.valid()) {
                Optional<ConfigMapJobSource.Ref> cm = configMaps.apply(e.id());
                String version = cm.map(ConfigMapJobSource.Ref::resourceVersion).orElse("");
                String message = e.error().orElse("");
                send(e.id(), "InvalidJobSpec", message + consequence(e.active()),
                        "invalid\n" + e.id() + "\n" + version + "\n" + message);
            }
        }
    }

    /** What still runs after a rejected edit, with the kept version's schedule in words. */
    static String consequence(Optional<JobSpec> kept) {
        return kept.map(s -> " (the last valid version keeps running: " + ScheduleDescriber.describe(s.schedule(), s.cronType()) + ")")
                .orElse(" (the job is not scheduled)");
    }

    @Override
    public void on(ExecutionEvent event) {
        if (event instanceof ExecutionEvent.SucceededExecution e) {
            failing.remove(e.job());
            return;
        }
        if (!leader.getAsBoolean()) {
            return;
        }
        if (event instanceof ExecutionEvent.UncertainExecution e) {
            send(e.job(), "UncertainSlot", "slot " + e.slot() + ": " + e.detail() + (e.refired()
                    ? "; fired again (delivery AtLeastOnce, same Idempotency-Key)" : "; not fired again (delivery AtMostOnce)"),
                    "uncertain\n" + e.job() + "\n" + e.slot());
        } else if (event instanceof ExecutionEvent.FailedExecution e && !e.willRetry() && failing.add(e.job())) {
            send(e.job(), "JobFailing", "slot " + e.slot() + " failed on " + e.replica() + " after " + e.attempt()
                    + " attempt(s): " + e.error(), "failing\n" + e.job() + "\n" + e.slot());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e && !e.willRetry() && failing.add(e.job())) {
            send(e.job(), "JobFailing", "slot " + e.slot() + " timed out on " + e.replica() + " after " + e.timeout().toMillis()
                    + " ms", "failing\n" + e.job() + "\n" + e.slot());
        }
    }

    private void send(JobId job, String reason, String message, String identity) {
        send(job, "Warning", reason, message, identity);
    }

    private void send(JobId job, String type, String reason, String message, String identity) {
        Instant now = clock.now().truncatedTo(ChronoUnit.SECONDS);
        sender.execute(() -> create(job, type, reason, message, identity, now));
    }

    private void create(JobId job, String type, String reason, String message, String identity, Instant at) {
        Optional<ConfigMapJobSource.Ref> cm = configMaps.apply(job);
        String namespace = job.namespaceOr(this.namespace);
        String name = job.source().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-") + "." + hash(identity);
        String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 1) + "…" : message;
        var ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withNamespace(namespace)
                .withName(job.source()).withFieldPath("data." + job.name());
        cm.ifPresent(r -> ref.withUid(r.uid()).withResourceVersion(r.resourceVersion()));
        var event = new EventBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withInvolvedObject(ref.build()).withReason(reason).withMessage(text).withType(type)
                .withFirstTimestamp(at.toString()).withLastTimestamp(at.toString()).withCount(1)
                .withSource(new EventSourceBuilder().withComponent("leasecron").withHost(replica).build())
                .withReportingComponent("leasecron").withReportingInstance(replica).build();
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
            emitted.incrementAndGet();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return; // reported before, by this leader or an earlier one
            }
            failures.incrementAndGet();
            LOG.warnf("%s: could not create the %s Event (HTTP %d: %s); the log line above has the same information", job,
                    reason, e.getCode(), e.getMessage());
        }
    }

    private static String hash(String identity) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long emitted() {
        return emitted.get();
    }

    public long failures() {
        return failures.get();
    }

    /** Waits (at most {@code millis}) for queued Events to be sent. */
    public void flush(long millis) {
        try {
            sender.submit(() -> { }).get(millis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.debug("flushing events", e);
        }
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
