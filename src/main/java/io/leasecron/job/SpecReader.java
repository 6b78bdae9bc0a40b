package io.leasecron.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.leasecron.schedule.Durations;
import io.leasecron.text.Suggestions;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads typed values out of one job spec's YAML tree, recording each problem as a "field: problem" message under
 * the field's full path (e.g. {@code retry.backoff}) instead of throwing, so that one parse reports every problem.
 * Each reader returns empty (or its fallback) for a value it refused; the caller decides whether to go on.
 */
final class SpecReader {

    private final List<String> problems;

    SpecReader(List<String> problems) {
        this.problems = problems;
    }

    /** Records one problem, worded for the person who edits the spec. */
    void problem(String message) {
        problems.add(message);
    }

    /** Whether any problem has been recorded so far. */
    boolean hasProblems() {
        return !problems.isEmpty();
    }

    /** Records every field of {@code node} not in {@code known}, naming the closest known one or listing them. */
    void rejectUnknown(JsonNode node, Set<String> known, String prefix) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                String hint = Suggestions.closest(name, known).map(k -> "; did you mean \"" + prefix + k + "\"?")
                        .orElse("; known fields are " + String.join(", ", known.stream().sorted().toList()));
                problems.add("unknown field \"" + prefix + name + "\"" + hint);
            }
        }
    }

    /** A scalar as text; a mapping, a list or a blank text is a problem. */
    Optional<String> text(JsonNode node, String name, String field) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            problems.add(field + " must be a text value, got " + describe(v));
            return Optional.empty();
        }
        if (v.isTextual() && v.asText().isBlank()) {
            problems.add(field + " is empty; set a value or remove the field");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    /** A YAML boolean, or the text "true" or "false". */
    Optional<Boolean> bool(JsonNode node, String name, String field) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (v.isBoolean()) {
            return Optional.of(v.booleanValue());
        }
        if (v.isTextual() && (v.asText().equals("true") || v.asText().equals("false"))) {
            return Optional.of(Boolean.parseBoolean(v.asText()));
        }
        problems.add(field + " must be true or false, got " + describe(v));
        return Optional.empty();
    }

    /** A whole number from 1 to {@code max}, written as a number or as digits in text. */
    Optional<Integer> positiveInt(JsonNode node, String name, String field, int max) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        long value;
        if (v.isIntegralNumber()) {
            value = v.asLong();
        } else if (v.isTextual() && v.asText().matches("-?\\d{1,18}")) {
            value = Long.parseLong(v.asText());
        } else {
            problems.add(field + " must be a whole number, got " + describe(v));
            return Optional.empty();
        }
        if (value < 1 || value > max) {
            problems.add(field + " " + value + " is out of range; use a whole number from 1 to " + max);
            return Optional.empty();
        }
        return Optional.of((int) value);
    }

    /** A whole number from 0 to 100; {@code fallback} when it is absent or refused. */
    int nonNegativeInt(JsonNode node, String name, String field, int fallback) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > 100) {
            problems.add(field + " must be a whole number from 0 to 100, got " + describe(v));
            return fallback;
        }
        return v.asInt();
    }

    /** A positive duration as {@link Durations#parse(String)} reads it, e.g. {@code 90s} or {@code 1h30m}. */
    Optional<Duration> duration(JsonNode node, String name, String field) {
        return text(node, name, field).flatMap(t -> {
            try {
                Duration d = Durations.parse(t.trim());
                if (d.isZero() || d.isNegative()) {
                    problems.add(field + " \"" + t + "\" must be positive");
                    return Optional.empty();
                }
                return Optional.of(d);
            } catch (IllegalArgumentException e) {
                problems.add(field + " \"" + t + "\": " + e.getMessage());
                return Optional.empty();
            }
        });
    }

    /** An RFC 3339 time with an offset; a local time without one is refused, as its instant would be a guess. */
    Optional<Instant> instant(String field, String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text.trim(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            problems.add(field + " \"" + text + "\" is not an RFC 3339 time with an offset; write e.g. "
                    + "2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00");
            return Optional.empty();
        }
    }

    /** {@code {valueFrom: {secretKeyRef: {name, key}}}}; a credential is never written into a spec itself. */
    Optional<SecretRef> secretRef(JsonNode v, String field) {
        String example = "; write {valueFrom: {secretKeyRef: {name: my-secret, key: token}}}";
        JsonNode from = v.get("valueFrom");
        if (v.size() != 1 || from == null || !from.isObject() || from.size() != 1 || !from.has("secretKeyRef")
                || !from.get("secretKeyRef").isObject()) {
            problems.add(field + " is a mapping but not valueFrom.secretKeyRef" + example);
            return Optional.empty();
        }
        JsonNode ref = from.get("secretKeyRef");
        rejectUnknown(ref, Set.of("name", "key"), field + ".valueFrom.secretKeyRef.");
        Optional<String> name = text(ref, "name", field + ".valueFrom.secretKeyRef.name");
        Optional<String> key = text(ref, "key", field + ".valueFrom.secretKeyRef.key");
        if (name.isEmpty() || key.isEmpty()) {
            if (!ref.has("name") || !ref.has("key")) {
                problems.add(field + ".valueFrom.secretKeyRef needs both name and key" + example);
            }
            return Optional.empty();
        }
        if (!name.get().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
            problems.add(field + ".valueFrom.secretKeyRef.name \"" + name.get() + "\" is not a valid Secret name; use lower-case letters, digits, '-' and '.'");
            return Optional.empty();
        }
        return Optional.of(new SecretRef(name.get(), key.get()));
    }

    /** What a node is, in words, for "got ..." in a message: "a list", "the number 3", "the text \"x\"". */
    static String describe(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "nothing";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isNumber()) {
            return "the number " + n.asText();
        }
        if (n.isBoolean()) {
            return "the boolean " + n.asText();
        }
        return "the text \"" + n.asText() + "\"";
    }
}
