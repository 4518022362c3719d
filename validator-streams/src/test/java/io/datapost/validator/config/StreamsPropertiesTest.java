package io.datapost.validator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsPropertiesTest {

    private static final String LEAVE_GROUP = StreamsConfig.mainConsumerPrefix(StreamsProperties.LEAVE_GROUP_ON_CLOSE);

    private static ValidatorProperties settings(Map<String, String> streams) {
        return new ValidatorProperties(1, "/tmp/validator-state", Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(30), streams);
    }

    @Test
    void theLedgerAndTheGateLeaveTheGroupOnAGracefulStopSoTheirPartitionsMoveAtOnce() {
        Properties ledger = StreamsProperties.of("localhost:9092", settings(Map.of()), null);
        Properties gate = StreamsProperties.gate("localhost:9092", settings(Map.of()),
                new GateProperties(Duration.ofDays(7), Duration.ofMinutes(1), Map.of()));

        assertThat(ledger.get(LEAVE_GROUP)).isEqualTo(true);
        assertThat(gate.get(LEAVE_GROUP)).isEqualTo(true);
        assertThat(ledger.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(gate.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    }

    @Test
    void anOperatorCanRestoreKafkaStreamsDefaultButNotTheProcessingGuarantee() {
        Properties ledger = StreamsProperties.of("localhost:9092", settings(Map.of(LEAVE_GROUP, "false",
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE)), null);

        assertThat(ledger.get(LEAVE_GROUP)).isEqualTo("false");
        assertThat(ledger.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
    }
}
