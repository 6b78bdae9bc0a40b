package io.leasecron.api;

import io.leasecron.LeasecronConfig;
import io.leasecron.Lifecycle;
import io.leasecron.leader.AlwaysLeaderGate;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

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

    /** {@code renewedAt} is null in local mode, where there is no Lease to renew. */
    public record LeaderView(String mode, String holderIdentity, String self, boolean isLeader, long term, String renewedAt) {
    }

    @GET
    public LeaderView leader() {
        return new LeaderView(lifecycle.mode().name(), config.replica(), config.replica(), true, AlwaysLeaderGate.TERM, null);
    }
}
