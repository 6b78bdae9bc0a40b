package io.leasecron.api;

import io.leasecron.LeasecronConfig;
import io.leasecron.Lifecycle;
import io.leasecron.leader.AlwaysLeaderGate;
import io.leasecron.leader.LeaderStatus;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;

/** {@code GET /api/v1/leader}: who holds the lease, as this replica sees it. */
@Path("/api/v1/leader")
@Produces(MediaType.APPLICATION_JSON)
public class LeaderResource {
    private final LeasecronConfig config;
    private final Lifecycle lifecycle;

    public LeaderResource(LeasecronConfig config, Lifecycle lifecycle) {
        this.config = config;
        this.lifecycle = lifecycle;
    }

    /**
     * {@code since} and {@code renewedAt} are this replica's own clock while it leads, null otherwise and in local
     * mode; {@code claimedUntil} and {@code dispatchedThrough} are the fencing record as last seen on the Lease.
     */
    @RegisterForReflection
    public record LeaderView(String mode, String holderIdentity, String self, boolean isLeader, long term, String since,
            String renewedAt, String claimedUntil, String dispatchedThrough, Integer leaseDurationSeconds, String lastError) {
    }

    @GET
    public LeaderView leader() {
        return lifecycle.leader().map(s -> view(lifecycle.mode().name(), s))
                .orElseGet(() -> new LeaderView(lifecycle.mode().name(), config.replica(), config.replica(), true, AlwaysLeaderGate.TERM,
                        null, null, null, null, null, null));
    }

    private static LeaderView view(String mode, LeaderStatus s) {
        return new LeaderView(mode, s.holderIdentity(), s.self(), s.isLeader(), s.term(), time(s.since()), time(s.renewedAt()),
                time(s.claimedUntil()), time(s.dispatchedThrough()), s.leaseDurationSeconds(), s.lastError());
    }

    private static String time(Instant t) {
        return JobViews.time(t);
    }
}
