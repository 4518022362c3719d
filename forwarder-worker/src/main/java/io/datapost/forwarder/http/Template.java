package io.datapost.forwarder.http;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A text with {@code ${...}} placeholders: {@code ${name}} is a mapped field, {@code ${env:NAME}} a secret from
 * the environment, {@code ${meta:submissionId}} / {@code ${meta:requestId}} / {@code ${meta:idempotencyKey}}
 * facts of the attempt. {@code $${} writes a literal {@code ${}. Parsed once; rendering escapes each value for
 * the place it lands in.
 */
public final class Template {

    /** What a placeholder refers to. */
    public enum Kind { FIELD, ENV, META }

    public record Placeholder(Kind kind, String name, int start, int end) {
        @Override
        public String toString() {
            return switch (kind) {
                case FIELD -> "${" + name + "}";
                case ENV -> "${env:" + name + "}";
                case META -> "${meta:" + name + "}";
            };
        }
    }

    public static final List<String> META_NAMES = List.of("submissionId", "requestId", "idempotencyKey");

    private final String text;
    private final List<Object> parts; // String literals and Placeholders, in order

    private Template(String text, List<Object> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** @throws IllegalArgumentException naming the problem (an unclosed or empty placeholder, an unknown meta) */
    public static Template parse(String text) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                literal.append("${");
                i += 3;
                continue;
            }
            if (text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("unclosed placeholder at character " + (i + 1));
                }
                String inner = text.substring(i + 2, close).trim();
                if (!literal.isEmpty()) {
                    parts.add(literal.toString());
                    literal.setLength(0);
                }
                parts.add(placeholder(inner, i, close + 1));
                i = close + 1;
                continue;
            }
            literal.append(text.charAt(i++));
        }
        if (!literal.isEmpty()) {
            parts.add(literal.toString());
        }
        return new Template(text, List.copyOf(parts));
    }

    private static Placeholder placeholder(String inner, int start, int end) {
        if (inner.isEmpty()) {
            throw new IllegalArgumentException("empty placeholder ${} at character " + (start + 1));
        }
        if (inner.startsWith("env:")) {
            String name = inner.substring(4).trim();
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("not an environment variable name: ${env:" + name + "}");
            }
            return new Placeholder(Kind.ENV, name, start, end);
        }
        if (inner.startsWith("meta:")) {
            String name = inner.substring(5).trim();
            if (!META_NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown ${meta:" + name + "} (known: " + META_NAMES + ")");
            }
            return new Placeholder(Kind.META, name, start, end);
        }
        if (inner.contains(":")) {
            throw new IllegalArgumentException("unknown placeholder kind ${" + inner + "} (fields, env: or meta:)");
        }
        return new Placeholder(Kind.FIELD, inner, start, end);
    }

    public List<Placeholder> placeholders() {
        return parts.stream().filter(Placeholder.class::isInstance).map(Placeholder.class::cast).toList();
    }

    public boolean isConstant() {
        return parts.stream().noneMatch(Placeholder.class::isInstance);
    }

    public String text() {
        return text;
    }

    /**
     * @param value gives the (already escaped) text of a placeholder
     * @param literal escapes literal text (identity for most formats)
     */
    public String render(java.util.function.Function<Placeholder, String> value, UnaryOperator<String> literal) {
        StringBuilder out = new StringBuilder(text.length() + 32);
        for (Object part : parts) {
            if (part instanceof Placeholder placeholder) {
                out.append(value.apply(placeholder));
            } else {
                out.append(literal.apply((String) part));
            }
        }
        return out.toString();
    }
}
