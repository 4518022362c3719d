package io.datapost.cli.config;

import java.io.File;
import java.util.HashMap;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Where each key and list item of a YAML file is, read from the parser's token locations, so a problem with
 * {@code rule.verdicts[0].when.jsonPath} can name its line. A field that is missing gets the line of the nearest
 * enclosing key that is there.
 */
final class YamlLines {

    private final Map<String, Integer> lineByPointer;

    private YamlLines(Map<String, Integer> lineByPointer) {
        this.lineByPointer = lineByPointer;
    }

    static YamlLines of(YAMLMapper yaml, File file) {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = yaml.createParser(file)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                String pointer = parser.streamReadContext().pathAsPointer().toString();
                if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    continue;
                }
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    // the context is already the new container; its own place is the parent's current entry
                    pointer = parser.streamReadContext().getParent() == null ? ""
                            : parser.streamReadContext().getParent().pathAsPointer().toString();
                }
                lines.putIfAbsent(pointer, parser.currentTokenLocation().getLineNr());
            }
        } catch (JacksonException e) {
            // an unreadable file is reported by the reader, with the parser's own location
        }
        return new YamlLines(lines);
    }

    /** The line of a field path such as {@code request.headers.X-Key} or {@code payouts[0].value}; 0 if none. */
    int lineOf(String field) {
        if (field == null || field.equals(ConfigProblem.WHOLE_FILE)) {
            return 0;
        }
        String pointer = pointer(field);
        while (true) {
            Integer line = lineByPointer.get(pointer);
            if (line != null && line > 0) {
                return line;
            }
            int slash = pointer.lastIndexOf('/');
            if (slash <= 0) {
                Integer root = lineByPointer.get("");
                return root == null ? 0 : root;
            }
            pointer = pointer.substring(0, slash);
        }
    }

    /** {@code a.b[2].c} to the JSON pointer {@code /a/b/2/c} ({@code ~} and {@code /} escaped). */
    static String pointer(String field) {
        StringBuilder out = new StringBuilder();
        StringBuilder segment = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '.' || c == '[') {
                flush(out, segment);
            } else if (c == ']') {
                flush(out, segment);
            } else {
                segment.append(c);
            }
        }
        flush(out, segment);
        return out.toString();
    }

    private static void flush(StringBuilder out, StringBuilder segment) {
        if (segment.isEmpty()) {
            return;
        }
        out.append('/').append(segment.toString().replace("~", "~0").replace("/", "~1"));
        segment.setLength(0);
    }
}
