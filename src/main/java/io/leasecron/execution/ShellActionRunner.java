package io.leasecron.execution;

import io.leasecron.job.SecretResolver;

import io.leasecron.job.ShellAction;
import io.leasecron.text.Redaction;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs {@link ShellAction}s as child processes. The argument vector is passed as is (no shell); the environment is
 * only {@code PATH}, the job's {@code env} (Secrets resolved at fire time) and the contract variables
 * {@code LEASECRON_JOB}, {@code LEASECRON_SCHEDULED_TIME}, {@code IDEMPOTENCY_KEY}, {@code LEASECRON_REPLICA},
 * {@code LEASECRON_ATTEMPT}, {@code LEASECRON_TERM} — never the service's own environment. Standard output and
 * error are captured together; at most the last {@value #MAX_OUTPUT} bytes are held while the program runs and
 * the last {@value #MAX_EXCERPT} characters go into the outcome, with Secret values redacted. Cancelling the fire
 * (timeout, Replace, shutdown) kills the process and all its descendants.
 */
public final class ShellActionRunner implements ActionRunner {
    static final int MAX_OUTPUT = 16 * 1024;
    /** How much of the output goes into the run's outcome (run history, log). */
    static final int MAX_EXCERPT = 512;
    private final SecretResolver secrets;
    private final String path;

    public ShellActionRunner(SecretResolver secrets) {
        this.secrets = secrets;
        String p = System.getenv("PATH");
        this.path = p == null || p.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : p;
    }

    @Override
    public CompletableFuture<RunResult> start(Fire fire) {
        ShellAction a = (ShellAction) fire.spec().action();
        ProcessBuilder pb = new ProcessBuilder(a.command()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", path);
        env.putAll(a.env());
        java.util.List<String> secretValues = new java.util.ArrayList<>();
        for (var e : a.secretEnv().entrySet()) {
            try {
                String value = secrets.value(fire.spec().id(), e.getValue());
                env.put(e.getKey(), value);
                secretValues.add(value);
            } catch (SecretResolver.SecretUnavailableException ex) {
                return CompletableFuture.completedFuture(new RunResult.Failed("env " + e.getKey() + ": " + ex.getMessage()));
            }
        }
        env.put("LEASECRON_JOB", fire.spec().id().toString());
        env.put("LEASECRON_SCHEDULED_TIME", HttpActionRunner.SCHEDULED_TIME.format(fire.slot()));
        env.put("IDEMPOTENCY_KEY", fire.idempotencyKey());
        env.put("LEASECRON_REPLICA", fire.replica());
        env.put("LEASECRON_ATTEMPT", Integer.toString(fire.attempt()));
        env.put("LEASECRON_TERM", Long.toString(fire.term()));
        if (a.workingDir() != null) {
            pb.directory(new File(a.workingDir()));
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return CompletableFuture.completedFuture(new RunResult.Failed("cannot start " + a.command().get(0) + ": " + e.getMessage()));
        }
        Output output = new Output(process.getInputStream());
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        process.onExit().thenAccept(p -> {
            output.await();
            int code = p.exitValue();
            String text = output.excerpt(secretValues);
            result.complete(code == 0 ? new RunResult.Succeeded("exit 0" + text)
                    : new RunResult.Failed("exit " + code + text));
        });
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                kill(process);
            }
        });
        return result;
    }

    /** The process and everything it started, children first. */
    static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** Reads a process's output on a thread of its own, keeping a bounded prefix. */
    private static final class Output {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long total;
        private final Thread reader;

        Output(InputStream in) {
            reader = new Thread(() -> {
                byte[] buf = new byte[4096];
                try (in) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        synchronized (this) {
                            kept.write(buf, 0, n);
                            total += n;
                            if (kept.size() > 2 * MAX_OUTPUT) {
                                // keep the last MAX_OUTPUT bytes: the end of the output is where errors are
                                byte[] all = kept.toByteArray();
                                kept.reset();
                                kept.write(all, all.length - MAX_OUTPUT, MAX_OUTPUT);
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process was killed, or closed its output
                }
            }, "leasecron-shell-output");
            reader.setDaemon(true);
            reader.start();
        }

        void await() {
            try {
                reader.join(2000); // a grandchild may keep the pipe open; do not wait for it forever
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The end of the output, with Secret values redacted before it is cut (so no fragment of one survives). */
        synchronized String excerpt(java.util.List<String> secretValues) {
            if (total == 0) {
                return "";
            }
            String text = Redaction.secretValues(kept.toString(StandardCharsets.UTF_8), secretValues).strip();
            String shown = text.length() > MAX_EXCERPT ? "…" + text.substring(text.length() - MAX_EXCERPT) : text;
            return "; output (" + total + " bytes, the last " + Math.min(total, MAX_EXCERPT) + " shown): " + shown.replaceAll("\\s+", " ");
        }
    }
}
