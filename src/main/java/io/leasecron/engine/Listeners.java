package io.leasecron.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The engine's listeners: every event goes to each of them in turn, on the publishing thread. A listener that
 * throws is logged and counted; it never reaches the engine or the other listeners.
 */
final class Listeners {
    private static final Logger LOG = Logger.getLogger(Listeners.class);

    private final List<ExecutionListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong failures = new AtomicLong();

    void add(ExecutionListener listener) {
        listeners.add(listener);
    }

    void publish(ExecutionEvent event) {
        for (ExecutionListener l : listeners) {
            try {
                l.on(event);
            } catch (Throwable t) {
                failures.incrementAndGet();
                LOG.errorf(t, "%s slot %s: listener %s failed on %s", event.job(), event.slot(),
                        l.getClass().getSimpleName(), event.getClass().getSimpleName());
            }
        }
    }

    long failures() {
        return failures.get();
    }
}
