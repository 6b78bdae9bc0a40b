package io.leasecron.leader;

import io.leasecron.schedule.Durations;
import java.time.Duration;
import java.util.Objects;

/**
 * How this replica takes part in the election, validated up front with messages that state the rule (as client-go
 * does).
 *
 * @param namespace where the Lease lives
 * @param name the Lease ({@code LEASECRON_LEASE_NAME})
 * @param identity this replica: the Lease {@code holderIdentity} ({@code POD_NAME})
 * @param leaseDuration how long followers wait, from the last change they saw, before taking over
 *        ({@code LEASECRON_LEASE_DURATION}); whole seconds, as the Lease stores it
 * @param renewDeadline how long the leader keeps firing without a successful renewal ({@code LEASECRON_RENEW_DEADLINE})
 * @param retryPeriod how often the leader renews and followers look ({@code LEASECRON_RETRY_PERIOD})
 * @param claimAhead how far beyond a batch of due slots a claim reaches; 0 claims exactly the batch (see
 *        docs/leader-election.md: more means fewer Lease writes and more uncertain slots after a crash)
 */
public record LeaseSettings(String namespace, String name, String identity, Duration leaseDuration, Duration renewDeadline,
        Duration retryPeriod, Duration claimAhead) {
    /** client-go's JitterFactor: the renew deadline must leave room for more than one retry. */
    static final double JITTER = 1.2;

    public LeaseSettings {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        if (identity == null || identity.isBlank()) {
            throw new IllegalArgumentException("the replica identity is empty; set POD_NAME (the Downward API's metadata.name)");
        }
        if (name.isBlank() || !name.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || name.length() > 253) {
            throw new IllegalArgumentException("LEASECRON_LEASE_NAME \"" + name + "\" is not a valid Lease name; use lower-case letters, digits, '-' and '.'");
        }
        if (retryPeriod.isNegative() || retryPeriod.isZero()) {
            throw new IllegalArgumentException("LEASECRON_RETRY_PERIOD must be positive, got " + Durations.format(retryPeriod));
        }
        if (renewDeadline.toMillis() <= JITTER * retryPeriod.toMillis()) {
            throw new IllegalArgumentException("LEASECRON_RENEW_DEADLINE must be greater than " + JITTER + " x LEASECRON_RETRY_PERIOD: "
                    + Durations.format(renewDeadline) + " is not greater than " + JITTER + " x " + Durations.format(retryPeriod));
        }
        if (leaseDuration.compareTo(renewDeadline) <= 0) {
            throw new IllegalArgumentException("LEASECRON_LEASE_DURATION must be greater than LEASECRON_RENEW_DEADLINE: "
                    + Durations.format(leaseDuration) + " is not greater than " + Durations.format(renewDeadline));
        }
        if (leaseDuration.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("LEASECRON_LEASE_DURATION must be whole seconds (the Lease stores leaseDurationSeconds), got "
                    + Durations.format(leaseDuration));
        }
        if (claimAhead.isNegative() || claimAhead.compareTo(leaseDuration) >= 0) {
            throw new IllegalArgumentException("leasecron.lease.claim-ahead must be at least 0 and less than LEASECRON_LEASE_DURATION, got "
                    + Durations.format(claimAhead));
        }
    }
}
