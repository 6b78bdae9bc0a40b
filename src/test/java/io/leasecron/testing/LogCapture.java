package io.leasecron.testing;

import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects the messages logged on one category into a list, until closed. */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Handler handler;

    private LogCapture(String category, List<String> into) {
        this.logger = Logger.getLogger(category);
        this.handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                into.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
    }

    /** From now on, every message of {@code category} is added to {@code into} (a thread-safe list). */
    public static LogCapture into(String category, List<String> into) {
        return new LogCapture(category, into);
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
