package io.datapost.validator.config;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

import io.micrometer.core.instrument.MeterRegistry;

import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.gate.GateMetrics;
import io.datapost.validator.kafka.GateStreams;
import io.datapost.validator.kafka.GateStreamsHealthIndicator;
import io.datapost.validator.kafka.LedgerStreams;
import io.datapost.validator.kafka.LedgerStreamsHealthIndicator;
import io.datapost.validator.ledger.LedgerMetrics;

@Configuration(proxyBeanMethods = false)
public class ValidatorConfiguration {

    /**
     * Every topic the validator reads or writes, created at start-up if missing (before Kafka Streams starts,
     * which refuses to run without its source topics).
     */
    @Bean
    KafkaAdmin.NewTopics datapostTopics(ValidatorProperties settings) {
        short replication = (short) settings.replicationFactor();
        return new KafkaAdmin.NewTopics(Topics.all().stream()
                .map(topic -> topic.newTopic(replication))
                .toArray(org.apache.kafka.clients.admin.NewTopic[]::new));
    }

    @Bean
    LedgerMetrics ledgerMetrics(MeterRegistry registry, RulesProperties rules) {
        return new LedgerMetrics(registry, rules.misconfigurationWindow());
    }

    @Bean
    LedgerStreams ledgerStreams(KafkaProperties kafka, ValidatorProperties settings, LedgerMetrics metrics) {
        return new LedgerStreams(String.join(",", kafka.getBootstrapServers()), settings, metrics);
    }

    @Bean
    LedgerStreamsHealthIndicator ledgerStreamsHealthIndicator(LedgerStreams streams) {
        return new LedgerStreamsHealthIndicator(streams);
    }

    @Bean
    GateMetrics gateMetrics(MeterRegistry registry) {
        return new GateMetrics(registry);
    }

    /** The dedupe gate: lead-submissions -> leads, once per submission id within the window. */
    @Bean
    GateStreams gateStreams(KafkaProperties kafka, ValidatorProperties settings, GateProperties gate,
            GateMetrics metrics) {
        return new GateStreams(String.join(",", kafka.getBootstrapServers()), settings, gate, metrics);
    }

    @Bean
    GateStreamsHealthIndicator gateStreamsHealthIndicator(GateStreams streams) {
        return new GateStreamsHealthIndicator(streams);
    }
}
