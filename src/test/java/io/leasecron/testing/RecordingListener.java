package io.leasecron.testing;

import io.leasecron.engine.ExecutionEvent;
import io.leasecron.engine.ExecutionListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Keeps every engine event, in order. */
public final class RecordingListener implements ExecutionListener {
    private final List<ExecutionEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void on(ExecutionEvent event) {
        events.add(event);
    }

    public List<ExecutionEvent> all() {
        return List.copyOf(events);
    }

    public <T extends ExecutionEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    /** Compact "job@slot:Type" lines, for exact assertions on a whole sequence. */
    public List<String> lines() {
        return events.stream().map(e -> e.job() + "@" + e.slot() + ":" + e.getClass().getSimpleName()
                + (e instanceof ExecutionEvent.SkippedExecution s ? "(" + s.reason().label() + ")" : "")).toList();
    }

    public void clear() {
        events.clear();
    }
}
