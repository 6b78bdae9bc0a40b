package io.leasecron.job;


/**
 * Reads the value behind a {@link SecretRef} when a fire needs it. Messages name the Secret and key, never a value.
 */
@FunctionalInterface
public interface SecretResolver {
    String value(SecretRef ref) throws SecretUnavailableException;

    /** No Secrets available: every reference fails with {@code why}. */
    static SecretResolver none(String why) {
        return ref -> {
            throw new SecretUnavailableException(ref + ": " + why);
        };
    }

    final class SecretUnavailableException extends Exception {
        public SecretUnavailableException(String message) {
            super(message, null, false, false);
        }
    }
}
