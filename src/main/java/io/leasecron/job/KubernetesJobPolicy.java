package io.leasecron.job;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.WindowsSecurityContextOptions;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What the operator lets a {@code kubernetesJob} template ask for, so that the right to edit a job ConfigMap does not
 * become the service's right to create any pod: the service accounts its pods may run as, and whether they may be
 * privileged, share the node's network, PID or IPC namespace, mount a host path, add Linux capabilities or explicitly
 * allow privilege escalation; optionally, the image prefixes they may pull. Every container counts: containers,
 * initContainers and ephemeralContainers.
 *
 * <p>Not promised: this reads only the template's own fields. What a Pod Security level, an admission webhook or the
 * namespace's LimitRange adds or refuses is the API server's business; the {@code restricted} Pod Security level on
 * the job namespaces is the recommended second line (docs/rbac.md). A container that leaves
 * {@code allowPrivilegeEscalation} unset is not refused here (the kernel's default then applies). Secrets are not
 * looked at: a template may mount or reference any Secret of its namespace (the kubelet fetches it), legacy
 * service-account tokens included; docs/rbac.md lists this and the fields left to Pod Security.
 *
 * @param allowedServiceAccounts the service accounts pods may name ({@code serviceAccountName}; unset means
 *        {@code default}); {@code *} allows any
 * @param allowedCapabilities Linux capabilities containers may add; {@code *} allows any
 * @param allowedImagePrefixes images must start with one of these; empty allows any image. Each must end in {@code /},
 *        {@code :} or {@code @}, so that {@code registry.example.com/team/} cannot also admit
 *        {@code registry.example.com/team-evil/x}; others are refused when the policy is built
 */
public record KubernetesJobPolicy(List<String> allowedServiceAccounts, boolean allowPrivileged, boolean allowHostNamespaces,
        boolean allowHostPath, List<String> allowedCapabilities, boolean allowPrivilegeEscalation,
        List<String> allowedImagePrefixes) {

    /** The default: pods run as {@code default}, nothing privileged, no host access, no added capabilities. */
    public static final KubernetesJobPolicy DEFAULT = new KubernetesJobPolicy(List.of("default"), false, false, false, List.of(),
            false, List.of());

    private static final String POD = "kubernetesJob.template.spec.template.spec";

    public KubernetesJobPolicy {
        allowedServiceAccounts = List.copyOf(allowedServiceAccounts);
        allowedCapabilities = List.copyOf(allowedCapabilities);
        allowedImagePrefixes = List.copyOf(allowedImagePrefixes);
        for (String prefix : allowedImagePrefixes) {
            if (!(prefix.endsWith("/") || prefix.endsWith(":") || prefix.endsWith("@"))) {
                throw new IllegalArgumentException("kubernetesJobPolicy.allowedImagePrefixes \"" + prefix
                        + "\" must end in '/', ':' or '@'; as written it also admits e.g. \"" + prefix + "-evil/x\"; write \""
                        + prefix + "/\" (the operator sets it with chart value kubernetesJob.policy.allowedImagePrefixes or "
                        + env("allowedImagePrefixes") + ")");
            }
        }
    }

    /**
     * Every way {@code template} asks for more than this policy allows, each as {@code <field path>: <rule>}, in the
     * order of the template; empty when it asks for nothing more.
     */
    public List<String> violations(JobTemplateSpec template) {
        List<String> out = new ArrayList<>();
        PodSpec pod = template.getSpec() == null || template.getSpec().getTemplate() == null ? null
                : template.getSpec().getTemplate().getSpec();
        if (pod == null) {
            return out;
        }
        serviceAccount(out, "serviceAccountName", pod.getServiceAccountName());
        serviceAccount(out, "serviceAccount", pod.getServiceAccount());
        hostNamespace(out, "hostNetwork", pod.getHostNetwork());
        hostNamespace(out, "hostPID", pod.getHostPID());
        hostNamespace(out, "hostIPC", pod.getHostIPC());
        if (pod.getSecurityContext() != null) {
            hostProcess(out, POD + ".securityContext", pod.getSecurityContext().getWindowsOptions());
        }
        List<Volume> volumes = pod.getVolumes() == null ? List.of() : pod.getVolumes();
        for (int i = 0; i < volumes.size(); i++) {
            if (!allowHostPath && volumes.get(i).getHostPath() != null) {
                out.add(POD + ".volumes[" + i + "].hostPath: hostPath volumes are not allowed" + rule("allowHostPath", "false"));
            }
        }
        if (pod.getContainers() != null) {
            for (int i = 0; i < pod.getContainers().size(); i++) {
                var c = pod.getContainers().get(i);
                container(out, POD + ".containers[" + i + "]", c.getImage(), c.getSecurityContext());
            }
        }
        if (pod.getInitContainers() != null) {
            for (int i = 0; i < pod.getInitContainers().size(); i++) {
                var c = pod.getInitContainers().get(i);
                container(out, POD + ".initContainers[" + i + "]", c.getImage(), c.getSecurityContext());
            }
        }
        if (pod.getEphemeralContainers() != null) {
            for (int i = 0; i < pod.getEphemeralContainers().size(); i++) {
                var c = pod.getEphemeralContainers().get(i);
                container(out, POD + ".ephemeralContainers[" + i + "]", c.getImage(), c.getSecurityContext());
            }
        }
        return out;
    }

    private void serviceAccount(List<String> out, String field, String name) {
        if (name != null && !name.isEmpty() && !allowedServiceAccounts.contains("*") && !allowedServiceAccounts.contains(name)) {
            out.add(POD + "." + field + ": service account \"" + name + "\" is not allowed"
                    + rule("allowedServiceAccounts", "[" + String.join(", ", allowedServiceAccounts) + "]"));
        }
    }

    private void hostNamespace(List<String> out, String field, Boolean set) {
        if (!allowHostNamespaces && Boolean.TRUE.equals(set)) {
            out.add(POD + "." + field + ": sharing the node's network, PID or IPC namespace is not allowed"
                    + rule("allowHostNamespaces", "false"));
        }
    }

    private void container(List<String> out, String path, String image, SecurityContext sc) {
        if (!allowedImagePrefixes.isEmpty() && image != null && allowedImagePrefixes.stream().noneMatch(image::startsWith)) {
            out.add(path + ".image: image \"" + image + "\" is not allowed"
                    + rule("allowedImagePrefixes", "[" + String.join(", ", allowedImagePrefixes) + "]"));
        }
        if (sc == null) {
            return;
        }
        if (!allowPrivileged && Boolean.TRUE.equals(sc.getPrivileged())) {
            out.add(path + ".securityContext.privileged: privileged containers are not allowed" + rule("allowPrivileged", "false"));
        }
        hostProcess(out, path + ".securityContext", sc.getWindowsOptions());
        if (!allowPrivilegeEscalation && Boolean.TRUE.equals(sc.getAllowPrivilegeEscalation())) {
            out.add(path + ".securityContext.allowPrivilegeEscalation: privilege escalation is not allowed"
                    + rule("allowPrivilegeEscalation", "false"));
        }
        Capabilities caps = sc.getCapabilities();
        if (caps != null && caps.getAdd() != null && !allowedCapabilities.contains("*")) {
            for (String cap : caps.getAdd()) {
                if (!allowedCapabilities.contains(cap)) {
                    out.add(path + ".securityContext.capabilities.add: adding capability " + cap + " is not allowed"
                            + rule("allowedCapabilities", "[" + String.join(", ", allowedCapabilities) + "]"));
                }
            }
        }
    }

    /** A Windows HostProcess container has the node's rights: it counts as privileged. */
    private void hostProcess(List<String> out, String path, WindowsSecurityContextOptions windows) {
        if (!allowPrivileged && windows != null && Boolean.TRUE.equals(windows.getHostProcess())) {
            out.add(path + ".windowsOptions.hostProcess: host-process (privileged) containers are not allowed"
                    + rule("allowPrivileged", "false"));
        }
    }

    /** Names the rule, its value, and where the operator changes it. */
    private static String rule(String property, String value) {
        return " (policy kubernetesJobPolicy." + property + "=" + value + "; the operator sets it with chart value kubernetesJob.policy."
                + property + " or " + env(property) + ")";
    }

    /** The environment variable of a policy property, e.g. LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH. */
    static String env(String property) {
        return "LEASECRON_KUBERNETES_JOB_POLICY_" + property.replaceAll("([A-Z])", "_$1").toUpperCase(java.util.Locale.ROOT);
    }
}
