package io.datapost.sink.config;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import io.datapost.schemas.kafka.Topics;

/**
 * Settings of conversion-sink, under {@code datapost.sink}. Every default lives here.
 *
 * @param operatorToken     the bearer token that opens every partner's reports to an operator; empty or unset
 *                          disables operator access (set from {@code DATAPOST_OPERATOR_TOKEN})
 * @param groupId           the consumer group of the four sink listeners
 * @param concurrency       consumers per topic (at most the partitions of a data topic)
 * @param maxBatchSize      records per poll, hence per database transaction
 * @param topicReplication  replication factor used when this service has to create a topic
 * @param maxPageSize       upper bound of {@code size} on paged read endpoints
 * @param retry             back-off of a failed batch before it is re-polled (database) or dead-lettered (other)
 */
@Validated
@ConfigurationProperties("datapost.sink")
public record SinkProperties(
        @Pattern(regexp = "|.{16,}", message = "must be empty (operator access disabled) or at least 16 characters")
        String operatorToken,
        @DefaultValue("datapost-sink") @NotBlank String groupId,
        @DefaultValue("1") @Min(1) @Max(Topics.DATA_PARTITIONS) int concurrency,
        @DefaultValue("500") @Min(1) @Max(10_000) int maxBatchSize,
        @DefaultValue("1") @Min(1) @Max(16) short topicReplication,
        @DefaultValue("500") @Min(1) @Max(10_000) int maxPageSize,
        @DefaultValue @Valid @NotNull Retry retry) {

    /**
     * @param initialInterval first pause after a failed batch
     * @param multiplier      growth of the pause per attempt
     * @param maxInterval     the longest pause
     * @param maxAttempts     retries of one batch in memory before it is re-polled or dead-lettered
     */
    public record Retry(
            @DefaultValue("500ms") @NotNull Duration initialInterval,
            @DefaultValue("2.0") @DecimalMin("1.0") double multiplier,
            @DefaultValue("10s") @NotNull Duration maxInterval,
            @DefaultValue("8") @Min(1) @Max(1000) int maxAttempts) {
    }

    /** The operator token when operator access is enabled. */
    public Optional<String> enabledOperatorToken() {
        return operatorToken == null || operatorToken.isEmpty() ? Optional.empty() : Optional.of(operatorToken);
    }
}
