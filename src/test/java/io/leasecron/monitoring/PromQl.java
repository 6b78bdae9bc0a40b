package io.leasecron.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little PromQL handling the monitoring tests need, by scanning text rather than parsing: Grafana's variable
 * substitution, the metric names an expression reads, and the operands of its top-level comparisons and set
 * operators. Prometheus itself judges whether an expression is valid; these helpers only find what to ask it.
 * Limits: string literals and label matchers are skipped as wholes, so a metric name inside a string is not seen.
 */
final class PromQl {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::[a-z]+)?}|\\$([A-Za-z0-9_]+)");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN");
    private static final Pattern ABSENT = Pattern.compile("^absent(_over_time)?\\s*\\((.*)\\)$", Pattern.DOTALL);
    private static final Pattern MODIFIER = Pattern.compile("\\s*(bool|(on|ignoring|group_left|group_right)\\s*(\\( *\\))?)");
    private static final String[] COMPARISONS = {"==", "!=", ">=", "<=", ">", "<"};
    private static final String[] SET_OPERATORS = {"and", "or", "unless"};

    private PromQl() {
    }

    /**
     * Replaces {@code $name} and {@code ${name}} (also {@code ${name:format}}) by the given values, as Grafana does
     * before it sends a query; fails if a variable is left without a value.
     */
    static String substitute(String expr, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no value for $" + name + " in " + expr);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The metric names {@code expr} selects, with a histogram's {@code _bucket}, {@code _count} and {@code _sum}
     * series named after the histogram: every identifier outside strings, label matchers, range brackets and label
     * lists ({@code by (...)}, {@code on (...)}) that is neither a function nor a keyword.
     */
    static Set<String> metricNames(String expr) {
        String bare = LABEL_LIST.matcher(blank(expr, "[{")).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String id = m.group();
            int next = m.end();
            while (next < bare.length() && Character.isWhitespace(bare.charAt(next))) {
                next++;
            }
            boolean function = next < bare.length() && bare.charAt(next) == '(';
            boolean numberSuffix = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
            if (!function && !numberSuffix && !KEYWORDS.contains(id)) {
                names.add(id.replaceAll("_(bucket|count|sum)$", ""));
            }
        }
        return names;
    }

    /**
     * The operands of {@code expr}'s top-level comparisons and set operators ({@code and}, {@code or}, {@code unless}),
     * each again split the same way when it is wholly in parentheses; number literals and {@code absent(...)} are
     * left out ({@code absent} answers only when its argument does not, so its argument is taken instead). An
     * expression with no such operator is its own single operand. What an alert compares is data only when every
     * operand returns data; whether the comparison holds is for the rule tests.
     */
    static List<String> operands(String expr) {
        List<String> out = new ArrayList<>();
        collect(expr.strip(), out);
        return out;
    }

    private static void collect(String expr, List<String> out) {
        String e = stripParentheses(expr);
        if (e.matches("[0-9.eE+-]+")) {
            return;
        }
        Matcher absent = ABSENT.matcher(e);
        if (absent.matches() && closingOf(e, e.indexOf('(')) == e.length() - 1) {
            collect(absent.group(2), out);
            return;
        }
        List<String> parts = splitTopLevel(e);
        if (parts.size() == 1) {
            out.add(e);
            return;
        }
        for (String part : parts) {
            collect(part, out);
        }
    }

    /** Splits at comparisons and set operators outside parentheses, brackets, braces and strings. */
    private static List<String> splitTopLevel(String expr) {
        String blank = blank(expr, "([{");
        List<String> parts = new ArrayList<>();
        int from = 0;
        int i = 0;
        while (i < blank.length()) {
            int len = operatorAt(blank, i);
            if (len == 0) {
                i++;
                continue;
            }
            parts.add(expr.substring(from, i));
            i += len;
            i = skipModifiers(blank, i);
            from = i;
        }
        parts.add(expr.substring(from));
        return parts.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
    }

    /** Length of the comparison or set operator at {@code i} (0 if none); the text is already blanked inside nesting. */
    private static int operatorAt(String s, int i) {
        for (String op : COMPARISONS) {
            if (s.startsWith(op, i)) {
                return op.length();
            }
        }
        for (String op : SET_OPERATORS) {
            boolean before = i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)) && s.charAt(i - 1) != '_';
            int end = i + op.length();
            boolean after = end >= s.length() || !Character.isLetterOrDigit(s.charAt(end)) && s.charAt(end) != '_';
            if (before && after && s.startsWith(op, i)) {
                return op.length();
            }
        }
        return 0;
    }

    /** Skips {@code bool}, {@code on(...)}, {@code ignoring(...)}, {@code group_left(...)}, {@code group_right(...)}. */
    private static int skipModifiers(String s, int i) {
        Matcher m = MODIFIER.matcher(s);
        while (m.find(i) && m.start() == i && m.end() > i) {
            i = m.end();
        }
        return i;
    }

    /** {@code expr} without parentheses that enclose all of it. */
    private static String stripParentheses(String expr) {
        String e = expr.strip();
        while (e.startsWith("(") && e.endsWith(")") && closingOf(e, 0) == e.length() - 1) {
            e = e.substring(1, e.length() - 1).strip();
        }
        return e;
    }

    /** Index of the parenthesis closing the one at {@code open}, or -1. */
    private static int closingOf(String s, int open) {
        String blank = blank(s, "([{");
        int close = blank.indexOf(')', open + 1);
        return blank.charAt(open) == '(' ? close : -1;
    }

    /**
     * The same text with everything inside quotes, and inside the brackets whose openers are given, replaced by
     * spaces (the outermost delimiters stay), so that a scan sees only what is outside them.
     */
    static String blank(String s, String openers) {
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean keep = depth == 0;
            if (quote != 0) {
                if (c == '\\' && quote != '`' && i + 1 < s.length()) {
                    out.append("  ");
                    i++;
                    continue;
                }
                if (c == quote) {
                    quote = 0;
                    out.append(keep ? c : ' ');
                } else {
                    out.append(' ');
                }
                continue;
            }
            if (c == '"' || c == '\'' || c == '`') {
                quote = c;
            } else if (openers.indexOf(c) >= 0) {
                depth++;
            } else if (depth > 0 && openers.indexOf(opening(c)) >= 0) {
                depth--;
                keep = depth == 0;
            }
            out.append(keep ? c : ' ');
        }
        return out.toString();
    }

    private static char opening(char close) {
        return switch (close) {
            case ')' -> '(';
            case ']' -> '[';
            case '}' -> '{';
            default -> 0;
        };
    }
}
