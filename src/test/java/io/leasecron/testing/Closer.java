package io.leasecron.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * What a test opened (replicas, clients, servers), closed in the reverse order after it; one failing close does not
 * keep the others open.
 */
public final class Closer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Closer.class);
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Closes {@code c} after the test; returns it. */
    public synchronized <T extends AutoCloseable> T add(T c) {
        open.add(c);
        return c;
    }

    @Override
    public synchronized void close() {
        Collections.reverse(open);
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing what a test left", e);
            }
        }
        open.clear();
    }
}
