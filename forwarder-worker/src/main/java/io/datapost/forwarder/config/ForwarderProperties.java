package io.datapost.forwarder.config;

import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the forwarder, under {@code datapost.forwarder}.
 *
 * @param groupId consumer group of the leads listener
 * @param concurrency listener threads; more than the leads partitions would idle
 * @param maxBodyBytes the most of an advertiser's answer that is read and kept
 * @param retryBackoffBase first delay between attempts; doubles per attempt, with jitter
 * @param retryBackoffMax cap of the delay between attempts, also of an advertiser's Retry-After
 * @param recordedResponseHeaders response headers copied into each {@code AdvertiserResponse}
 * @param sendTimeout how long to wait for Kafka to acknowledge a response
 * @param errorRetries redeliveries of a lead that failed unexpectedly (e.g. Kafka down) before it is dead-lettered
 * @param errorRetryInterval delay between those redeliveries
 * @param unknownEventTypeGrace how long a lead waits for its event type to appear before it is dead-lettered
 *        (covers the moment between a config change and this instance seeing it)
 * @param configCatchUpTimeout how long start-up waits to read the event types; the app fails to start after it
 * @param topicReplicationFactor replication of the topics this service creates when they are missing
 */
@ConfigurationProperties("datapost.forwarder")
@Validated
public record ForwarderProperties(
        @DefaultValue("datapost-forwarder") @NotBlank String groupId,
        @DefaultValue("6") @Min(1) int concurrency,
        @DefaultValue("262144") @Min(1) int maxBodyBytes,
        @DefaultValue("200ms") @NotNull Duration retryBackoffBase,
        @DefaultValue("5s") @NotNull Duration retryBackoffMax,
        @DefaultValue({"Content-Type", "Retry-After"}) @NotNull List<String> recordedResponseHeaders,
        @DefaultValue("30s") @NotNull Duration sendTimeout,
        @DefaultValue("2") @Min(0) int errorRetries,
        @DefaultValue("500ms") @NotNull Duration errorRetryInterval,
        @DefaultValue("1s") @NotNull Duration unknownEventTypeGrace,
        @DefaultValue("60s") @NotNull Duration configCatchUpTimeout,
        @DefaultValue("1") @Min(1) @Max(Short.MAX_VALUE) int topicReplicationFactor) {

    public ForwarderProperties {
        if (retryBackoffBase != null && retryBackoffMax != null && retryBackoffBase.compareTo(retryBackoffMax) > 0) {
            throw new IllegalArgumentException("datapost.forwarder.retry-backoff-base (" + retryBackoffBase
                    + ") must not exceed datapost.forwarder.retry-backoff-max (" + retryBackoffMax + ")");
        }
        if (retryBackoffBase != null && retryBackoffBase.isNegative()) {
            throw new IllegalArgumentException("datapost.forwarder.retry-backoff-base must not be negative");
        }
    }
}
