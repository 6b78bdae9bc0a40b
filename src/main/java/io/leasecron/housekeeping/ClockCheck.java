package io.leasecron.housekeeping;

import io.leasecron.engine.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Compares this replica's wall clock with the API server's: one request per check, its {@code Date} header against
 * the local time around it. Fencing does not depend on this (see docs/leader-election.md); a skewed clock only fires
 * slots early or late, which is what this reports.
 *
 * <p>What one sample can tell: the server wrote {@code Date} (truncated to the second, so its true time was in
 * {@code [D, D+1s)}) at some local instant between sending and receiving, so the offset (local minus server) lies in
 * {@code (sent - D - 1s, received - D]}. {@code leasecron_clock_offset_seconds} is the middle of that interval, good
 * to ±(0.5 s + half the round trip). The replica is reported as skewed only when the whole interval lies beyond the
 * bound: a clock within the bound is never reported, whatever the truncation and the round trip.
 *
 * <p>Reporting is per excursion: a warning and one {@code ClockSkew} Event when the offset goes beyond the bound, an
 * info line when it is back within; checks in between change only the gauge.
 */
public final class ClockCheck {
    private static final Logger LOG = Logger.getLogger(ClockCheck.class);
    private static final Duration RESOLUTION = Duration.ofSeconds(1);

    /** Where a skew is reported besides the log: a Kubernetes Event (see {@link PodEvents}). */
    @FunctionalInterface
    public interface Reporter {
        /** {@code key} names the excursion: reporting the same key twice must make one Event. */
        void clockSkew(String message, String key);
    }

    /** One comparison: the offset interval in nanoseconds (local minus server) and the round trip it came from. */
    public record Sample(long lowNanos, long highNanos, Duration roundTrip) {
        public double offsetSeconds() {
            return (lowNanos + highNanos) / 2e9;
        }

        /** True when every offset this sample allows is beyond {@code bound} in either direction. */
        public boolean beyond(Duration bound) {
            return lowNanos > bound.toNanos() || highNanos < -bound.toNanos();
        }
    }

    private final ServerDate server;
    private final Clock clock;
    private final Duration bound;
    private final Reporter reporter;
    private volatile double offsetSeconds = Double.NaN;
    private Instant excursionSince;

    public ClockCheck(ServerDate server, Clock clock, Duration bound, Reporter reporter) {
        if (bound.isNegative() || bound.isZero()) {
            throw new IllegalArgumentException("the clock offset bound must be positive, got " + bound);
        }
        this.server = server;
        this.clock = clock;
        this.bound = bound;
        this.reporter = reporter;
    }

    /** Registers {@code leasecron_clock_offset_seconds}: NaN until the first answer, then the latest offset. */
    public ClockCheck bindTo(MeterRegistry registry) {
        Gauge.builder("leasecron.clock.offset.seconds", this, c -> c.offsetSeconds)
                .description("This replica's wall clock minus the API server's (Date header, ±0.5 s plus half the round trip)")
                .register(registry);
        return this;
    }

    /** One check: one request, the gauge, and a report when an excursion beyond the bound begins or ends. */
    public synchronized Sample check() throws Exception {
        Instant sent = clock.now();
        long start = clock.nanoTime();
        Instant date = server.fetch();
        Duration roundTrip = Duration.ofNanos(clock.nanoTime() - start);
        Instant received = sent.plus(roundTrip);
        Sample s = new Sample(Duration.between(date.plus(RESOLUTION), sent).toNanos(), Duration.between(date, received).toNanos(),
                roundTrip);
        offsetSeconds = s.offsetSeconds();
        if (s.beyond(bound) && excursionSince == null) {
            excursionSince = sent;
            String message = String.format(java.util.Locale.ROOT,
                    "this replica's clock is %+.1f s off the API server's (±%.1f s; bound %d ms): it fires slots %s; fix its time"
                            + " synchronisation (NTP). Fencing still keeps every slot to one fire.",
                    s.offsetSeconds(), (RESOLUTION.toNanos() + roundTrip.toNanos()) / 2e9, bound.toMillis(),
                    s.offsetSeconds() > 0 ? "early" : "late");
            LOG.warn(message);
            reporter.clockSkew(message, "clock-skew\n" + sent.getEpochSecond());
        } else if (!s.beyond(bound) && excursionSince != null) {
            LOG.infof("this replica's clock is back within %d ms of the API server's (offset %+.1f s), off since %s", bound.toMillis(),
                    s.offsetSeconds(), excursionSince);
            excursionSince = null;
        }
        return s;
    }

    /** The latest offset in seconds (local minus server), NaN before the first answer. */
    public double offsetSeconds() {
        return offsetSeconds;
    }
}
