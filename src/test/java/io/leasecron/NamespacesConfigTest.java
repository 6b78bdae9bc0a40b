package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.leasecron.job.WatchedNamespaces;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The environment variables of the namespace setting, read by the service's config mapping as the README names them. */
class NamespacesConfigTest {
    static WatchedNamespaces fromEnv(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(Map.of("LEASECRON_REPLICA", "pod-a"));
        all.putAll(env);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(LeasecronConfig.class)
                .withSources(new EnvConfigSource(all, 300)).build();
        LeasecronConfig c = config.getConfigMapping(LeasecronConfig.class);
        return WatchedNamespaces.of("jobs", c.namespaces(), c.namespaceSelector());
    }

    @Test
    void the_variables_give_the_documented_settings() {
        assertEquals(WatchedNamespaces.own("jobs"), fromEnv(Map.of()));
        assertEquals(new WatchedNamespaces("jobs", List.of("team-a", "team-b"), false, Optional.empty()),
                fromEnv(Map.of("LEASECRON_NAMESPACES", "team-a, team-b")));
        assertEquals(new WatchedNamespaces("jobs", List.of(), true, Optional.of("leasecron.io/tenant=true")),
                fromEnv(Map.of("LEASECRON_NAMESPACES", "*", "LEASECRON_NAMESPACE_SELECTOR", "leasecron.io/tenant=true")));
    }
}
