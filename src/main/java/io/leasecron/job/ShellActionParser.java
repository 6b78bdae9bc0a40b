package io.leasecron.job;

import static io.leasecron.job.SpecReader.describe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a spec's {@code shell} mapping into a {@link ShellAction} (an argument vector, its environment and
 * working directory), refusing it outright unless the operator enabled shell actions.
 */
final class ShellActionParser {

    static final Set<String> SHELL_FIELDS = Set.of("command", "env", "workingDir");

    private ShellActionParser() {
    }

    /** The action, or null after recording why there is none. */
    static ShellAction parse(JsonNode node, boolean shellEnabled, SpecReader read) {
        if (!shellEnabled) {
            read.problem("shell actions are disabled on this installation; an operator enables them with LEASECRON_SHELL_ENABLED=true, "
                    + "or use http or kubernetesJob");
            return null;
        }
        if (node == null || !node.isObject()) {
            read.problem("shell must be a mapping with at least command, got " + describe(node)
                    + "; write e.g. shell: {command: [/usr/bin/backup, --full]}");
            return null;
        }
        read.rejectUnknown(node, SHELL_FIELDS, "shell.");
        JsonNode cmd = node.get("command");
        List<String> command = new ArrayList<>();
        if (cmd == null || cmd.isNull()) {
            read.problem("shell.command is missing; set the program and its arguments as a list, e.g. [/usr/bin/backup, --full]");
        } else if (!cmd.isArray() || cmd.isEmpty()) {
            read.problem("shell.command must be a non-empty list (the argument vector, no shell), got " + describe(cmd)
                    + "; write e.g. [/bin/sh, -c, \"pg_dump mydb | gzip > /backup/db.gz\"] to use a shell");
        } else {
            for (JsonNode a : cmd) {
                if (!a.isValueNode() || a.isNull()) {
                    read.problem("shell.command items must be text, got " + describe(a));
                    return null;
                }
                command.add(a.asText());
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, SecretRef> secretEnv = new LinkedHashMap<>();
        env(node.get("env"), env, secretEnv, read);
        String workingDir = read.text(node, "workingDir", "shell.workingDir").orElse(null);
        if (workingDir != null && !workingDir.startsWith("/")) {
            read.problem("shell.workingDir \"" + workingDir + "\" must be an absolute path");
            return null;
        }
        return command.isEmpty() ? null : new ShellAction(command, env, secretEnv, workingDir);
    }

    /** The variables a spec may set; those leasecron sets on every fire (and PATH) are refused. */
    private static void env(JsonNode envNode, Map<String, String> env, Map<String, SecretRef> secretEnv, SpecReader read) {
        if (envNode == null || envNode.isNull()) {
            return;
        }
        if (!envNode.isObject()) {
            read.problem("shell.env must be a mapping of variable name to value, got " + describe(envNode));
            return;
        }
        envNode.fields().forEachRemaining(e -> {
            String name = e.getKey();
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                read.problem("shell.env \"" + name + "\" is not a valid variable name; use letters, digits and '_'");
            } else if (name.startsWith("LEASECRON_") || name.equals("IDEMPOTENCY_KEY") || name.equals("PATH")) {
                read.problem("shell.env \"" + name + "\" is set by leasecron on every fire; remove it from the spec");
            } else if (e.getValue().isObject()) {
                read.secretRef(e.getValue(), "shell.env \"" + name + "\"").ifPresent(r -> secretEnv.put(name, r));
            } else if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                read.problem("shell.env \"" + name + "\" must be a text value or valueFrom.secretKeyRef, got " + describe(e.getValue()));
            } else {
                env.put(name, e.getValue().asText());
            }
        });
    }
}
