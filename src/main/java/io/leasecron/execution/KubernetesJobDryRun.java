package io.leasecron.execution;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import io.leasecron.job.JobSpec;
import io.leasecron.job.KubernetesJobAction;
import io.leasecron.job.SpecCheck;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Checks a {@code kubernetesJob} template when its spec is loaded by asking the API server to create the Job it would
 * create, as a server-side dry run with strict field validation: an unknown or misspelt field, a value the server's
 * validation refuses, or an admission webhook's refusal is reported on the job at once, not at its first fire (and
 * not dropped silently, as an unknown field of a plain create is). Nothing is stored; the request is a
 * {@code create} on {@code jobs.batch}, which kubernetesJob actions need anyway (docs/rbac.md).
 *
 * <p>Only an answer about the template makes the job invalid: HTTP 400 (strict decoding) or 422 (invalid). Any other
 * failure — no answer, a timeout, 429, 5xx, or 403 (this service may not create Jobs there, or a quota) — is not the
 * template's fault: the job is scheduled, a warning is logged, and the create at each fire (itself strictly validated)
 * reports whatever is still wrong on that run. The check is not retried on its own; the next edit of the job, or a
 * restart, checks again.
 */
public final class KubernetesJobDryRun implements SpecCheck {
    private static final Logger LOG = Logger.getLogger(KubernetesJobDryRun.class);
    private final KubernetesClient client;
    private final String namespace;

    /** @param namespace the service's namespace: where the Jobs of jobs whose ids name no namespace go */
    public KubernetesJobDryRun(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public List<String> problems(JobSpec spec) {
        if (!(spec.action() instanceof KubernetesJobAction action)) {
            return List.of();
        }
        String ns = spec.id().namespaceOr(namespace);
        String name = KubernetesJobRunner.jobName(spec.id(), Instant.EPOCH, 1);
        var job = KubernetesJobRunner.job(action, ns, name, KubernetesJobRunner.jobLabel(spec.id()),
                Map.of("leasecron.io/job-id", spec.id().toString()));
        try {
            client.batch().v1().jobs().inNamespace(ns).resource(job).dryRun().fieldValidation(Validation.STRICT).create();
            return List.of();
        } catch (KubernetesClientException e) {
            String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            if (e.getCode() == 400 || e.getCode() == 422) {
                return List.of("kubernetesJob.template: the API server refuses the Job it would create (dry run in namespace "
                        + ns + "): " + reason);
            }
            LOG.warnf("%s: the kubernetesJob template could not be checked with a dry run (%s); the job is scheduled, and"
                    + " each fire's create reports what the API server refuses%s", spec.id(),
                    e.getCode() > 0 ? "HTTP " + e.getCode() + ": " + reason : reason,
                    e.getCode() == 403 ? "; kubernetesJob actions need create on jobs.batch (docs/rbac.md)" : "");
            return List.of();
        } catch (RuntimeException e) {
            LOG.warnf("%s: the kubernetesJob template could not be checked with a dry run (%s); the job is scheduled, and"
                    + " each fire's create reports what the API server refuses", spec.id(), e.toString());
            return List.of();
        }
    }
}
