package io.leasecron.job;

import static io.leasecron.job.SpecReader.describe;

import com.fasterxml.jackson.databind.JsonNode;
import io.leasecron.text.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a spec's {@code http} mapping into an {@link HttpAction}: the URL (never with a credential in it), the
 * method, headers (none that leasecron or the HTTP client sets), the body and the expected statuses.
 */
final class HttpActionParser {

    static final Set<String> HTTP_FIELDS = Set.of("url", "method", "headers", "body", "expectStatus");
    static final List<String> HTTP_METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");

    private HttpActionParser() {
    }

    /** The action, or null after recording why there is none. */
    static HttpAction parse(JsonNode node, SpecReader read) {
        if (node == null || !node.isObject()) {
            read.problem("http must be a mapping with at least url, got " + describe(node)
                    + "; write e.g. http: {url: https://example.com/hook}");
            return null;
        }
        read.rejectUnknown(node, HTTP_FIELDS, "http.");
        Optional<String> urlText = read.text(node, "url", "http.url");
        URI url = null;
        if (urlText.isEmpty()) {
            if (!node.has("url")) {
                read.problem("http.url is missing; set the absolute http:// or https:// URL to call");
            }
        } else {
            url = url(urlText.get(), read);
        }
        String method = read.text(node, "method", "http.method").map(m -> {
            String upper = m.toUpperCase(Locale.ROOT);
            if (!HTTP_METHODS.contains(upper)) {
                read.problem("http.method \"" + m + "\" is not supported; use one of " + String.join(", ", HTTP_METHODS));
            }
            return upper;
        }).orElse("POST");
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, SecretRef> secretHeaders = new LinkedHashMap<>();
        headers(node.get("headers"), headers, secretHeaders, read);
        Optional<String> body = read.text(node, "body", "http.body");
        if (body.isPresent() && (method.equals("GET") || method.equals("HEAD"))) {
            read.problem("http.body is set but http.method is " + method + ", which sends no body; use POST, PUT or PATCH");
        }
        HttpAction.StatusMatcher expect = expectStatus(node.get("expectStatus"), read);
        if (url == null || expect == null) {
            return null;
        }
        return new HttpAction(url, method, headers, secretHeaders, body.orElse(null), expect);
    }

    /**
     * The URL to call. A credential in its user-info is refused, since the spec is shown in the API and its
     * text is kept in the ConfigMap; it goes in a header from a Secret instead. Every message shows the URL
     * as {@link Redaction#url(String)} renders it, never the credential. Any {@code @} after {@code ://} counts as
     * user-info ({@link Redaction#hasUserInfo}), since a password holding {@code /}, {@code ?} or {@code #} hides
     * the real host from every parser; an {@code @} meant for the path or query is written {@code %40}. A URL whose
     * host cannot be read is shown with its authority masked, as it may be a credential that lost its {@code @}.
     */
    private static URI url(String text, SpecReader read) {
        String shown = Redaction.url(text.trim());
        if (Redaction.hasUserInfo(text.trim())) {
            read.problem("http.url \"" + shown + "\" has credentials before the host (user-info, masked here as "
                    + Redaction.URL_MARK + "); remove them from the URL and send them in a header from a Secret, "
                    + "e.g. headers: {Authorization: {valueFrom: {secretKeyRef: {name: my-secret, key: authorization}}}} "
                    + "with the Secret's value \"Basic <base64 of user:password>\"");
            return null;
        }
        try {
            URI u = new URI(text.trim());
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                read.problem("http.url \"" + shown + "\" must be an absolute http:// or https:// URL");
                return null;
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                String masked = Redaction.urlWithoutAuthority(text.trim());
                read.problem(masked.equals(shown)
                        ? "http.url \"" + shown + "\" has no host; write e.g. http://billing.default.svc:8080/hooks/nightly"
                        : "http.url \"" + masked + "\" has no host (the part after :// is masked here as " + Redaction.URL_MARK
                                + ", since it may hold a credential); write a host name of letters, digits, '-' and '.', "
                                + "e.g. http://billing.default.svc:8080/hooks/nightly");
                return null;
            }
            return u;
        } catch (URISyntaxException e) {
            read.problem("http.url \"" + shown + "\" is not a valid URL: " + e.getReason() + " at index " + e.getIndex()
                    + "; percent-encode spaces and special characters");
            return null;
        }
    }

    private static void headers(JsonNode node, Map<String, String> out, Map<String, SecretRef> secrets, SpecReader read) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            read.problem("http.headers must be a mapping of header name to value, got " + describe(node));
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            var e = it.next();
            String name = e.getKey();
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                read.problem("http.headers \"" + name + "\" is not a valid header name; use letters, digits and '-'");
                continue;
            }
            if (JobSpecParser.RESERVED_HEADERS.stream().anyMatch(r -> r.equalsIgnoreCase(name))) {
                read.problem("http.headers \"" + name + "\" is set by leasecron on every fire; remove it from the spec");
                continue;
            }
            if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                read.problem("http.headers \"" + name + "\" is managed by the HTTP client; remove it from the spec");
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isObject()) {
                read.secretRef(v, "http.headers \"" + name + "\"").ifPresent(r -> secrets.put(name, r));
                continue;
            }
            if (!v.isValueNode() || v.isNull()) {
                read.problem("http.headers \"" + name + "\" must be a text value or valueFrom.secretKeyRef, got " + describe(v));
                continue;
            }
            if (v.asText().chars().anyMatch(c -> c == '\r' || c == '\n')) {
                read.problem("http.headers \"" + name + "\" contains a line break; header values are one line");
                continue;
            }
            out.put(name, v.asText());
        }
    }

    private static HttpAction.StatusMatcher expectStatus(JsonNode node, SpecReader read) {
        if (node == null || node.isNull()) {
            return HttpAction.StatusMatcher.ANY_2XX;
        }
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(items::add);
        } else {
            items.add(node);
        }
        List<Integer> codes = new ArrayList<>();
        List<Integer> classes = new ArrayList<>();
        for (JsonNode item : items) {
            String t = item.asText().trim();
            if (t.matches("[1-5][xX][xX]")) {
                classes.add(t.charAt(0) - '0');
            } else if (t.matches("\\d{3}") && Integer.parseInt(t) >= 100 && Integer.parseInt(t) <= 599) {
                codes.add(Integer.parseInt(t));
            } else {
                read.problem("http.expectStatus " + (item.isTextual() ? "\"" + t + "\"" : t)
                        + " is not an HTTP status; use codes 100-599 or classes like 2xx, e.g. expectStatus: [200, 204]");
                return null;
            }
        }
        if (codes.isEmpty() && classes.isEmpty()) {
            read.problem("http.expectStatus is empty; list at least one status such as 200 or 2xx");
            return null;
        }
        return new HttpAction.StatusMatcher(codes, classes);
    }
}
