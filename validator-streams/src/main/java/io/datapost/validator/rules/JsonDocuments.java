package io.datapost.validator.rules;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.jayway.jsonpath.Configuration;
import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.Option;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Parses JSON bodies strictly with Jackson (floats as {@link BigDecimal}, so a price never passes through
 * binary floating point) and evaluates Jayway JSONPath over the parsed tree.
 */
final class JsonDocuments {

    private static final int MAX_CACHED_PATHS = 1_000;

    private final JsonMapper mapper;
    private final Configuration configuration;
    private final Map<String, JsonPath> compiled = new ConcurrentHashMap<>();

    JsonDocuments() {
        this.mapper = JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        this.configuration = Configuration.builder()
                .jsonProvider(new JacksonTreeJsonProvider(mapper))
                .mappingProvider(new JacksonTreeJsonProvider.NoMappingProvider())
                .options(Option.SUPPRESS_EXCEPTIONS)
                .build();
    }

    ResponseDocument parse(String text) throws ResponseDocument.UnreadableBodyException {
        if (text.isBlank()) {
            throw new ResponseDocument.UnreadableBodyException("Response body is empty, expected JSON");
        }
        Object root;
        try {
            root = mapper.readValue(text, Object.class);
        } catch (JacksonException e) {
            throw new ResponseDocument.UnreadableBodyException("Response body is not valid JSON: " + describe(e));
        }
        return new ResponseDocument() {
            @Override
            public List<Object> select(String expression) {
                return JsonDocuments.this.select(root, expression);
            }

            @Override
            public String text(Object value) {
                return JsonDocuments.this.text(value);
            }
        };
    }

    private List<Object> select(Object root, String expression) {
        Object result = path(expression).read(root, configuration);
        List<Object> values = new ArrayList<>();
        flattenInto(values, result);
        return values;
    }

    private static void flattenInto(List<Object> values, Object value) {
        if (value instanceof List<?> list) {
            for (Object element : list) {
                flattenInto(values, element);
            }
        } else if (value != null) {
            values.add(value);
        }
    }

    private JsonPath path(String expression) {
        JsonPath path = compiled.get(expression);
        if (path != null) {
            return path;
        }
        if (expression.contains("=~")) {
            // Jayway runs =~ with java.util.regex, whose run time a crafted pattern can make exponential
            throw new ResponseDocument.InvalidExpressionException(expression,
                    "regex filters (=~) are not allowed; use a condition's matches: (RE2)");
        }
        try {
            path = JsonPath.compile(expression);
        } catch (InvalidPathException | IllegalArgumentException e) {
            throw new ResponseDocument.InvalidExpressionException(expression, e);
        }
        if (compiled.size() >= MAX_CACHED_PATHS) {
            compiled.clear(); // paths come from config, so this only happens after many config changes
        }
        compiled.put(expression, path);
        return path;
    }

    /** Jackson's own message without the quoted source, plus where in the body it failed. */
    private static String describe(JacksonException e) {
        String message = e.getOriginalMessage();
        TokenStreamLocation location = e.getLocation();
        if (location != null && location.getLineNr() > 0) {
            message += " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        }
        return message;
    }

    /** The text of a scalar JSON value: strings as they are, numbers without exponent, booleans as true/false. */
    String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        return mapper.writeValueAsString(value);
    }
}
