package io.datapost.forwarder.config;

import java.util.Map;
import java.util.Random;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.service.AttemptPublisher;
import io.datapost.forwarder.service.ForwarderMetrics;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.EventType;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.kafka.Topics;

/** The event types, the HTTP client and the forwarding logic. */
@Configuration(proxyBeanMethods = false)
public class ForwarderConfig {

    @Bean
    public EventTypeCatalog eventTypeCatalog(KafkaProperties kafka, ForwarderProperties properties) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        config.remove(ConsumerConfig.GROUP_ID_CONFIG); // the table reads the whole topic, without a group
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "forwarder-worker-" + Topics.EVENT_TYPES.name());
        return new EventTypeCatalog(new LiveTable<>(Topics.EVENT_TYPES, config), properties.configCatchUpTimeout());
    }

    /** Owns the one OkHttp client (and so its connection pool) shared by every event type; closed with the app. */
    @Bean
    public AdvertiserClient advertiserClient(ForwarderProperties properties) {
        return new AdvertiserClient(AdvertiserClient.newSharedClient(properties.maxInFlight()),
                properties.maxBodyBytes(), properties.recordedResponseHeaders());
    }

    @Bean
    public AdvertiserRequestRenderer advertiserRequestRenderer() {
        return new AdvertiserRequestRenderer();
    }

    @Bean
    public ForwarderMetrics forwarderMetrics(MeterRegistry registry) {
        return new ForwarderMetrics(registry);
    }

    /** Closed after the leads consumer stopped (the consumer depends on it). */
    @Bean
    public LeadForwarder leadForwarder(AdvertiserRequestRenderer renderer, AdvertiserClient client,
            AttemptPublisher publisher, ForwarderMetrics metrics, EventTypeCatalog eventTypeCatalog,
            ForwarderProperties properties) {
        properties.eventTypes().keySet().forEach(properties::settingsFor); // a bad override fails the start-up
        return new LeadForwarder(renderer, client, publisher, metrics, properties::settingsFor,
                eventTypeCatalog::find, properties.maxInFlight(), properties.errorRetryInterval(), new Random());
    }
}
