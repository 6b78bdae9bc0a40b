package io.leasecron.observe;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import io.leasecron.engine.SkipReason;
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
 * The last {@code perJob} finished or skipped slots of each job, newest slot first. Memory is bounded: at most
 * {@code perJob} records per job, and a job that never fired holds nothing.
 */
public final class RunHistory implements ExecutionListener {

    /** One line of history. {@code outcome} is succeeded, failed, timeout or skipped. */
    public record Record(Instant slot, String outcome, String replica, long term, int attempt, Duration duration,
            String detail, boolean willRetry) {
    }

    private final int perJob;
    private final Map<JobId, Deque<Record>> byJob = new ConcurrentHashMap<>();

    public RunHistory(int perJob) {
        if (perJob < 1) {
            throw new IllegalArgumentException("leasecron.history.runs-per-job must be at least 1, got " + perJob);
        }
        this.perJob = perJob;
    }

    @Override
    public void on(ExecutionEvent event) {
        Record r;
        if (event instanceof ExecutionEvent.SkippedExecution e) {
            if (e.reason() == SkipReason.NOT_LEADER) {
                return; // every follower refuses every slot: that is not this job's history
            }
            r = new Record(e.slot(), "skipped:" + e.reason().label(), null, 0, 0, Duration.ZERO, e.detail(), false);
        } else if (event instanceof ExecutionEvent.UncertainExecution e) {
            r = new Record(e.slot(), "uncertain", null, e.term(), 0, Duration.ZERO, e.detail()
                    + (e.refired() ? "; fired again (delivery AtLeastOnce)" : ""), e.refired());
        } else if (event instanceof ExecutionEvent.SucceededExecution e) {
            r = new Record(e.slot(), "succeeded", e.replica(), e.term(), e.attempt(), e.duration(), e.detail(), false);
        } else if (event instanceof ExecutionEvent.FailedExecution e) {
            r = new Record(e.slot(), "failed", e.replica(), e.term(), e.attempt(), e.duration(), e.error(), e.willRetry());
        } else if (event instanceof ExecutionEvent.TimedOutExecution e) {
            r = new Record(e.slot(), "timeout", e.replica(), e.term(), e.attempt(), e.duration(),
                    "cancelled after timeout " + e.timeout().toMillis() + " ms", e.willRetry());
        } else {
            r = null;
        }
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

    /** Forgets a job that was removed from the catalogue. */
    public void forget(JobId job) {
        byJob.remove(job);
    }
}
