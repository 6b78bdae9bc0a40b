package io.leasecron.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every class the REST layer reads or writes with Jackson is registered for reflection, so that a native executable
 * can build and read it (the native build keeps only the members registered). {@link NativeSourcesIT} checks that
 * the registration reaches the native build's reflection configuration.
 */
class JsonTypesRegisteredTest {

    /** The views as of this writing; the first five are returned inside a Response, where Quarkus cannot see them. */
    static final List<String> KNOWN_VIEWS = List.of(
            "io.leasecron.api.ApiError",
            "io.leasecron.api.JobViews$Detail",
            "io.leasecron.api.JobViews$NextRun",
            "io.leasecron.api.JobViews$Run",
            "io.leasecron.api.PreviewResource$PreviewResponse",
            "io.leasecron.api.JobViews$Summary",
            "io.leasecron.api.JobsResource$JobList",
            "io.leasecron.api.LeaderResource$LeaderView",
            "io.leasecron.api.PreviewResource$PreviewRequest");

    @Test
    void every_class_jackson_reads_or_writes_for_the_api_is_registered_for_reflection() {
        List<String> unregistered = JsonTypes.all().stream().filter(c -> !c.isAnnotationPresent(RegisterForReflection.class))
                .map(Class::getName).toList();
        assertEquals(List.of(), unregistered, "annotate these with @RegisterForReflection (io.quarkus.runtime.annotations):"
                + " without it a native executable has no constructors, accessors or fields of theirs to call");
    }

    @Test
    void the_search_finds_the_views_that_only_a_response_entity_reveals() {
        Set<String> found = JsonTypes.all().stream().map(Class::getName).collect(Collectors.toSet());
        assertTrue(found.containsAll(KNOWN_VIEWS), "missing from " + found + ": "
                + KNOWN_VIEWS.stream().filter(v -> !found.contains(v)).toList());
    }
}
