package io.leasecron.api.auth;

/** The answer to "may this caller make this request": let through as a named caller, or refused with a status. */
public sealed interface Verdict {
    /** Let through; {@code caller} is the name the endpoints and the audit log use. */
    record Allowed(String caller) implements Verdict {
    }

    /**
     * Refused: 401 (no caller could be established), 403 (the caller may not), 503 (the API server could not be
     * asked: never let through on an error).
     *
     * @param caller the caller's name when known (403), else {@code null}
     */
    record Refused(int status, String caller, String message) implements Verdict {
    }
}
