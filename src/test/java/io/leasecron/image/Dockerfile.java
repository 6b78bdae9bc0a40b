package io.leasecron.image;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The instructions of a Dockerfile, read as Docker reads them: comment lines dropped, backslash continuations joined.
 * Only the instructions and forms the project's Dockerfiles use are interpreted (no parser directives, no heredocs,
 * no variable substitution); anything else is kept as text.
 */
record Dockerfile(Path path, List<Instruction> instructions) {

    /** One instruction: its keyword in upper case, the rest of the line, and the line it starts on. */
    record Instruction(String keyword, String arguments, int line) {
    }

    /** A {@code COPY}: its {@code --flag=value} options, its sources (relative to the build context) and destination. */
    record Copy(Map<String, String> flags, List<String> sources, String destination, int line) {
    }

    static Dockerfile read(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = null;
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.startsWith("#") || (line.isEmpty() && current == null)) {
                continue;
            }
            boolean continued = line.endsWith("\\");
            String text = continued ? line.substring(0, line.length() - 1) : line;
            if (current == null) {
                current = new StringBuilder(text);
                start = i + 1;
            } else {
                current.append(' ').append(text);
            }
            if (!continued) {
                String joined = current.toString().strip();
                int space = joined.indexOf(' ');
                out.add(new Instruction(joined.substring(0, space).toUpperCase(java.util.Locale.ROOT),
                        joined.substring(space + 1).strip(), start));
                current = null;
            }
        }
        return new Dockerfile(path, List.copyOf(out));
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The arguments of the only instruction with this keyword; fails when there are none or several. */
    String only(String keyword) {
        List<Instruction> found = all(keyword);
        if (found.size() != 1) {
            throw new AssertionError(path + ": expected exactly one " + keyword + ", found " + found.size());
        }
        return found.get(0).arguments();
    }

    /** The user the container runs as: the last {@code USER}. */
    String user() {
        List<Instruction> users = all("USER");
        if (users.isEmpty()) {
            throw new AssertionError(path + ": no USER, so the container would run as root");
        }
        return users.get(users.size() - 1).arguments();
    }

    List<String> exposed() {
        return all("EXPOSE").stream().flatMap(i -> List.of(i.arguments().split("\\s+")).stream()).toList();
    }

    /** The exec-form {@code ENTRYPOINT} (a JSON array); fails on the shell form, which would not receive SIGTERM. */
    List<String> entrypoint() {
        String args = only("ENTRYPOINT");
        if (!args.startsWith("[")) {
            throw new AssertionError(path + ": ENTRYPOINT " + args + " is in shell form; the process under /bin/sh -c"
                    + " would not receive SIGTERM, so the Lease would not be released on shutdown");
        }
        try {
            return new ObjectMapper().readValue(args, new TypeReference<List<String>>() {
            });
        } catch (IOException e) {
            throw new AssertionError(path + ": ENTRYPOINT is not a JSON array: " + args, e);
        }
    }

    /** Every {@code ENV key=value} pair, later ones winning; values may be quoted with ' or ". */
    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Instruction i : all("ENV")) {
            List<String> words = words(i.arguments());
            for (String word : words) {
                int eq = word.indexOf('=');
                if (eq < 0) {
                    throw new AssertionError(path + ":" + i.line() + ": ENV without key=value: " + i.arguments());
                }
                env.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return env;
    }

    List<Copy> copies() {
        List<Copy> copies = new ArrayList<>();
        for (Instruction i : all("COPY")) {
            Map<String, String> flags = new LinkedHashMap<>();
            List<String> paths = new ArrayList<>();
            for (String word : words(i.arguments())) {
                if (word.startsWith("--")) {
                    int eq = word.indexOf('=');
                    flags.put(word.substring(2, eq < 0 ? word.length() : eq), eq < 0 ? "" : word.substring(eq + 1));
                } else {
                    paths.add(word);
                }
            }
            if (paths.size() < 2) {
                throw new AssertionError(path + ":" + i.line() + ": COPY needs a source and a destination");
            }
            copies.add(new Copy(flags, List.copyOf(paths.subList(0, paths.size() - 1)), paths.get(paths.size() - 1), i.line()));
        }
        return copies;
    }

    /** Splits on blanks outside quotes and removes the quotes, as Docker does for ENV and COPY arguments. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
