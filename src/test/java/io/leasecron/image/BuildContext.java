package io.leasecron.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files {@code docker build .} sends from the repository root once {@code .dockerignore} has been applied, and
 * what each {@code COPY} takes from them. Patterns follow Docker's rules as far as the project uses them: the last
 * matching line wins, {@code !} re-includes, a pattern that matches a directory matches everything under it, {@code *}
 * stays within one path segment and {@code **} crosses them.
 */
final class BuildContext {
    private final Path root;
    private final List<String> patterns;

    private BuildContext(Path root, List<String> patterns) {
        this.root = root;
        this.patterns = patterns;
    }

    static BuildContext of(Path root) {
        Path ignore = root.resolve(".dockerignore");
        try {
            List<String> patterns = Files.exists(ignore) ? Files.readAllLines(ignore).stream().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList() : List.of();
            return new BuildContext(root, patterns);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code relative} (with '/' separators) is left out of the build context. */
    boolean excluded(String relative) {
        boolean excluded = false;
        for (String line : patterns) {
            boolean exception = line.startsWith("!");
            String pattern = (exception ? line.substring(1) : line).replaceFirst("^/", "");
            if (matchesOrParentMatches(pattern, relative)) {
                excluded = !exception;
            }
        }
        return excluded;
    }

    private static boolean matchesOrParentMatches(String pattern, String relative) {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        for (Path p = Path.of(relative); p != null; p = p.getParent()) {
            if (matcher.matches(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The context files one COPY source names: a file, every file under a directory, or the matches of a wildcard in
     * its last segment; those {@code .dockerignore} leaves out are not there. Each is returned with the path it gets
     * under a destination directory.
     */
    List<Source> resolve(String source) {
        String clean = source.replaceFirst("/+$", "");
        int slash = clean.lastIndexOf('/');
        String dir = slash < 0 ? "" : clean.substring(0, slash);
        String last = clean.substring(slash + 1);
        if (dir.contains("*") || dir.contains("?")) {
            throw new AssertionError("COPY source " + source + ": wildcards are only interpreted in the last segment here");
        }
        List<Source> out = new ArrayList<>();
        Path base = root.resolve(dir);
        if (!Files.isDirectory(base)) {
            return out;
        }
        PathMatcher name = FileSystems.getDefault().getPathMatcher("glob:" + last);
        try (Stream<Path> entries = Files.list(base)) {
            for (Path entry : entries.sorted().toList()) {
                if (!name.matches(entry.getFileName())) {
                    continue;
                }
                if (Files.isDirectory(entry)) {
                    // A directory's contents land in the destination, not the directory itself (matched by a wildcard too).
                    try (Stream<Path> files = Files.walk(entry)) {
                        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                            add(out, f, entry.relativize(f), true);
                        }
                    }
                } else {
                    add(out, entry, entry.getFileName(), false);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private void add(List<Source> out, Path file, Path target, boolean inDirectory) {
        String relative = root.relativize(file).toString().replace('\\', '/');
        if (!excluded(relative)) {
            out.add(new Source(file, target.toString(), inDirectory));
        }
    }

    /** A context file, its path relative to a COPY destination directory, and whether a named directory held it. */
    record Source(Path file, String target, boolean inDirectory) {
    }

    /**
     * Carries out every COPY of {@code dockerfile} under {@code imageRoot} (standing for the image's /); fails when a
     * COPY would find nothing, as {@code docker build} does.
     */
    void copyInto(Dockerfile dockerfile, Path imageRoot) {
        for (Dockerfile.Copy copy : dockerfile.copies()) {
            for (String source : copy.sources()) {
                List<Source> files = resolve(source);
                if (files.isEmpty()) {
                    throw new AssertionError(dockerfile.path().getFileName() + ":" + copy.line() + ": COPY " + source
                            + " finds nothing in the build context (is the application packaged, does .dockerignore let it in?)");
                }
                Path destination = imageRoot.resolve(copy.destination().replaceFirst("^/", ""));
                // A destination without a trailing slash names the file itself, for a single file source.
                boolean toFile = !copy.destination().endsWith("/") && files.size() == 1 && copy.sources().size() == 1
                        && !files.get(0).inDirectory();
                for (Source f : files) {
                    try {
                        Path target = toFile ? destination : destination.resolve(f.target());
                        Files.createDirectories(target.getParent());
                        Files.copy(f.file(), target, StandardCopyOption.REPLACE_EXISTING);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        }
    }
}
