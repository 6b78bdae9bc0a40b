package io.leasecron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The startup check asks for exactly what the shipped Role grants: no more, no less. */
class PermissionsTest {
    @Test
    void the_checked_verbs_are_exactly_the_roles_rules() throws Exception {
        Set<String> granted = new TreeSet<>();
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class).readValues(Path.of("k8s", "rbac.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("Role".equals(doc.path("kind").asText())) {
                    for (JsonNode rule : doc.path("rules")) {
                        for (JsonNode g : rule.path("apiGroups")) {
                            for (JsonNode r : rule.path("resources")) {
                                for (JsonNode v : rule.path("verbs")) {
                                    granted.add(g.asText() + " " + r.asText() + " " + v.asText());
                                }
                            }
                        }
                    }
                }
            }
        }
        Set<String> checked = Arrays.stream(Permissions.REQUIRED).map(r -> r[0] + " " + r[1] + " " + r[2])
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(granted, checked);
    }
}
