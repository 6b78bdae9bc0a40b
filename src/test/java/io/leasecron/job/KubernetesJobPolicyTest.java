package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code kubernetesJob} policy as the parser applies it when a spec is loaded: what is refused, in which words. */
class KubernetesJobPolicyTest {
    static final JobId ID = new JobId("reports", "nightly");
    static final String POD = "kubernetesJob.template.spec.template.spec";

    /** A job whose Pod spec is {@code pod}, YAML indented by 10. */
    static String job(String pod) {
        return "schedule: \"0 3 * * *\"\nkubernetesJob:\n  template:\n    spec:\n      template:\n        spec:\n" + pod;
    }

    static List<String> refused(String pod, KubernetesJobPolicy policy) {
        return assertThrows(InvalidJobSpecException.class,
                () -> JobSpecParser.parse(ID, job(pod), new JobSpecParser.Options(false, policy))).problems();
    }

    static KubernetesJobAction accepted(String pod, KubernetesJobPolicy policy) throws InvalidJobSpecException {
        return (KubernetesJobAction) JobSpecParser.parse(ID, job(pod), new JobSpecParser.Options(false, policy)).action();
    }

    static String rule(String property, String value, String env) {
        return " (policy kubernetesJobPolicy." + property + "=" + value + "; the operator sets it with chart value kubernetesJob.policy."
                + property + " or " + env + ")";
    }

