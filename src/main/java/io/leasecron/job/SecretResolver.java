package io.leasecron.job;


/**
 * Reads the value behind a {@link SecretRef} when a fire of a job needs it, from that job's namespace (in a cluster;
 * local mode has one set of Secrets). Messages name the Secret and key, never a value.
 */
@FunctionalInterface
public interface SecretResolver {
    String value(JobId job, SecretRef ref) throws SecretUnavailableException;

    /** No Secrets available: every reference fails with {@code why}. */
    static SecretResolver none(String why) {
        return (job, ref) -> {
            throw new SecretUnavailableException(ref + ": " + why);
        };
    }

    final class SecretUnavailableException extends Exception {
        public SecretUnavailableException(String message) {
            super(message, null, false, false);
        }
    }
}
