package io.datapost.forwarder.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import io.datapost.schemas.EventType;
import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldCheckKind;

/**
 * The event type's required fields and field checks (EMAIL, PHONE, ZIP, REGEX) on a lead's fields. Problems name
 * the field and the check, never the value.
 */
public final class FieldChecks {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");
    private static final Map<String, Pattern> ZIPS = Map.of(
            "US", Pattern.compile("\\d{5}(-\\d{4})?"),
            "CA", Pattern.compile("[A-Za-z]\\d[A-Za-z] ?\\d[A-Za-z]\\d"),
            "GB", Pattern.compile("[A-Za-z]{1,2}\\d[A-Za-z\\d]? ?\\d[A-Za-z]{2}"),
            "DE", Pattern.compile("\\d{5}"),
            "FR", Pattern.compile("\\d{5}"));
    private static final Pattern ANY_ZIP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]");

    private FieldChecks() {
    }

    /** Every problem of the lead's fields under the event type; empty when the lead may be sent. */
    public static List<String> problems(EventType eventType, Map<String, String> fields) {
        List<String> problems = new ArrayList<>();
        if (eventType.getRequiredFields() != null) {
            for (String required : eventType.getRequiredFields()) {
                String value = fields.get(required);
                if (value == null || value.isBlank()) {
                    problems.add("Required field " + required + " is missing");
                }
            }
        }
        if (eventType.getFieldChecks() != null) {
            for (FieldCheck check : eventType.getFieldChecks()) {
                String value = fields.get(check.getField());
                if (value != null && !value.isBlank() && !passes(check, value)) {
                    problems.add("Field " + check.getField() + " fails its " + check.getCheck() + " check");
                }
            }
        }
        return problems;
    }

    public static boolean passes(FieldCheck check, String value) {
        String v = value.strip();
        String region = check.getRegion() == null ? FieldTransforms.DEFAULT_REGION
                : check.getRegion().toUpperCase(Locale.ROOT);
        FieldCheckKind kind = check.getCheck() == null ? FieldCheckKind.UNKNOWN : check.getCheck();
        return switch (kind) {
            case EMAIL -> EMAIL.matches(v) && v.length() <= 254;
            case PHONE -> {
                try {
                    yield PhoneNumberUtil.getInstance().isPossibleNumber(PhoneNumberUtil.getInstance().parse(v, region));
                } catch (NumberParseException e) {
                    yield false;
                }
            }
            case ZIP -> ZIPS.getOrDefault(region, ANY_ZIP).matches(v);
            case REGEX -> check.getPattern() != null && Pattern.compile(check.getPattern()).matches(v);
            default -> false;
        };
    }

    /** Null when the check is well formed, else what is wrong with it (for config validation). */
    public static String problem(FieldCheck check) {
        if (check.getCheck() == null || check.getCheck() == FieldCheckKind.UNKNOWN) {
            return "check must be EMAIL, PHONE, ZIP or REGEX";
        }
        if (check.getCheck() == FieldCheckKind.REGEX) {
            if (check.getPattern() == null || check.getPattern().isEmpty()) {
                return "REGEX needs a pattern";
            }
            try {
                Pattern.compile(check.getPattern());
            } catch (PatternSyntaxException e) {
                return "pattern is not a valid RE2 regex: " + e.getDescription();
            }
        }
        if (check.getRegion() != null && !PhoneNumberUtil.getInstance().getSupportedRegions()
                .contains(check.getRegion().toUpperCase(Locale.ROOT))) {
            return "unknown region " + check.getRegion();
        }
        return null;
    }
}
