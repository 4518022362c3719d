package io.datapost.forwarder.http;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/**
 * The value transforms a field mapping may list, applied in order:
 * {@code trim}, {@code lower}, {@code upper}, {@code digits} (keep 0-9 only), {@code e164} or {@code e164(GB)}
 * (a phone number in E.164, read in that region, US by default), {@code sha256} (lower-case hex of the UTF-8
 * bytes), {@code number} (a decimal number, sent as a JSON number), {@code date(IN -> OUT)} (reformat a date
 * or date-time between two java.time patterns, e.g. {@code date(MM/dd/yyyy -> yyyy-MM-dd)}).
 * Failures name the transform, never the value (it is personal data).
 */
public final class FieldTransforms {

    private static final Pattern E164 = Pattern.compile("e164(?:\\(\\s*([A-Za-z]{2})\\s*\\))?");
    private static final Pattern DATE = Pattern.compile("date\\((.+?)->(.+)\\)");
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    public static final String DEFAULT_REGION = "US";

    private FieldTransforms() {
    }

    /** Null when the transform is well formed, else what is wrong with it. */
    public static String problem(String transform) {
        if (transform == null) {
            return "empty transform";
        }
        String t = transform.trim();
        switch (t) {
            case "trim", "lower", "upper", "digits", "sha256", "number" -> {
                return null;
            }
            default -> {
            }
        }
        Matcher e164 = E164.matcher(t);
        if (e164.matches()) {
            String region = e164.group(1);
            if (region != null && !PHONES.getSupportedRegions().contains(region.toUpperCase(Locale.ROOT))) {
                return "unknown phone region " + region;
            }
            return null;
        }
        Matcher date = DATE.matcher(t);
        if (date.matches()) {
            try {
                DateTimeFormatter.ofPattern(date.group(1).trim());
                DateTimeFormatter.ofPattern(date.group(2).trim());
                return null;
            } catch (IllegalArgumentException e) {
                return "bad date pattern in " + t + ": " + e.getMessage();
            }
        }
        return "unknown transform \"" + t + "\" (trim, lower, upper, digits, e164, e164(GB), sha256, number, "
                + "date(IN -> OUT))";
    }

    public static boolean isNumber(String transform) {
        return "number".equals(transform == null ? null : transform.trim());
    }

    /** @throws RequestRenderException naming the field and the transform when the value does not fit */
    public static String apply(String transform, String value, String field) {
        String t = transform.trim();
        switch (t) {
            case "trim" -> {
                return value.strip();
            }
            case "lower" -> {
                return value.toLowerCase(Locale.ROOT);
            }
            case "upper" -> {
                return value.toUpperCase(Locale.ROOT);
            }
            case "digits" -> {
                return value.replaceAll("[^0-9]", "");
            }
            case "sha256" -> {
                return sha256(value);
            }
            case "number" -> {
                try {
                    return new BigDecimal(value.strip()).toPlainString();
                } catch (NumberFormatException e) {
                    throw new RequestRenderException("Field " + field + ": not a number (transform number)");
                }
            }
            default -> {
            }
        }
        Matcher e164 = E164.matcher(t);
        if (e164.matches()) {
            String region = e164.group(1) == null ? DEFAULT_REGION : e164.group(1).toUpperCase(Locale.ROOT);
            return e164(value, region, field);
        }
        Matcher date = DATE.matcher(t);
        if (date.matches()) {
            return reformatDate(value.strip(), date.group(1).trim(), date.group(2).trim(), field);
        }
        throw new RequestRenderException("Field " + field + ": " + problem(t));
    }

    static String e164(String value, String region, String field) {
        try {
            PhoneNumber number = PHONES.parse(value, region);
            if (!PHONES.isPossibleNumber(number)) {
                throw new RequestRenderException("Field " + field + ": not a possible phone number (transform e164)");
            }
            return PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164);
        } catch (NumberParseException e) {
            throw new RequestRenderException("Field " + field + ": not a phone number (transform e164)");
        }
    }

    private static String reformatDate(String value, String in, String out, String field) {
        try {
            TemporalAccessor parsed = DateTimeFormatter.ofPattern(in, Locale.ROOT)
                    .parseBest(value, LocalDateTime::from, LocalDate::from);
            return DateTimeFormatter.ofPattern(out, Locale.ROOT).format(parsed);
        } catch (java.time.DateTimeException e) {
            throw new RequestRenderException("Field " + field + ": not a date in the pattern " + in
                    + " (transform date)");
        }
    }

    private static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
