package io.datapost.ingest.config;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.kafka.Topics;

/**
 * Partners and event types, followed live from their compacted topics. Started with the context, closed
 * with it ({@link LiveTable#close()} is inferred as the destroy method).
 */
@Configuration(proxyBeanMethods = false)
public class ConfigTablesConfiguration {

    @Bean
    public LiveTable<Partner> partnersTable(KafkaProperties kafka) {
        return new LiveTable<>(Topics.PARTNERS, tableConsumerConfig(kafka)).start();
    }

    @Bean
    public LiveTable<EventType> eventTypesTable(KafkaProperties kafka) {
        return new LiveTable<>(Topics.EVENT_TYPES, tableConsumerConfig(kafka)).start();
    }

    /**
     * Boot's consumer settings (bootstrap servers, security) without the group and client ids: a table
     * reads without a group and names its own client.
     */
    static Map<String, Object> tableConsumerConfig(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return config;
    }
}
