package io.leasecron.execution;

import io.leasecron.job.HttpAction;
import io.leasecron.job.KubernetesJobAction;
import io.leasecron.job.ShellAction;
import java.util.concurrent.CompletableFuture;

/** Hands each fire to the runner of its action. A runner that is not configured fails the fire and says why. */
public final class ActionRunners implements ActionRunner {
    private final ActionRunner http;
    private final ActionRunner shell;
    private final ActionRunner kubernetesJob;

    public ActionRunners(ActionRunner http, ActionRunner shell, ActionRunner kubernetesJob) {
        this.http = http;
        this.shell = shell;
        this.kubernetesJob = kubernetesJob;
    }

    @Override
    public CompletableFuture<RunResult> start(Fire fire) {
        var action = fire.spec().action();
        ActionRunner r = action instanceof HttpAction ? http : action instanceof ShellAction ? shell
                : action instanceof KubernetesJobAction ? kubernetesJob : null;
        if (r == null) {
            return CompletableFuture.completedFuture(new RunResult.Failed(action.kind()
                    + " actions cannot run here: " + (action instanceof KubernetesJobAction ? "they need Kubernetes mode"
                    : "shell actions are disabled (LEASECRON_SHELL_ENABLED)")));
        }
        return r.start(fire);
    }
}
