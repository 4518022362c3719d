package io.datapost.validator.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * Regular expressions from config, run with RE2/J: matching time is linear in the input whatever the pattern,
 * so no answer can make a rule run for ever. Compiled patterns are cached (they are thread-safe).
 */
final class Regexes {

    private static final int MAX_CACHED = 1_000;

    private final Map<String, Pattern> compiled = new ConcurrentHashMap<>();

    Pattern pattern(String expression) {
        Pattern pattern = compiled.get(expression);
        if (pattern != null) {
            return pattern;
        }
        try {
            pattern = Pattern.compile(expression);
        } catch (PatternSyntaxException e) {
            throw new ResponseDocument.InvalidExpressionException(expression, e.getDescription());
        }
        if (compiled.size() >= MAX_CACHED) {
            compiled.clear();
        }
        compiled.put(expression, pattern);
        return pattern;
    }

    boolean find(String expression, String text) {
        return pattern(expression).matcher(text).find();
    }

    boolean matchesWhole(String expression, String text) {
        return pattern(expression).matches(text);
    }

    /** Text as a document whose expressions are regexes: each match gives its first group (or the whole match). */
    ResponseDocument document(String text) {
        return expression -> {
            Matcher matcher = pattern(expression).matcher(text);
            List<Object> values = new ArrayList<>();
            while (matcher.find()) {
                String value = matcher.groupCount() >= 1 ? matcher.group(1) : matcher.group();
                if (value != null) {
                    values.add(value);
                }
                if (matcher.end() == matcher.start() && matcher.end() >= text.length()) {
                    break;
                }
            }
            return values;
        };
    }
}
