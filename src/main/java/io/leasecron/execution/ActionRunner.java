package io.leasecron.execution;

import java.util.concurrent.CompletableFuture;

/**
 * Starts one attempt of a fire. Implementations must not block the calling thread for long: they start the work
 * and complete the future when it ends (the HTTP runner uses the non-blocking client). The engine cancels the
 * future when the job's timeout passes; a runner must abort its work when that happens.
 */
@FunctionalInterface
public interface ActionRunner {
    CompletableFuture<RunResult> start(Fire fire);
}
