package io.leasecron.execution;

import java.util.List;

/**
 * Keeps Secret values out of outcomes: a target that echoes a credential in an error body, or a program that prints
 * its environment, must not put it into logs, run history, the API or Events.
 */
final class Redaction {
    static final String MARK = "<redacted>";

    private Redaction() {
    }

    /** {@code text} with every occurrence of each value (of 4 characters or more) replaced by {@value #MARK}. */
    static String redact(String text, List<String> values) {
        String out = text;
        for (String v : values) {
            if (v.length() >= 4) {
                out = out.replace(v, MARK);
            }
        }
        return out;
    }
}
