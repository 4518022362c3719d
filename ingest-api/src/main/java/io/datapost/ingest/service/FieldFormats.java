package io.datapost.ingest.service;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import io.datapost.schemas.FieldCheck;
import io.datapost.schemas.FieldCheckKind;

/**
 * The event type's field checks (EMAIL, PHONE, ZIP, REGEX), with the same rules forwarder-worker applies before
 * it calls the advertiser, so a lead that would fail there is refused here with a 422 the partner can act on,
 * instead of being accepted and dead-lettered. Patterns are RE2 (linear time whatever the input); compiled
 * ones are kept, as they come from configuration and are few.
 */
final class FieldFormats {

    private static final Logger log = LoggerFactory.getLogger(FieldFormats.class);

    static final String DEFAULT_REGION = "US";
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s.]+");
    private static final int MAX_EMAIL_LENGTH = 254;
    private static final Map<String, Pattern> ZIPS = Map.of(
            "US", Pattern.compile("\\d{5}(-\\d{4})?"),
            "CA", Pattern.compile("[A-Za-z]\\d[A-Za-z] ?\\d[A-Za-z]\\d"),
            "GB", Pattern.compile("[A-Za-z]{1,2}\\d[A-Za-z\\d]? ?\\d[A-Za-z]{2}"),
            "DE", Pattern.compile("\\d{5}"),
            "FR", Pattern.compile("\\d{5}"));
    private static final Pattern ANY_ZIP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]");

    private final Map<String, Optional<Pattern>> patterns = new ConcurrentHashMap<>();

    /** What is wrong with {@code value} under {@code check}, or null when it passes. Never quotes the value. */
    String problem(FieldCheck check, String value) {
        String v = value.strip();
        String region = check.getRegion() == null ? DEFAULT_REGION : check.getRegion().toUpperCase(Locale.ROOT);
        FieldCheckKind kind = check.getCheck() == null ? FieldCheckKind.UNKNOWN : check.getCheck();
        return switch (kind) {
            case EMAIL -> EMAIL.matches(v) && v.length() <= MAX_EMAIL_LENGTH ? null : "must be an email address";
            case PHONE -> possiblePhone(v, region) ? null : "must be a phone number (region " + region + ")";
            case ZIP -> ZIPS.getOrDefault(region, ANY_ZIP).matches(v) ? null
                    : "must be a postal code (region " + region + ")";
            case REGEX -> pattern(check).map(p -> p.matches(v) ? null : "has not the required format").orElse(null);
            default -> null; // a check this version does not know: config validation reports it, not the partner
        };
    }

    private static boolean possiblePhone(String value, String region) {
        PhoneNumberUtil phones = PhoneNumberUtil.getInstance();
        try {
            return phones.isPossibleNumber(phones.parse(value, region));
        } catch (NumberParseException e) {
            return false;
        }
    }

    /** Empty for a pattern that does not compile: logged once, and the check is skipped rather than refuse every lead. */
    private Optional<Pattern> pattern(FieldCheck check) {
        if (check.getPattern() == null) {
            return Optional.empty();
        }
        return patterns.computeIfAbsent(check.getPattern(), source -> {
            try {
                return Optional.of(Pattern.compile(source));
            } catch (PatternSyntaxException e) {
                log.warn("Field check on {} has a pattern that is not RE2; the check is skipped", check.getField());
                return Optional.empty();
            }
        });
    }
}
