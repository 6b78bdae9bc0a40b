package io.leasecron.observe;

import io.leasecron.leader.LeaderElector;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The election as metrics: {@code leasecron_leader} (1 while this replica may fire), {@code leasecron_lease_term},
 * {@code leasecron_leadership_acquisitions_total}, {@code leasecron_lease_renew_failures_total} and
 * {@code leasecron_lease_writes_total} (every write: renewals, claims, progress, acquisitions, releases).
 */
public final class LeaderMetrics {
    private final LeaderElector elector;

    public LeaderMetrics(LeaderElector elector) {
        this.elector = elector;
    }

    public void bindTo(MeterRegistry registry) {
        Gauge.builder("leasecron.leader", elector, e -> e.isLeader() ? 1 : 0)
                .description("1 while this replica holds the lease and may fire").register(registry);
        Gauge.builder("leasecron.lease.term", elector, e -> e.status().term())
                .description("This replica's term while it leads, else the term last seen").register(registry);
        FunctionCounter.builder("leasecron.leadership.acquisitions", elector, LeaderElector::acquisitions)
                .description("Times this replica acquired the lease").register(registry);
        FunctionCounter.builder("leasecron.lease.renew.failures", elector, LeaderElector::renewFailures)
                .description("Lease writes by the leader that failed for another reason than a lost race").register(registry);
        FunctionCounter.builder("leasecron.lease.writes", elector, LeaderElector::writes)
                .description("Lease writes by this replica").register(registry);
    }
}
