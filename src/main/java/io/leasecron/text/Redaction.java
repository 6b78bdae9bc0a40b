package io.leasecron.text;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one rule for what the service hides in the text it shows (log lines, REST views, run history, Kubernetes
 * Events): Secret values, the user-info of a URL and the values of query parameters whose names mark a credential.
 *
 * <p>The rule for names ({@link #sensitiveName}): ignoring case, a name is sensitive when it contains one of
 * {@link #SENSITIVE_PARTS} ({@code api_key}, {@code access_token}, {@code X-Amz-Signature}, {@code X-Amz-Credential},
 * {@code client_secret}, {@code Authorization}, ...), or when one of its words, split at every character that is not
 * a letter or a digit, is one of {@link #SENSITIVE_WORDS} ({@code sig}, {@code X-Goog-Sig}, {@code pass}). A
 * parameter is {@code name=value} after a {@code ?} or an {@code &}; its value, up to the next {@code &}, {@code #},
 * white space, quote or angle bracket, becomes {@value #URL_MARK} (an empty value stays empty).
 *
 * <p>What is not promised: a credential in a parameter whose name follows no such convention ({@code ?q=abc123}),
 * in a path segment, or in a field other than a URL (a body, a plain header) is shown as written; such credentials
 * belong in a Secret. Redaction only changes what is shown: the request always goes to the URL as written.
 * Every function is idempotent: redacted text comes back unchanged.
 */
public final class Redaction {
    /** Replaces a Secret's value in an outcome (a target echoing a credential, a program printing it). */
    public static final String SECRET_MARK = "<redacted>";
    /**
     * Replaces a URL's user-info and a sensitive parameter's value: a URL shown with it is still a valid URL (no
     * characters that need escaping), so it can be read, copied and compared.
     */
    public static final String URL_MARK = "***";
    /** Substrings of a parameter name that make it sensitive (compared in lower case). */
    public static final List<String> SENSITIVE_PARTS = List.of("token", "key", "secret", "password", "passwd",
            "passphrase", "pwd", "signature", "credential", "auth", "session", "jwt");
    /** Whole words of a parameter name that make it sensitive (compared in lower case). */
    public static final List<String> SENSITIVE_WORDS = List.of("sig", "pass", "pw");

    /**
     * {@code scheme://userinfo@}: user-info ends at the last {@code @} before white space, a quote or an angle bracket,
     * not at the first {@code /}, {@code ?} or {@code #}: a password may hold those, and then no parser finds the
     * host, so the whole stretch is suspected.
     */
    private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)([^\\s\"'<>]*)@");
    /** {@code ?name=value} or {@code &name=value} (also {@code &amp;name=value}, as HTML writes it). */
    private static final Pattern PARAMETER = Pattern.compile("([?&])([^=&#?\\s\"'<>]+)=([^&#\\s\"'<>]*)");
    private static final Pattern WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private Redaction() {
    }

    /** {@code text} with every occurrence of each value (of 4 characters or more) replaced by {@value #SECRET_MARK}. */
    public static String secretValues(String text, List<String> values) {
        String out = text;
        for (String v : values) {
            if (v.length() >= 4) {
                out = out.replace(v, SECRET_MARK);
            }
        }
        return out;
    }

    /** {@link #url(String)} of the URL's text. */
    public static String url(URI url) {
        return url == null ? null : url(url.toString());
    }

    /**
     * A single URL as it may be shown: its user-info (everything between {@code ://} and the last {@code @} of the
     * text, white space, {@code /}, {@code ?} and {@code #} included) and its sensitive parameter values become
     * {@value #URL_MARK}: {@code https://***@host/p?api_key=***&x=1}. Works on text that is not a valid URL too.
     * Conservative on purpose: a password may hold {@code /}, {@code ?} or {@code #}, so an {@code @} in a path or
     * query ({@code https://h/users/@me}) is masked with everything before it; write it as {@code %40} to keep it.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        String out = url;
        int scheme = out.indexOf("://");
        if (scheme >= 0) {
            int start = scheme + 3;
            int at = out.lastIndexOf('@');
            if (at >= start) {
                out = out.substring(0, start) + URL_MARK + out.substring(at);
            }
        }
        return parameters(out);
    }

    /**
     * True when the URL's text may have a user-info part ({@code user:password@} or {@code user@} before the host):
     * when any {@code @} follows {@code ://}, wherever it stands, for the reason given at {@link #url(String)}.
     */
    public static boolean hasUserInfo(String url) {
        int scheme = url.indexOf("://");
        return scheme >= 0 && url.indexOf('@', scheme + 3) >= 0;
    }

    /**
     * The URL with everything between {@code ://} and the first {@code /}, {@code ?} or {@code #} after it replaced
     * by {@value #URL_MARK} (when not empty), then {@link #url(String)}: for a URL whose host could not be read, where
     * that part may be a credential written without its {@code @}.
     */
    public static String urlWithoutAuthority(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url(url);
        }
        int start = scheme + 3;
        int end = authorityEnd(url, start);
        return url(end > start ? url.substring(0, start) + URL_MARK + url.substring(end) : url);
    }

    /**
     * Free text that may quote URLs (an error from an HTTP client, a program's output): every
     * {@code scheme://userinfo@} loses its user-info and every sensitive {@code ?name=value} / {@code &name=value}
     * its value: from {@code ://} to the last {@code @} before white space, a quote or an angle bracket, as
     * {@link #url(String)} reads it. A user-info written with white space in it is only found by {@link #url(String)}.
     */
    public static String text(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        if (out.contains("@")) {
            Matcher m = USER_INFO.matcher(out);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(b, Matcher.quoteReplacement(m.group(1) + URL_MARK + "@"));
            }
            out = m.appendTail(b).toString();
        }
        return parameters(out);
    }

    /** Whether a query parameter of this name carries a credential, by the rule in the class comment. */
    public static boolean sensitiveName(String name) {
        String n = decode(name).toLowerCase(Locale.ROOT);
        for (String part : SENSITIVE_PARTS) {
            if (n.contains(part)) {
                return true;
            }
        }
        for (String word : WORD.split(n)) {
            if (SENSITIVE_WORDS.contains(word)) {
                return true;
            }
        }
        return false;
    }

    private static String parameters(String text) {
        if (text.indexOf('=') < 0) {
            return text;
        }
        Matcher m = PARAMETER.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String replacement = sensitiveName(m.group(2)) && !m.group(3).isEmpty() ? m.group(1) + m.group(2) + "=" + URL_MARK
                    : m.group();
            m.appendReplacement(b, Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(b).toString();
    }

    private static int authorityEnd(String url, int start) {
        int end = url.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = url.indexOf(c, start);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        return end;
    }

    private static String decode(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name; // a malformed escape: judge the name as written
        }
    }
}
