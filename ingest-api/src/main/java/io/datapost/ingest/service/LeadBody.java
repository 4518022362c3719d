package io.datapost.ingest.service;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed lead body: its flat fields in posted order, and the fields that could not be taken as they
 * were (nested, repeated, badly named), to be reported with the other field problems in one 422.
 */
public record LeadBody(Map<String, String> fields, List<FieldProblem> problems) {

    public LeadBody {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        problems = List.copyOf(problems);
    }

    static final int MAX_FIELD_NAME_LENGTH = 128;

    /** This lead without the named fields (and without their problems). */
    LeadBody without(String... names) {
        if (names.length == 0) {
            return this;
        }
        Set<String> dropped = Set.of(names);
        Map<String, String> kept = new LinkedHashMap<>(fields);
        kept.keySet().removeAll(dropped);
        return new LeadBody(kept, problems.stream().filter(p -> !dropped.contains(p.field())).toList());
    }

    /** Collects fields as a reader meets them. */
    static final class Builder {
        private final Map<String, String> fields = new LinkedHashMap<>();
        private final Map<String, FieldProblem> problems = new LinkedHashMap<>();

        void value(String name, String value) {
            if (!acceptableName(name)) {
                return;
            }
            if (fields.containsKey(name) || problems.containsKey(name)) {
                fields.remove(name);
                problems.put(name, new FieldProblem(name, "must appear only once"));
                return;
            }
            fields.put(name, value);
        }

        void nested(String name) {
            if (!acceptableName(name)) {
                return;
            }
            fields.remove(name);
            problems.putIfAbsent(name, new FieldProblem(name, "must be a single string, number or boolean"));
        }

        private boolean acceptableName(String name) {
            if (name.isEmpty()) {
                problems.putIfAbsent("", new FieldProblem("", "field names must not be empty"));
                return false;
            }
            if (name.length() > MAX_FIELD_NAME_LENGTH || LeadRules.hasControlCharacter(name)) {
                String shown = printable(name);
                problems.putIfAbsent(shown, new FieldProblem(shown,
                        "field names must be at most " + MAX_FIELD_NAME_LENGTH + " characters without control characters"));
                return false;
            }
            return true;
        }

        private static String printable(String name) {
            StringBuilder out = new StringBuilder();
            name.codePoints().limit(MAX_FIELD_NAME_LENGTH)
                    .forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '\uFFFD' : c));
            return out.toString();
        }

        LeadBody build() {
            return new LeadBody(fields, new ArrayList<>(problems.values()));
        }
    }
}
