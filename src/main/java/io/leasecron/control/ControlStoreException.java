package io.leasecron.control;

/** The control store could not be read or written (the API server refused or did not answer): the message says which. */
public final class ControlStoreException extends RuntimeException {
    public ControlStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
