package io.datapost.validator.config;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the dedupe gate ({@code io.datapost.validator.gate}), under {@code datapost.validator.gate}.
 *
 * @param window        a repeat of a submission id received less than this after its first copy is not forwarded
 *                      again (default P7D); older entries are purged
 * @param purgeInterval how often (wall clock) entries older than the window are deleted (default 1m)
 * @param streams       extra Kafka Streams properties of the gate's own KafkaStreams; ours win on conflict
 */
@Validated
@ConfigurationProperties(prefix = "datapost.validator.gate")
public record GateProperties(
        @DefaultValue("P7D") @NotNull Duration window,
        @DefaultValue("1m") @NotNull Duration purgeInterval,
        Map<String, String> streams) {

    public GateProperties {
        if (window != null && (window.isNegative() || window.isZero())) {
            throw new IllegalArgumentException("datapost.validator.gate.window must be positive, was " + window);
        }
        if (purgeInterval != null && (purgeInterval.isNegative() || purgeInterval.isZero())) {
            throw new IllegalArgumentException(
                    "datapost.validator.gate.purge-interval must be positive, was " + purgeInterval);
        }
        streams = streams == null ? Map.of() : Map.copyOf(streams);
    }
}
