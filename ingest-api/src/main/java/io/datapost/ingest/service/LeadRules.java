package io.datapost.ingest.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import io.datapost.schemas.EventType;

/**
 * The field rules every lead must pass. Values are later rendered into advertiser requests (possibly
 * headers), so a value with a line break or another control character is refused outright rather than
 * encoded here. Every failing field is reported, never a value.
 */
@Component
public class LeadRules {

    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;

    /** Every problem of the lead, in a stable order: body problems, field values, missing required fields, the key. */
    public List<FieldProblem> check(EventType eventType, LeadBody body, String idempotencyKey) {
        Map<String, FieldProblem> problems = new LinkedHashMap<>();
        for (FieldProblem problem : body.problems()) {
            problems.putIfAbsent(problem.field(), problem);
        }
        body.fields().forEach((name, value) -> {
            if (hasControlCharacter(value)) {
                problems.putIfAbsent(name, new FieldProblem(name, "must not contain control characters (line breaks included)"));
            }
        });
        for (String required : eventType.getRequiredFields()) {
            String value = body.fields().get(required);
            if ((value == null || value.isBlank()) && !problems.containsKey(required)) {
                problems.put(required, new FieldProblem(required, "is required"));
            }
        }
        List<FieldProblem> all = new ArrayList<>(problems.values());
        if (idempotencyKey != null) {
            if (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
                all.add(new FieldProblem(IDEMPOTENCY_KEY_HEADER,
                        "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters"));
            } else if (hasControlCharacter(idempotencyKey)) {
                all.add(new FieldProblem(IDEMPOTENCY_KEY_HEADER, "must not contain control characters"));
            }
        }
        return all;
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
