package io.leasecron.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command-line tool a test needs (helm, kubectl) to its end, within a time limit, and keeps what it printed. */
public final class Commands {
    private Commands() {
    }

    /** How the command ended: its exit status, standard output and standard error. */
    public record Result(int exit, String out, String err) {
        /** stdout, or a failure carrying the command's stderr. */
        public String ok(String what) {
            if (exit != 0) {
                throw new IllegalStateException(what + " exited with " + exit + ":\n" + err.strip());
            }
            return out;
        }
    }

    /**
     * Runs {@code command} in {@code dir} (null: this process's) with {@code env} added and {@code stdin} as its input
     * (null: none); fails if it has not ended within {@code timeout}.
     */
    public static Result run(List<String> command, Path dir, Map<String, String> env, String stdin, Duration timeout) {
        Path err = null;
        try {
            err = Files.createTempFile("leasecron-command-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile());
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out, Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException e) {
                    // a temporary file
                }
            }
        }
    }
}