    static final String PRIVILEGED = rule("allowPrivileged", "false", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGED");
    static final String HOST_NS = rule("allowHostNamespaces", "false", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_NAMESPACES");

    @Test
    void a_plain_template_is_accepted_by_the_default_policy() throws Exception {
        accepted("""
                          serviceAccountName: default
                          containers:
                            - name: main
                              image: busybox:1.36
                              securityContext: {allowPrivilegeEscalation: false, privileged: false, capabilities: {drop: [ALL]}}
                """, KubernetesJobPolicy.DEFAULT);
    }

    @Test
    void every_rule_of_the_default_policy_names_the_field_and_how_the_operator_changes_it() {
        List<String> problems = refused("""
                          serviceAccountName: builder
                          hostNetwork: true
                          hostPID: true
                          hostIPC: true
                          securityContext: {windowsOptions: {hostProcess: true}}
                          volumes:
                            - {name: scratch, emptyDir: {}}
                            - {name: docker, hostPath: {path: /var/run/docker.sock}}
                          initContainers:
                            - {name: init, image: busybox, securityContext: {privileged: true}}
                          containers:
                            - name: main
                              image: busybox
                              securityContext:
                                allowPrivilegeEscalation: true
                                capabilities: {add: [NET_ADMIN, SYS_ADMIN]}
                          ephemeralContainers:
                            - {name: debug, image: busybox, securityContext: {privileged: true}}
                """, KubernetesJobPolicy.DEFAULT);
        assertEquals(List.of(
                POD + ".serviceAccountName: service account \"builder\" is not allowed" + rule("allowedServiceAccounts", "[default]",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS"),
                POD + ".hostNetwork: sharing the node's network, PID or IPC namespace is not allowed" + HOST_NS,
                POD + ".hostPID: sharing the node's network, PID or IPC namespace is not allowed" + HOST_NS,
                POD + ".hostIPC: sharing the node's network, PID or IPC namespace is not allowed" + HOST_NS,
                POD + ".securityContext.windowsOptions.hostProcess: host-process (privileged) containers are not allowed" + PRIVILEGED,
                POD + ".volumes[1].hostPath: hostPath volumes are not allowed" + rule("allowHostPath", "false",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH"),
                POD + ".containers[0].securityContext.allowPrivilegeEscalation: privilege escalation is not allowed"
                        + rule("allowPrivilegeEscalation", "false", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGE_ESCALATION"),
                POD + ".containers[0].securityContext.capabilities.add: adding capability NET_ADMIN is not allowed"
                        + rule("allowedCapabilities", "[]", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES"),
                POD + ".containers[0].securityContext.capabilities.add: adding capability SYS_ADMIN is not allowed"
                        + rule("allowedCapabilities", "[]", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES"),
                POD + ".initContainers[0].securityContext.privileged: privileged containers are not allowed" + PRIVILEGED,
                POD + ".ephemeralContainers[0].securityContext.privileged: privileged containers are not allowed" + PRIVILEGED),
                problems);
    }

    @Test
    void the_old_serviceAccount_field_is_checked_like_serviceAccountName() {
        assertEquals(List.of(POD + ".serviceAccount: service account \"admin\" is not allowed" + rule("allowedServiceAccounts",
                "[default]", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS")),
                refused("          serviceAccount: admin\n          containers: [{name: main, image: busybox}]\n",
                        KubernetesJobPolicy.DEFAULT));
    }

    @Test
    void what_the_operator_allows_is_accepted_and_only_that() throws Exception {
        var policy = new KubernetesJobPolicy(List.of("default", "reports"), true, true, true, List.of("NET_BIND_SERVICE"), true,
                List.of("registry.example.com/reports/"));
        String wide = """
                          serviceAccountName: reports
                          hostNetwork: true
                          volumes: [{name: logs, hostPath: {path: /var/log}}]
                          containers:
                            - name: main
                              image: registry.example.com/reports/export:1.4
                              securityContext: {privileged: true, allowPrivilegeEscalation: true, capabilities: {add: [NET_BIND_SERVICE]}}
                """;
        assertEquals("reports", accepted(wide, policy).template().getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(List.of(
                POD + ".containers[0].image: image \"docker.io/library/busybox\" is not allowed" + rule("allowedImagePrefixes",
                        "[registry.example.com/reports/]", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES"),
                POD + ".containers[0].securityContext.capabilities.add: adding capability SYS_ADMIN is not allowed"
                        + rule("allowedCapabilities", "[NET_BIND_SERVICE]", "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES")),
                refused("""
                          containers:
                            - name: main
                              image: docker.io/library/busybox
                              securityContext: {capabilities: {add: [SYS_ADMIN]}}
                """, policy));
    }

    @Test
    void a_star_allows_any_service_account_and_any_capability() throws Exception {
        var policy = new KubernetesJobPolicy(List.of("*"), false, false, false, List.of("*"), false, List.of());
        accepted("          serviceAccountName: anyone\n          containers: [{name: main, image: busybox,"
                + " securityContext: {capabilities: {add: [SYS_ADMIN]}}}]\n", policy);
    }

    @Test
    void policy_problems_come_with_the_specs_other_problems() {
        List<String> problems = assertThrows(InvalidJobSpecException.class, () -> JobSpecParser.parse(ID,
                "schedule: \"61 3 * * *\"\nkubernetesJob:\n  template:\n    spec:\n      template:\n        spec:\n"
                        + "          hostPID: true\n          containers: [{name: main, image: busybox}]\n")).problems();
        assertEquals(List.of("schedule \"61 3 * * *\": minute 61 is out of range 0-59",
                POD + ".hostPID: sharing the node's network, PID or IPC namespace is not allowed" + HOST_NS), problems);
    }

    @Test
    void an_image_prefix_must_end_at_a_path_tag_or_digest_boundary_so_it_cannot_admit_a_sibling_repository() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KubernetesJobPolicy(List.of("default"),
                false, false, false, List.of(), false, List.of("registry.example.com/team/", "registry.example.com/team")));
        assertEquals("kubernetesJobPolicy.allowedImagePrefixes \"registry.example.com/team\" must end in '/', ':' or '@'; "
                + "as written it also admits e.g. \"registry.example.com/team-evil/x\"; write \"registry.example.com/team/\" "
                + "(the operator sets it with chart value kubernetesJob.policy.allowedImagePrefixes or "
                + "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES)", e.getMessage());
        var policy = new KubernetesJobPolicy(List.of("default"), false, false, false, List.of(), false,
                List.of("registry.example.com/team/", "docker.io/library/busybox:", "ghcr.io/x/y@"));
        assertEquals(List.of(POD + ".containers[0].image: image \"registry.example.com/team-evil/x\" is not allowed"
                + rule("allowedImagePrefixes", "[registry.example.com/team/, docker.io/library/busybox:, ghcr.io/x/y@]",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES")),
                refused("          containers: [{name: main, image: registry.example.com/team-evil/x}]\n", policy));
    }
}
