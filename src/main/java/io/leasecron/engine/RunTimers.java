package io.leasecron.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When run supervision must act next: the timeout of every running attempt and the time of every scheduled retry,
 * earliest first. It holds times only; it never reads a clock, so whoever takes what is due decides what "now" is.
 */
final class RunTimers {
    /** Attempts in progress by timeout; a finished attempt leaves at once, so this holds only what is running. */
    private final ConcurrentSkipListSet<Run> deadlines = new ConcurrentSkipListSet<>(
            Comparator.comparing((Run r) -> r.deadline).thenComparingLong(r -> r.seq));
    /** Retries waiting for their time (under this object's monitor). */
    private final PriorityQueue<Retry> retries = new PriorityQueue<>();
    private final AtomicLong sequence = new AtomicLong();

    private record Retry(Instant time, long seq, Run previous) implements Comparable<Retry> {
        @Override
        public int compareTo(Retry o) {
            int c = time.compareTo(o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** A sequence number, to order runs with equal times in the order they were created. */
    long nextSeq() {
        return sequence.incrementAndGet();
    }

    void addDeadline(Run run) {
        deadlines.add(run);
    }

    void removeDeadline(Run run) {
        deadlines.remove(run);
    }

    /** Takes every attempt whose timeout is at or before {@code now} and has not ended yet. */
    List<Run> expired(Instant now) {
        List<Run> out = new ArrayList<>(0);
        for (Run first = firstDeadline(); first != null && !first.deadline.isAfter(now); first = firstDeadline()) {
            Run r = deadlines.pollFirst();
            if (r != null && !r.finished.get()) {
                out.add(r);
            }
        }
        return out;
    }

    /** The attempt after {@code previous} is due at {@code time}. */
    synchronized void addRetry(Instant time, Run previous) {
        retries.add(new Retry(time, nextSeq(), previous));
    }

    /** Takes the attempts whose retry is due at {@code now}: the previous attempt of each. */
    synchronized List<Run> dueRetries(Instant now) {
        List<Run> out = new ArrayList<>(0);
        while (!retries.isEmpty() && !retries.peek().time().isAfter(now)) {
            out.add(retries.poll().previous());
        }
        return out;
    }

    /** When the earliest timeout or retry is due, or null if none is. */
    Instant nextTime() {
        Instant next;
        synchronized (this) {
            next = retries.isEmpty() ? null : retries.peek().time();
        }
        Run first = firstDeadline();
        if (first != null && (next == null || first.deadline.isBefore(next))) {
            next = first.deadline;
        }
        return next;
    }

    /**
     * The attempt whose timeout comes first, or null. Attempts leave from other threads (as they finish), so the set
     * may empty between a check and a read: never {@code isEmpty()} then {@code first()}.
     */
    private Run firstDeadline() {
        try {
            return deadlines.first();
        } catch (NoSuchElementException empty) {
            return null;
        }
    }
}
