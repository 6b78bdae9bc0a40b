package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WatchedNamespacesTest {
    @Test
    void unset_means_the_own_namespace_with_ids_that_do_not_name_it() {
        WatchedNamespaces w = WatchedNamespaces.of("jobs", Optional.empty(), Optional.empty());
        assertFalse(w.qualified());
        assertEquals(List.of("jobs"), w.each());
        assertEquals(w, WatchedNamespaces.of("jobs", Optional.of(List.of(" ")), Optional.of("")));
    }

    @Test
    void any_list_even_of_the_own_namespace_alone_names_namespaces_in_ids_so_adding_one_later_changes_none() {
        WatchedNamespaces one = WatchedNamespaces.of("jobs", Optional.of(List.of("jobs")), Optional.empty());
        assertTrue(one.qualified());
        assertEquals(List.of("jobs"), one.each());
        WatchedNamespaces all = WatchedNamespaces.of("jobs", Optional.of(List.of("*")), Optional.of("tenant=yes"));
        assertTrue(all.qualified());
        assertTrue(all.all());
        assertEquals(List.of(), all.each());
        assertEquals("all namespaces labelled tenant=yes", all.toString());
    }

    @Test
    void combinations_that_make_no_sense_are_refused_with_the_rule() {
        assertEquals("LEASECRON_NAMESPACES [*, team-a]: \"*\" means every namespace and stands alone; set either \"*\" or a list"
                + " of namespaces", message(List.of("*", "team-a"), null));
        assertEquals("LEASECRON_NAMESPACE_SELECTOR \"tenant=yes\" chooses among all namespaces; set LEASECRON_NAMESPACES=* with"
                + " it instead of [team-a]", message(List.of("team-a"), "tenant=yes"));
        assertEquals("LEASECRON_NAMESPACE_SELECTOR \"tenant=yes\" chooses among all namespaces; set LEASECRON_NAMESPACES=* with"
                + " it", message(List.of(), "tenant=yes"));
        assertEquals("LEASECRON_NAMESPACES: \"Team_A\" is not a namespace name (lower-case letters, digits and '-', at most 63"
                + " characters); separate names with commas", message(List.of("Team_A"), null));
        assertEquals("LEASECRON_NAMESPACES [a, b, a] names a namespace twice; list each once", message(List.of("a", "b", "a"), null));
    }

    @Test
    void an_id_names_its_namespace_or_lives_in_the_services() {
        JobId plain = JobId.parse("billing/nightly");
        JobId qualified = JobId.parse("team-a/billing/nightly");
        assertEquals("jobs", plain.namespaceOr("jobs"));
        assertEquals("team-a", qualified.namespaceOr("jobs"));
        assertEquals("team-a/billing", qualified.sourceKey());
        assertEquals("team-a/billing/nightly", qualified.toString());
        assertEquals("namespace \"Team\" is not a Kubernetes namespace name (lower-case letters, digits and '-', at most 63"
                + " characters)", assertThrows(IllegalArgumentException.class, () -> JobId.parse("Team/billing/x")).getMessage());
        assertEquals("job id must look like <configmap>/<key> or <namespace>/<configmap>/<key>, got \"a/b/c/d\"",
                assertThrows(IllegalArgumentException.class, () -> JobId.parse("a/b/c/d")).getMessage());
    }

    @Test
    void an_id_with_an_empty_namespace_is_refused_rather_than_read_as_an_unqualified_one() {
        assertEquals("job id \"/billing/nightly\" has an empty namespace; write billing/nightly or <namespace>/billing/nightly",
                assertThrows(IllegalArgumentException.class, () -> JobId.parse("/billing/nightly")).getMessage());
    }

    private static String message(List<String> namespaces, String selector) {
        return assertThrows(IllegalArgumentException.class, () -> WatchedNamespaces.of("jobs", Optional.of(namespaces),
                Optional.ofNullable(selector))).getMessage();
    }
}
