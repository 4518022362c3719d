package io.datapost.ingest.config;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * ingest-api's own settings, prefix {@code datapost.ingest}.
 *
 * @param maxBodyBytes  largest accepted request body ({@code max-body-bytes}, default 64KB; plain numbers are
 *                      bytes); a longer body is answered 413 after reading at most one byte more. An event type's
 *                      {@code ingest.maxBodyBytes} replaces it for that event type.
 * @param kafkaDeadline how long a post waits for the broker's acknowledgement before answering 503
 *                      ({@code kafka-deadline}, default 5s); also bounds the producer's own timeouts
 * @param statusBaseUrl base of the {@code statusUrl} returned with a 202 ({@code status-base-url}, default
 *                      http://localhost:8083, where conversion-sink serves submission status)
 * @param maxWait       longest synchronous wait a partner may ask for with {@code ?wait=} ({@code max-wait},
 *                      default PT10S); a longer wait is cut to this
 * @param maxWaiting    how many requests may wait for their verdict at once on this instance ({@code max-waiting},
 *                      default 1000); beyond it a post is answered 202 at once. 0 turns synchronous mode off (and
 *                      the lead-outcomes follower is not started)
 * @param rateLimit     every partner's token bucket ({@code rate-limit.per-second}, default 100, and
 *                      {@code rate-limit.burst}, default 200)
 * @param rateLimits    per-partner overrides by partner id ({@code rate-limits.<partnerId>.per-second} /
 *                      {@code .burst}); a half left out is taken from {@code rate-limit}
 */
@ConfigurationProperties("datapost.ingest")
@Validated
public record IngestProperties(
        @NotNull @DefaultValue("64KB") DataSize maxBodyBytes,
        @NotNull @DefaultValue("5s") Duration kafkaDeadline,
        @NotBlank @DefaultValue("http://localhost:8083") String statusBaseUrl,
        @NotNull @DefaultValue("PT10S") Duration maxWait,
        @Min(0) @DefaultValue("1000") int maxWaiting,
        @Valid @NotNull @DefaultValue RateLimit rateLimit,
        @Valid @NotNull @DefaultValue Map<String, RateLimitOverride> rateLimits) {

    /** Bodies are held in one array, and a deadline under 200 ms cannot cover one broker round trip. */
    public static final long MAX_BODY_CEILING = 16L * 1024 * 1024;

    public IngestProperties {
        if (maxBodyBytes != null && (maxBodyBytes.toBytes() < 1 || maxBodyBytes.toBytes() > MAX_BODY_CEILING)) {
            throw new IllegalArgumentException(
                    "datapost.ingest.max-body-bytes must be between 1B and 16MB, was " + maxBodyBytes);
        }
        if (kafkaDeadline != null
                && (kafkaDeadline.compareTo(Duration.ofMillis(200)) < 0 || kafkaDeadline.compareTo(Duration.ofMinutes(2)) > 0)) {
            throw new IllegalArgumentException(
                    "datapost.ingest.kafka-deadline must be between 200ms and 2m, was " + kafkaDeadline);
        }
        if (maxWait != null && (maxWait.isNegative() || maxWait.compareTo(Duration.ofMinutes(5)) > 0)) {
            throw new IllegalArgumentException("datapost.ingest.max-wait must be between 0 and 5m, was " + maxWait);
        }
        if (statusBaseUrl != null) {
            statusBaseUrl = statusBaseUrl.strip().replaceAll("/+$", "");
        }
        rateLimits = rateLimits == null ? Map.of() : Map.copyOf(rateLimits);
    }

    public int maxBodyBytesAsInt() {
        return (int) maxBodyBytes.toBytes();
    }

    /** The bucket of {@code partnerId}: its override where given, the default otherwise. */
    public RateLimit rateLimitOf(String partnerId) {
        RateLimitOverride override = rateLimits.get(partnerId);
        if (override == null) {
            return rateLimit;
        }
        return new RateLimit(override.perSecond() == null ? rateLimit.perSecond() : override.perSecond(),
                override.burst() == null ? rateLimit.burst() : override.burst());
    }

    /**
     * A token bucket: {@code burst} posts at once, refilled at {@code perSecond} posts per second (fractions
     * allowed: 0.5 is one post every two seconds).
     */
    public record RateLimit(@Positive @DefaultValue("100") double perSecond, @Min(1) @DefaultValue("200") int burst) {
    }

    /** One partner's bucket; a null half is taken from the default. */
    public record RateLimitOverride(@Positive Double perSecond, @Min(1) Integer burst) {
    }
}
