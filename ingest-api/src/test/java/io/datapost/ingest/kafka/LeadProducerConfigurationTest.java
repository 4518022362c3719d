package io.datapost.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class LeadProducerConfigurationTest {

    @Test
    void durabilityIsForcedWhateverBootSays() {
        Map<String, Object> config = LeadProducerConfiguration.producerConfig(Map.of(ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false), Duration.ofSeconds(5));

        assertThat(config).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    }

    @Test
    void everyClientTimeoutFitsTheDeadlineAndTheProducerWouldStart() {
        Map<String, Object> config = LeadProducerConfiguration.producerConfig(Map.of(), Duration.ofSeconds(5));

        assertThat(config).containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000L)
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4995);
    }

    @Test
    void configuredLingerIsHonouredButNeverMoreThanATenthOfTheDeadline() {
        assertThat(LeadProducerConfiguration.producerConfig(Map.of(ProducerConfig.LINGER_MS_CONFIG, "0"),
                Duration.ofSeconds(5))).containsEntry(ProducerConfig.LINGER_MS_CONFIG, 0)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        assertThat(LeadProducerConfiguration.producerConfig(Map.of(ProducerConfig.LINGER_MS_CONFIG, "100"),
                Duration.ofMillis(500))).containsEntry(ProducerConfig.LINGER_MS_CONFIG, 50);
    }
}
