package io.leasecron.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What docs/metrics.md promises, read from its tables, and what a scrape actually holds, so that a test of the
 * running service can compare the two: every exported metric documented, every documented one exported.
 */
public final class MetricsCatalogue {
    static final Path DOC = Path.of("docs/metrics.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(leasecron_[a-z_]+)` \\|");
    private static final Pattern PREFIX_ROW = Pattern.compile("^\\| `([a-z_]+_)\\*` \\|");
    private static final Pattern TYPE = Pattern.compile("^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-z]+)$", Pattern.MULTILINE);

    private MetricsCatalogue() {
    }

    /** The documented leasecron metrics exported in {@code mode} ({@code local} or {@code kubernetes}). */
    public static Set<String> documented(String mode) {
        Set<String> out = new TreeSet<>();
        for (String line : lines()) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                String[] cells = line.split("\\|");
                String rowMode = cells[5].trim();
                if (!Set.of("all", "kubernetes").contains(rowMode)) {
                    throw new AssertionError("docs/metrics.md: mode of " + m.group(1) + " is \"" + rowMode
                            + "\"; write all or kubernetes");
                }
                if (rowMode.equals("all") || rowMode.equals(mode)) {
                    out.add(m.group(1));
                }
            }
        }
        return out;
    }

    /** The documented name prefixes of the standard metrics (JVM, process, system). */
    public static List<String> documentedPrefixes() {
        List<String> out = new ArrayList<>();
        for (String line : lines()) {
            Matcher m = PREFIX_ROW.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    /**
     * The metric families of a Prometheus or OpenMetrics text exposition, by their {@code # TYPE} lines, named as
     * queries name them: a counter with its {@code _total} (OpenMetrics leaves it out of the family name).
     */
    public static Set<String> families(String exposition) {
        Set<String> out = new TreeSet<>();
        Matcher m = TYPE.matcher(exposition);
        while (m.find()) {
            boolean counter = m.group(2).equals("counter") && !m.group(1).endsWith("_total");
            out.add(counter ? m.group(1) + "_total" : m.group(1));
        }
        return out;
    }

    /** The value of one series ({@code name{labels}} as exposed) in a scrape; 0 when it is not there. */
    public static double value(String exposition, String series) {
        for (String line : exposition.replace(",}", "}").split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).split(" ")[0]);
            }
        }
        return 0;
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(DOC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
