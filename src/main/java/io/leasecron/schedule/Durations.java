package io.leasecron.schedule;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of job specs and configuration: Go-style sums of units ({@code 500ms}, {@code 30s},
 * {@code 5m}, {@code 1h30m}, {@code 1.5h}, {@code 2d}) or ISO-8601 ({@code PT2S}). The resolution is one
 * millisecond; negative durations do not exist here.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @throws IllegalArgumentException with a message that shows the accepted forms
     */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("\"\" is not a duration; write e.g. 500ms, 30s, 5m, 1h30m or PT2S");
        }
        if (t.charAt(0) == 'P' || t.charAt(0) == 'p') {
            try {
                Duration d = Duration.parse(t);
                if (d.isNegative()) {
                    throw new IllegalArgumentException("\"" + text + "\" is negative; durations are zero or more");
                }
                if (d.getNano() % 1_000_000 != 0) {
                    throw new IllegalArgumentException("\"" + text + "\" has a fraction of a millisecond; the smallest unit is 1ms");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not an ISO-8601 duration; write e.g. PT2S, PT5M or PT1H30M");
            }
        }
        String lower = t.toLowerCase(Locale.ROOT);
        if (!WHOLE.matcher(lower).matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration; write e.g. 500ms, 30s, 5m, 1h30m or PT2S");
        }
        Matcher m = PART.matcher(lower);
        java.math.BigDecimal millis = java.math.BigDecimal.ZERO;
        while (m.find()) {
            java.math.BigDecimal n = new java.math.BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            millis = millis.add(n.multiply(java.math.BigDecimal.valueOf(unit)));
        }
        if (millis.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("\"" + text + "\" has a fraction of a millisecond; the smallest unit is 1ms");
        }
        if (millis.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is too long; durations are limited to about 292 years");
        }
        return Duration.ofMillis(millis.longValueExact());
    }

    /** The short form: {@code 1h30m}, {@code 2s}, {@code 1.5s}, {@code 500ms}, {@code 0s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        StringBuilder b = new StringBuilder();
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        long frac = ms % 1000;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (m > 0) {
            b.append(m).append('m');
        }
        if (s > 0 || frac > 0) {
            b.append(s);
            if (frac > 0) {
                b.append('.').append(String.format(Locale.ROOT, "%03d", frac).replaceAll("0+$", ""));
            }
            b.append('s');
        }
        return b.toString();
    }
}
