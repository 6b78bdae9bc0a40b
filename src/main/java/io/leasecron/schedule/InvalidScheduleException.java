package io.leasecron.schedule;

/** A schedule that cannot be used; the message names the part that is wrong and how to fix it. */
public final class InvalidScheduleException extends Exception {
    public InvalidScheduleException(String message) {
        super(message);
    }
}
