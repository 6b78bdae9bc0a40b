package io.leasecron.observe;

import io.leasecron.engine.Clock;
import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
import io.leasecron.engine.SystemClock;
import io.leasecron.job.JobId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last {@code perJob} finished or skipped slots of each job, newest slot first, and its last schedule and success
 * times, in this process's memory: local mode's {@link JobStatuses}. Memory is bounded: at most {@code perJob}
 * records per job, and a job that never fired holds nothing.
 */
public final class RunHistory implements ExecutionListener, JobStatuses {

    /** One line of history. {@code outcome} is succeeded, failed, timeout or skipped. */
    public record Record(Instant slot, String outcome, String replica, long term, int attempt, Duration duration,
            String detail, boolean willRetry) {
    }

    /** The two times of {@link JobStatuses.Status}; null until known. */
    private record Times(Instant lastScheduleTime, Instant lastSuccessfulTime) {
    }

    private final int perJob;
    private final Clock clock;
    private final Map<JobId, Deque<Record>> byJob = new ConcurrentHashMap<>();
    private final Map<JobId, Times> times = new ConcurrentHashMap<>();

    public RunHistory(int perJob) {
        this(perJob, SystemClock.INSTANCE);
    }

    /** {@code clock} tells when a successful attempt ended ({@code lastSuccessfulTime}). */
    public RunHistory(int perJob, Clock clock) {
        if (perJob < 1) {
            throw new IllegalArgumentException("leasecron.history.runs-per-job must be at least 1, got " + perJob);
        }
        this.perJob = perJob;
        this.clock = clock;
    }

    /**
     * The history line an event becomes, or null for one that is not an outcome (a start, or a follower refusing a
     * slot it does not lead: every follower refuses every slot, which is not the job's history).
     */
    public static Record record(ExecutionEvent event) {
        if (event instanceof ExecutionEvent.SkippedExecution e) {
            if (e.reason() == SkipReason.NOT_LEADER) {
                return null;
            }
            return new Record(e.slot(), "skipped:" + e.reason().label(), null, 0, 0, Duration.ZERO, e.detail(), false);
        } else if (event instanceof ExecutionEvent.UncertainExecution e) {
            return new Record(e.slot(), "uncertain", null, e.term(), 0, Duration.ZERO, e.detail()
                    + (e.refired() ? "; fired again (delivery AtLeastOnce)" : ""), e.refired());
        } else if (event instanceof ExecutionEvent.SucceededExecution e) {
            return new Record(e.slot(), "succeeded", e.replica(), e.term(), e.attempt(), e.duration(), e.detail(), false);
        } else if (event instanceof ExecutionEvent.FailedExecution e) {
            return new Record(e.slot(), "failed", e.replica(), e.term(), e.attempt(), e.duration(), e.error(), e.willRetry());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
            return new Record(e.slot(), "timeout", e.replica(), e.term(), e.attempt(), e.duration(),
                    "cancelled after timeout " + e.timeout().toMillis() + " ms", e.willRetry());
        }
        return null;
    }

    @Override
    public void on(ExecutionEvent event) {
        if (event instanceof ExecutionEvent.FiredExecution f) {
            times.merge(f.job(), new Times(f.slot(), null), RunHistory::later);
        } else if (event instanceof ExecutionEvent.SucceededExecution s) {
            times.merge(s.job(), new Times(null, clock.now()), RunHistory::later);
        }
        Record r = record(event);
        if (r == null) {
            return;
        }
        Deque<Record> q = byJob.computeIfAbsent(event.job(), k -> new ArrayDeque<>(perJob));
        synchronized (q) {
            // Newest slot first, whatever order outcomes arrive in (a later slot may finish first); attempts of
            // one slot newest first.
            List<Record> later = new ArrayList<>();
            while (!q.isEmpty() && newer(q.peekFirst(), r)) {
                later.add(q.pollFirst());
            }
            q.addFirst(r);
            for (int i = later.size() - 1; i >= 0; i--) {
                q.addFirst(later.get(i));
            }
            while (q.size() > perJob) {
                q.removeLast();
            }
        }
    }

    private static Times later(Times a, Times b) {
        return new Times(max(a.lastScheduleTime(), b.lastScheduleTime()), max(a.lastSuccessfulTime(), b.lastSuccessfulTime()));
    }

    static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    private static boolean newer(Record a, Record b) {
        int bySlot = a.slot().compareTo(b.slot());
        return bySlot > 0 || bySlot == 0 && a.attempt() > b.attempt();
    }

    public List<Record> recent(JobId job) {
        Deque<Record> q = byJob.get(job);
        if (q == null) {
            return List.of();
        }
        synchronized (q) {
            return new ArrayList<>(q);
        }
    }

    @Override
    public Status status(JobId job) {
        Times t = times.get(job);
        List<Record> runs = recent(job);
        return t == null && runs.isEmpty() ? Status.NONE
                : new Status(t == null ? null : t.lastScheduleTime(), t == null ? null : t.lastSuccessfulTime(), runs);
    }

    /** Forgets a job that was removed from the catalogue. */
    public void forget(JobId job) {
        byJob.remove(job);
        times.remove(job);
    }
}
