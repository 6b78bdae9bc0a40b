package io.leasecron.engine;

/**
 * Observes {@link ExecutionEvent}s. Called synchronously on engine threads: keep it short and non-blocking. A
 * listener that throws is logged and counted; it never disturbs the engine or the other listeners.
 */
@FunctionalInterface
public interface ExecutionListener {
    void on(ExecutionEvent event);
}
