package io.leasecron.api.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Local mode: one shared token from {@code LEASECRON_API_TOKEN}, compared in constant time (SHA-256 digests of both,
 * compared with {@link MessageDigest#isEqual}, so neither the content nor the length leaks through timing). Whoever
 * sends it is the caller {@value #CALLER}. Without it configured, every request that needs a caller is refused.
 */
final class StaticTokenAccess implements Access {
    /** The caller's name for the endpoints and the audit log: there is no user, only the token. */
    static final String CALLER = "api-token";

    private final byte[] expected;

    StaticTokenAccess(Optional<String> token) {
        this.expected = token.filter(t -> !t.isEmpty()).map(StaticTokenAccess::sha256).orElse(null);
    }

    @Override
    public Verdict check(String token, ApiRequest.Mutation mutation) {
        if (expected == null) {
            return new Verdict.Refused(401, null, "this replica accepts no " + (mutation == null ? "reads" : "changes")
                    + " over the API until LEASECRON_API_TOKEN is set (local mode): set it, restart, and send it as"
                    + " Authorization: Bearer <token>");
        }
        if (token == null) {
            return new Verdict.Refused(401, null, "send the value of LEASECRON_API_TOKEN as Authorization: Bearer <token>");
        }
        if (!MessageDigest.isEqual(expected, sha256(token))) {
            return new Verdict.Refused(401, null, "the bearer token is not the value of LEASECRON_API_TOKEN");
        }
        return new Verdict.Allowed(CALLER);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
