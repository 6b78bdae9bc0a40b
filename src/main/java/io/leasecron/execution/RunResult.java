package io.leasecron.execution;

/** How an attempt ended, as judged by its action. Timeouts are decided by the engine, not here. */
public sealed interface RunResult {
    String detail();

    record Succeeded(String detail) implements RunResult {
    }

    record Failed(String detail) implements RunResult {
    }
}
