package io.leasecron.job;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs a program: {@code command} is the argument vector, passed to the program as is (no shell, no
 * interpolation; write {@code ["/bin/sh", "-c", "..."]} to want one). Off unless the operator enables shell actions.
 *
 * @param env extra environment variables; the process gets only these, {@code PATH} and the contract variables
 * @param secretEnv environment variables whose values come from Secrets
 * @param workingDir working directory, or null for the service's
 */
public record ShellAction(List<String> command, Map<String, String> env, Map<String, SecretRef> secretEnv, String workingDir)
        implements Action {
    public ShellAction {
        command = List.copyOf(command);
        env = Map.copyOf(env);
        secretEnv = Map.copyOf(secretEnv);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        Objects.requireNonNull(command.get(0));
    }

    @Override
    public String kind() {
        return "shell";
    }
}
