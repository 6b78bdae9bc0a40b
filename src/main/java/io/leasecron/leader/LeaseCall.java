package io.leasecron.leader;

import java.time.Instant;
import java.util.Optional;

/**
 * The calls the {@link Election} asks the {@link LeaseWriter} to make, and what they came to: one request at a
 * time, exactly one answer each.
 */
final class LeaseCall {
    private LeaseCall() {
    }

    /** One API call. */
    sealed interface Request {
        record Poll() implements Request {
        }

        record Acquire(LeaseRecord record, boolean create, boolean ownTerm) implements Request {
        }

        /** A renewal, carrying a claim and progress: {@code claim} and {@code progress} hold once it commits. */
        record Write(LeaseRecord record, Instant claim, Instant progress) implements Request {
        }

        record Release(LeaseRecord record) implements Request {
        }
    }

    /** What a request came to; {@link LeaseWriter} classifies the API's answer. */
    sealed interface Answer {
        /** A read: the Lease as it is (empty: there is none). */
        record Read(Optional<LeaseRecord> lease) implements Answer {
        }

        /** The write was applied; {@code written} is the Lease after it. */
        record Committed(LeaseRecord written) implements Answer {
        }

        /**
         * A conditional write was refused, but the Lease shows this very term's own earlier write, whose answer was
         * lost: the writer continues from {@code current}.
         */
        record Landed(LeaseRecord current) implements Answer {
        }

        /** Someone else wrote first; {@code current} is the Lease read afterwards, null if it could not be read. */
        record Lost(String message, Optional<LeaseRecord> current) implements Answer {
        }

        /** The API could not be asked, or did not answer: the write may or may not have been applied. */
        record Failed(String message) implements Answer {
        }
    }
}
