package io.leasecron.job;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Calls an HTTP endpoint. The fire counts as succeeded when the response status is one of
 * {@code expectStatus} (default: any 2xx).
 *
 * @param headers extra request headers; the contract headers ({@code Leasecron-*}, {@code Idempotency-Key}) are
 *        always set by the runner and cannot be overridden here
 * @param secretHeaders headers whose values come from Secrets, read at fire time
 * @param body request body, sent as is; {@code null} for none
 */
public record HttpAction(URI url, String method, Map<String, String> headers, Map<String, SecretRef> secretHeaders, String body,
        StatusMatcher expectStatus) implements Action {

    public HttpAction {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(method, "method");
        headers = Map.copyOf(headers);
        secretHeaders = Map.copyOf(secretHeaders);
        Objects.requireNonNull(expectStatus, "expectStatus");
    }

    @Override
    public String kind() {
        return "http";
    }

    /** Which response statuses count as success: exact codes and/or whole classes such as {@code 2xx}. */
    public record StatusMatcher(List<Integer> codes, List<Integer> classes) {
        public static final StatusMatcher ANY_2XX = new StatusMatcher(List.of(), List.of(2));

        public StatusMatcher {
            codes = List.copyOf(codes);
            classes = List.copyOf(classes);
        }

        public boolean matches(int status) {
            return codes.contains(status) || classes.contains(status / 100);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (Integer c : codes) {
                b.append(b.isEmpty() ? "" : ", ").append(c);
            }
            for (Integer c : classes) {
                b.append(b.isEmpty() ? "" : ", ").append(c).append("xx");
            }
            return b.toString();
        }
    }
}
