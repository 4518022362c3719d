package io.datapost.ingest.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import io.datapost.schemas.EventType;
import io.datapost.schemas.FieldCheck;

/**
 * The field rules every lead must pass: the event type's required fields and field checks (format), and ours.
 * Values are later rendered into advertiser requests (possibly headers), so a value with a line break or
 * another control character is refused outright rather than encoded here. Every failing field is reported,
 * never a value.
 */
@Component
public class LeadRules {

    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

    private final FieldFormats formats = new FieldFormats();

    /**
     * Every problem of the lead, one per field, in a stable order: body problems, control characters, missing
     * required fields, failed field checks, the key.
     */
    public List<FieldProblem> check(EventType eventType, LeadBody body, String idempotencyKey) {
        return check(eventType, body, idempotencyKey, IDEMPOTENCY_KEY_HEADER);
    }

    /**
     * @param idempotencyKey the partner's idempotency key, or null
     * @param keySource      where the key came from: the {@code Idempotency-Key} header or the event type's key
     *                       field, named in the problem when the key is not acceptable
     */
    public List<FieldProblem> check(EventType eventType, LeadBody body, String idempotencyKey, String keySource) {
        Map<String, FieldProblem> problems = new LinkedHashMap<>();
        for (FieldProblem problem : body.problems()) {
            problems.putIfAbsent(problem.field(), problem);
        }
        body.fields().forEach((name, value) -> {
            if (hasUnpairedSurrogate(name)) {
                // not echoed: the name itself cannot be written as UTF-8
                problems.putIfAbsent("", new FieldProblem("", "field names must be valid Unicode text"));
            } else if (hasUnpairedSurrogate(value)) {
                // JSON's "\ud800" escape: not a character; stored as UTF-8 it would silently become '?'
                problems.putIfAbsent(name, new FieldProblem(name, "must be valid Unicode text (no unpaired surrogate)"));
            } else if (hasControlCharacter(value)) {
                problems.putIfAbsent(name, new FieldProblem(name, "must not contain control characters (line breaks included)"));
            }
        });
        for (String required : eventType.getRequiredFields()) {
            String value = body.fields().get(required);
            if (isBlank(value) && !problems.containsKey(required)) {
                problems.put(required, new FieldProblem(required, "is required"));
            }
        }
        if (eventType.getFieldChecks() != null) {
            for (FieldCheck check : eventType.getFieldChecks()) {
                String value = body.fields().get(check.getField());
                if (!isBlank(value) && !problems.containsKey(check.getField())) {
                    String problem = formats.problem(check, value);
                    if (problem != null) {
                        problems.put(check.getField(), new FieldProblem(check.getField(), problem));
                    }
                }
            }
        }
        if (idempotencyKey != null && !problems.containsKey(keySource)) {
            if (isBlank(idempotencyKey) || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
                problems.put(keySource, new FieldProblem(keySource,
                        "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters (it is the idempotency key)"));
            } else if (hasControlCharacter(idempotencyKey)) {
                problems.put(keySource, new FieldProblem(keySource, "must not contain control characters"));
            }
        }
        return new ArrayList<>(problems.values());
    }

    /**
     * Null, empty, or only white space, counting the Unicode space separators {@link String#isBlank()} does not
     * (no-break space U+00A0, U+2007, U+202F): a name of one no-break space is no name.
     */
    public static boolean isBlank(String value) {
        if (value == null) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!Character.isWhitespace(c) && !Character.isSpaceChar(c)) {
                return false;
            }
        }
        return true;
    }

    /** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
    public static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** CR, LF, NUL, DEL, C1 controls...: every control character except TAB. */
    public static boolean hasControlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && Character.isISOControl(c)) {
                return true;
            }
        }
        return false;
    }
}
