package io.leasecron.job;

import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.Objects;

/**
 * Creates a {@code batch/v1} Job per slot from {@code template} (the shape of a CronJob's {@code jobTemplate}), with
 * a name derived from the job and the slot, so that a second creation for the same slot is refused by the API
 * server. The fire's outcome follows the Job's completion or failure.
 *
 * @param successfulJobsHistoryLimit finished successful Jobs kept per job; older ones are deleted
 * @param failedJobsHistoryLimit failed Jobs kept per job
 */
public record KubernetesJobAction(JobTemplateSpec template, int successfulJobsHistoryLimit, int failedJobsHistoryLimit)
        implements Action {
    public KubernetesJobAction {
        Objects.requireNonNull(template, "template");
    }

    @Override
    public String kind() {
        return "kubernetesJob";
    }
}
