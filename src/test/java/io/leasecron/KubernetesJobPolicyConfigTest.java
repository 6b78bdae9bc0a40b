package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.job.KubernetesJobPolicy;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The environment variables of the kubernetesJob policy, as the README and the chart name them. */
class KubernetesJobPolicyConfigTest {
    static KubernetesJobPolicy fromEnv(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("LEASECRON_REPLICA", "pod-a"));
        all.putAll(env);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LeasecronConfig.class)
                .withSources(new EnvConfigSource(all, 300)).build();
        return Lifecycle.policy(config.getConfigMapping(LeasecronConfig.class).kubernetesJobPolicy());
    }

    @Test
    void unset_gives_the_default_policy() {
        assertEquals(KubernetesJobPolicy.DEFAULT, fromEnv(Map.of()));
    }

    @Test
    void every_variable_reaches_its_rule() {
        assertEquals(new KubernetesJobPolicy(List.of("default", "export"), true, true, true, List.of("NET_RAW", "NET_BIND_SERVICE"),
                true, List.of("registry.example.com/team/", "ghcr.io/team/")), fromEnv(Map.of(
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_SERVICE_ACCOUNTS", "default,export",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGED", "true",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_NAMESPACES", "true",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_HOST_PATH", "true",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_CAPABILITIES", "NET_RAW,NET_BIND_SERVICE",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOW_PRIVILEGE_ESCALATION", "true",
                        "LEASECRON_KUBERNETES_JOB_POLICY_ALLOWED_IMAGE_PREFIXES", "registry.example.com/team/,ghcr.io/team/")));
    }
}
