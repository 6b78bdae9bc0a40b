package io.leasecron.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.job.JobId;
import io.leasecron.job.JobSpec;
import io.leasecron.job.JobSpecParser;
import io.leasecron.job.SecretResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Real child processes: what they get, what comes back, and what a cancel leaves behind (nothing). */
class ShellActionRunnerTest {
    static final Instant SLOT = Instant.parse("2026-12-01T09:00:00Z");
    static final String SECRET = "s3cr3t-Value-42";
    final SecretResolver secrets = (job, ref) -> {
        if (ref.name().equals("creds") && ref.key().equals("token")) {
            return SECRET;
        }
        throw new SecretResolver.SecretUnavailableException(ref + ": there is no such Secret");
    };
    final ShellActionRunner runner = new ShellActionRunner(secrets);

    static JobSpec shell(String command) throws Exception {
        return JobSpecParser.parse(new JobId("ops", "task"), "schedule: \"@daily\"\nshell: {command: " + command
                + ", env: {MODE: full, TOKEN: {valueFrom: {secretKeyRef: {name: creds, key: token}}}}}\n", new JobSpecParser.Options(true));
    }

    RunResult run(String command) throws Exception {
        return runner.start(new Fire(shell(command), SLOT, 2, 7, "pod-a")).get(10, TimeUnit.SECONDS);
    }

    @Test
    void the_program_gets_its_arguments_untouched_the_contract_variables_and_only_its_own_environment() throws Exception {
        RunResult r = run("[/bin/sh, -c, 'echo \"$1|$LEASECRON_JOB|$LEASECRON_SCHEDULED_TIME|$LEASECRON_ATTEMPT|$LEASECRON_TERM|$LEASECRON_REPLICA|$MODE|${HOME:-no-home}\"', sh, '$HOME; rm -rf x']");
        assertEquals(new RunResult.Succeeded("exit 0; output (73 bytes, the last 73 shown): $HOME; rm -rf x|ops/task|2026-12-01T09:00:00.000Z|2|7|pod-a|full|no-home"), r);
    }

    @Test
    void a_non_zero_exit_fails_with_the_end_of_the_output_and_secret_values_redacted() throws Exception {
        RunResult r = run("[/bin/sh, -c, 'echo token is $TOKEN; echo failing >&2; exit 3']");
        assertEquals(new RunResult.Failed("exit 3; output (33 bytes, the last 33 shown): token is <redacted> failing"), r);
    }

    @Test
    void output_is_bounded_and_only_its_end_is_kept() throws Exception {
        RunResult r = run("[/bin/sh, -c, 'head -c 1000000 /dev/zero | tr \"\\\\0\" x; echo; echo the-end']");
        assertInstanceOf(RunResult.Succeeded.class, r);
        assertTrue(r.detail().startsWith("exit 0; output (1000009 bytes, the last 512 shown): …"), r.detail());
        assertTrue(r.detail().endsWith("xxx the-end"), r.detail());
        assertTrue(r.detail().length() < 700, "bounded: " + r.detail().length());
    }

    @Test
    void a_program_that_cannot_start_fails_with_the_reason() throws Exception {
        RunResult r = run("[/no/such/program]");
        assertEquals("cannot start /no/such/program: Cannot run program \"/no/such/program\": error=2, No such file or directory", r.detail());
    }

    @Test
    void a_missing_secret_fails_the_fire_without_starting_anything() throws Exception {
        JobSpec spec = JobSpecParser.parse(new JobId("ops", "task"), "schedule: \"@daily\"\nshell: {command: [/bin/true], env: {T: "
                + "{valueFrom: {secretKeyRef: {name: gone, key: k}}}}}\n", new JobSpecParser.Options(true));
        RunResult r = runner.start(new Fire(spec, SLOT, 1, 1, "pod-a")).get();
        assertEquals(new RunResult.Failed("env T: secret gone key k: there is no such Secret"), r);
    }

    @Test
    void cancelling_the_fire_kills_the_process_and_its_children() throws Exception {
        CompletableFuture<RunResult> f = runner.start(new Fire(shell("[/bin/sh, -c, 'sleep 300 & sleep 300 & wait']"), SLOT, 1, 1, "pod-a"));
        List<ProcessHandle> tree = awaitTree(3);
        f.cancel(true);
        for (ProcessHandle p : tree) {
            p.onExit().get(10, TimeUnit.SECONDS);
            assertFalse(p.isAlive(), "pid " + p.pid() + " is gone");
        }
    }

    static JobSpec inDirectory(String workingDir, String script) throws Exception {
        return JobSpecParser.parse(new JobId("ops", "task"), "schedule: \"@daily\"\nshell:\n  command: [/bin/sh, -c, '" + script + "']\n"
                + (workingDir == null ? "" : "  workingDir: " + workingDir + "\n"), new JobSpecParser.Options(true));
    }

    @Test
    void the_program_runs_in_its_working_directory_or_else_in_the_services() throws Exception {
        Path dir = Files.createTempDirectory("leasecron-workdir").toRealPath();
        try {
            Files.writeString(dir.resolve("input.csv"), "a,b\n");
            RunResult inDir = runner.start(new Fire(inDirectory(dir.toString(), "pwd; ls"), SLOT, 1, 1, "pod-a")).get(10, TimeUnit.SECONDS);
            String expected = dir + "\ninput.csv\n";
            assertEquals(new RunResult.Succeeded("exit 0; output (" + expected.length() + " bytes, the last " + expected.length()
                    + " shown): " + dir + " input.csv"), inDir);
        } finally {
            Files.deleteIfExists(dir.resolve("input.csv"));
            Files.delete(dir);
        }
        RunResult unset = runner.start(new Fire(inDirectory(null, "pwd"), SLOT, 1, 1, "pod-a")).get(10, TimeUnit.SECONDS);
        String service = Path.of("").toAbsolutePath().toRealPath().toString();
        assertEquals(new RunResult.Succeeded("exit 0; output (" + (service.length() + 1) + " bytes, the last " + (service.length() + 1)
                + " shown): " + service), unset);
    }

    @Test
    void a_working_directory_that_does_not_exist_fails_the_fire_with_the_reason() throws Exception {
        RunResult r = runner.start(new Fire(inDirectory("/no/such/dir", "pwd"), SLOT, 1, 1, "pod-a")).get(10, TimeUnit.SECONDS);
        assertEquals(new RunResult.Failed("cannot start /bin/sh: Cannot run program \"/bin/sh\" (in directory \"/no/such/dir\"): "
                + "error=2, No such file or directory"), r);
    }

    /** The shell and its two sleeps, found among this JVM's descendants once they exist (another thread starts them). */
    static List<ProcessHandle> awaitTree(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<ProcessHandle> all = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().map(c -> c.endsWith("sh") || c.endsWith("sleep")).orElse(false)).toList();
            if (all.size() >= n) {
                return all;
            }
            assertTrue(System.nanoTime() < deadline, "the processes started: " + all);
            Thread.sleep(10);
        }
    }
}
