package io.datapost.cli.config;

import java.nio.file.Path;

/**
 * One thing wrong with one config file. {@code field} is a path inside the file such as
 * {@code payouts[0].value}; {@code "-"} when the file as a whole is wrong (unreadable YAML, duplicate id).
 * {@code line} is where in the file (1-based; the nearest enclosing key when the field itself is missing),
 * 0 when unknown. Messages never echo secrets.
 */
public record ConfigProblem(Path file, int line, String field, String message) {

    public static final String WHOLE_FILE = "-";

    public ConfigProblem(Path file, String field, String message) {
        this(file, 0, field, message);
    }

    public ConfigProblem withLine(int value) {
        return new ConfigProblem(file, value, field, message);
    }

    @Override
    public String toString() {
        return file + (line > 0 ? ":" + line : "") + ": " + field + ": " + message;
    }
}
