package io.leasecron.job;

/** The one thing a job does when it fires. Exactly one action per job. */
public sealed interface Action permits HttpAction, ShellAction, KubernetesJobAction {
    /** The field name of this action in the job spec ({@code http}, ...). */
    String kind();
}
