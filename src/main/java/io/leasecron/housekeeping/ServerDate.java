package io.leasecron.housekeeping;

import java.time.Instant;

/** Asks the API server for the time: one request, answered with its {@code Date} header (whole seconds). */
@FunctionalInterface
public interface ServerDate {
    /** Blocks for one request; throws when there is no answer or it carries no {@code Date}. */
    Instant fetch() throws Exception;
}
