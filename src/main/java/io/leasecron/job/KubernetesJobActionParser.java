package io.leasecron.job;

import static io.leasecron.job.SpecReader.describe;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.List;
import java.util.Set;

/**
 * Reads a spec's {@code kubernetesJob} mapping into a {@link KubernetesJobAction}: a Job template in the shape of a
 * CronJob's {@code jobTemplate}, checked for what a Job needs and against the operator's {@link KubernetesJobPolicy}.
 * What only the API server can judge (the template's full schema) is left to the {@link SpecCheck} dry run.
 */
final class KubernetesJobActionParser {

    static final Set<String> KUBERNETES_JOB_FIELDS = Set.of("template", "successfulJobsHistoryLimit", "failedJobsHistoryLimit");
    private static final ObjectMapper KUBERNETES = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private KubernetesJobActionParser() {
    }

    /** The action, or null after recording why there is none. */
    static KubernetesJobAction parse(JsonNode node, KubernetesJobPolicy policy, SpecReader read) {
        String example = "; write kubernetesJob: {template: {spec: {template: {spec: {containers: [{name: main, image: busybox}], "
                + "restartPolicy: Never}}}}}, the shape of a CronJob's jobTemplate";
        if (node == null || !node.isObject()) {
            read.problem("kubernetesJob must be a mapping with a template, got " + describe(node) + example);
            return null;
        }
        read.rejectUnknown(node, KUBERNETES_JOB_FIELDS, "kubernetesJob.");
        int keepOk = read.nonNegativeInt(node, "successfulJobsHistoryLimit", "kubernetesJob.successfulJobsHistoryLimit", 3);
        int keepFailed = read.nonNegativeInt(node, "failedJobsHistoryLimit", "kubernetesJob.failedJobsHistoryLimit", 1);
        JsonNode template = node.get("template");
        if (template == null || !template.isObject()) {
            read.problem("kubernetesJob.template is missing" + example);
            return null;
        }
        JsonNode podSpec = template.path("spec").path("template").path("spec");
        JsonNode containers = podSpec.path("containers");
        if (!containers.isArray() || containers.isEmpty()) {
            read.problem("kubernetesJob.template.spec.template.spec.containers is missing or empty" + example);
            return null;
        }
        for (JsonNode c : containers) {
            if (!c.path("name").isTextual() || !c.path("image").isTextual()) {
                read.problem("kubernetesJob.template.spec.template.spec.containers: every container needs a name and an image");
                return null;
            }
        }
        String restart = podSpec.path("restartPolicy").asText("Never");
        if (!restart.equals("Never") && !restart.equals("OnFailure")) {
            read.problem("kubernetesJob.template.spec.template.spec.restartPolicy \"" + restart
                    + "\" is not allowed for a Job; use Never or OnFailure");
            return null;
        }
        if (template.path("metadata").has("name") || template.path("metadata").has("generateName")) {
            read.problem("kubernetesJob.template.metadata.name is set by leasecron (one name per slot); remove it");
            return null;
        }
        try {
            var spec = KUBERNETES.convertValue(template, JobTemplateSpec.class);
            if (spec.getSpec().getTemplate().getSpec().getRestartPolicy() == null) {
                spec.getSpec().getTemplate().getSpec().setRestartPolicy("Never");
            }
            List<String> refused = policy.violations(spec);
            if (!refused.isEmpty()) {
                refused.forEach(read::problem);
                return null;
            }
            return new KubernetesJobAction(spec, keepOk, keepFailed);
        } catch (RuntimeException e) {
            read.problem("kubernetesJob.template is not a Job template: " + e.getMessage().lines().findFirst().orElse("") + example);
            return null;
        }
    }
}
