package io.leasecron.job;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which namespaces the service reads job ConfigMaps from, and so whether job ids name the namespace: only its own
 * (the default; ids {@code <configmap>/<key>}), a list, or all namespaces, optionally those whose labels match a
 * selector (ids {@code <namespace>/<configmap>/<key>} whenever the setting is made, so adding a namespace later
 * changes no id). Built once from configuration; its factory refuses combinations that make no sense.
 *
 * @param own the service's namespace, where the Lease is
 * @param listed the namespaces named by {@code LEASECRON_NAMESPACES}; empty for the default and for all namespaces
 * @param all {@code LEASECRON_NAMESPACES=*}
 * @param selector {@code LEASECRON_NAMESPACE_SELECTOR}: with {@code all}, only namespaces whose labels match it
 */
public record WatchedNamespaces(String own, List<String> listed, boolean all, Optional<String> selector) {
    public static final String ALL = "*";
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public WatchedNamespaces {
        Objects.requireNonNull(own, "own");
        listed = List.copyOf(listed);
        Objects.requireNonNull(selector, "selector");
    }

    /** The default: the service's own namespace, ids without it. */
    public static WatchedNamespaces own(String own) {
        return new WatchedNamespaces(own, List.of(), false, Optional.empty());
    }

    /**
     * From {@code LEASECRON_NAMESPACES} (a list, or {@code *}) and {@code LEASECRON_NAMESPACE_SELECTOR}; throws with
     * the rule an invalid combination breaks.
     */
    public static WatchedNamespaces of(String own, Optional<List<String>> namespaces, Optional<String> selector) {
        List<String> names = new ArrayList<>();
        namespaces.orElse(List.of()).stream().map(String::trim).filter(n -> !n.isEmpty()).forEach(names::add);
        Optional<String> sel = selector.map(String::trim).filter(s -> !s.isEmpty());
        if (names.contains(ALL)) {
            if (names.size() > 1) {
                throw new IllegalArgumentException("LEASECRON_NAMESPACES " + names + ": \"*\" means every namespace and"
                        + " stands alone; set either \"*\" or a list of namespaces");
            }
            return new WatchedNamespaces(own, List.of(), true, sel);
        }
        if (sel.isPresent()) {
            throw new IllegalArgumentException("LEASECRON_NAMESPACE_SELECTOR \"" + sel.get() + "\" chooses among all"
                    + " namespaces; set LEASECRON_NAMESPACES=* with it" + (names.isEmpty() ? "" : " instead of " + names));
        }
        if (names.isEmpty()) {
            return own(own);
        }
        for (String n : names) {
            if (!NAMESPACE.matcher(n).matches()) {
                throw new IllegalArgumentException("LEASECRON_NAMESPACES: \"" + n + "\" is not a namespace name (lower-case"
                        + " letters, digits and '-', at most 63 characters); separate names with commas");
            }
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(names));
        if (distinct.size() != names.size()) {
            throw new IllegalArgumentException("LEASECRON_NAMESPACES " + names + " names a namespace twice; list each once");
        }
        return new WatchedNamespaces(own, distinct, false, Optional.empty());
    }

    /** Whether job ids name their namespace: whenever the namespaces are configured, so that adding one changes no id. */
    public boolean qualified() {
        return all || !listed.isEmpty();
    }

    /** The namespaces whose ConfigMaps are read, one informer each; empty when all namespaces are (one informer). */
    public List<String> each() {
        return all ? List.of() : listed.isEmpty() ? List.of(own) : listed;
    }

    @Override
    public String toString() {
        if (all) {
            return selector.map(s -> "all namespaces labelled " + s).orElse("all namespaces");
        }
        return listed.isEmpty() ? "namespace " + own : "namespaces " + String.join(", ", listed);
    }
}
