package io.datapost.validator.config;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the validator, under {@code datapost.validator}.
 *
 * @param replicationFactor     replication of the topics this service declares and of its changelog topics
 * @param stateDir              where Kafka Streams keeps the ledger's RocksDB stores
 * @param noResponseGrace       added to timeout x maxAttempts before a lead without a final response is NO_RESPONSE
 * @param deadlineCheckInterval how often, in stream time, overdue leads are looked for
 * @param closeTimeout          how long a shutdown waits for Kafka Streams to commit and close
 * @param streams               extra Kafka Streams properties (e.g. {@code num.stream.threads}); ours win on conflict
 */
@Validated
@ConfigurationProperties(prefix = "datapost.validator")
public record ValidatorProperties(
        @DefaultValue("1") @Min(1) @Max(Short.MAX_VALUE) int replicationFactor,
        @NotBlank String stateDir,
        @DefaultValue("60s") @NotNull Duration noResponseGrace,
        @DefaultValue("1s") @NotNull Duration deadlineCheckInterval,
        @DefaultValue("30s") @NotNull Duration closeTimeout,
        Map<String, String> streams) {

    public ValidatorProperties {
        streams = streams == null ? Map.of() : Map.copyOf(streams);
    }
}
