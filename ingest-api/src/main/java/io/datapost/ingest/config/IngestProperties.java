package io.datapost.ingest.config;

import java.time.Duration;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * ingest-api's own settings, prefix {@code datapost.ingest}.
 *
 * @param maxBodyBytes  largest accepted request body ({@code max-body-bytes}, default 64KB; plain numbers are
 *                      bytes); a longer body is answered 413 after reading at most one byte more
 * @param kafkaDeadline how long a post waits for the broker's acknowledgement before answering 503
 *                      ({@code kafka-deadline}, default 5s); also bounds the producer's own timeouts
 * @param statusBaseUrl base of the {@code statusUrl} returned with a 202 ({@code status-base-url}, default
 *                      http://localhost:8083, where conversion-sink serves submission status)
 */
@ConfigurationProperties("datapost.ingest")
@Validated
public record IngestProperties(
        @NotNull @DefaultValue("64KB") DataSize maxBodyBytes,
        @NotNull @DefaultValue("5s") Duration kafkaDeadline,
        @NotBlank @DefaultValue("http://localhost:8083") String statusBaseUrl) {

    /** Bodies are held in one array, and a deadline under 200 ms cannot cover one broker round trip. */
    static final long MAX_BODY_CEILING = 16L * 1024 * 1024;

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
        if (statusBaseUrl != null) {
            statusBaseUrl = statusBaseUrl.strip().replaceAll("/+$", "");
        }
    }

    public int maxBodyBytesAsInt() {
        return (int) maxBodyBytes.toBytes();
    }
}
