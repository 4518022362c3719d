package io.datapost.forwarder.kafka;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.util.backoff.FixedBackOff;

import io.datapost.forwarder.config.EventTypeCatalog;
import io.datapost.forwarder.config.ForwarderProperties;
import io.datapost.forwarder.config.InactiveEventTypeException;
import io.datapost.forwarder.config.UnknownEventTypeException;
import io.datapost.forwarder.http.RequestRenderException;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/** The leads listener, the producers, the dead-letter error handling and the topics this service needs. */
@Configuration(proxyBeanMethods = false)
public class KafkaConfig {

    /** Leads are slow to process (advertiser calls with retries): fetch few per poll to stay within the interval. */
    private static final int DEFAULT_MAX_POLL_RECORDS = 10;
    private static final int DEFAULT_MAX_POLL_INTERVAL_MILLIS = 600_000;

    @Bean
    public ConsumerFactory<String, LeadSubmitted> leadsConsumerFactory(KafkaProperties kafka,
            ForwarderProperties properties) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, DEFAULT_MAX_POLL_RECORDS);
        config.putIfAbsent(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, DEFAULT_MAX_POLL_INTERVAL_MILLIS);
        // one deserializer per consumer (a consumer closes its deserializers)
        return new DefaultKafkaConsumerFactory<>(config, Topics.LEADS::keyDeserializer,
                () -> new ErrorHandlingDeserializer<>(Topics.LEADS.valueDeserializer()));
    }

    @Bean
    public ProducerFactory<String, AdvertiserResponse> responsesProducerFactory(KafkaProperties kafka) {
        return new DefaultKafkaProducerFactory<>(producerConfig(kafka, "responses"),
                Topics.ADVERTISER_RESPONSES.keySerializer(), Topics.ADVERTISER_RESPONSES.valueSerializer());
    }

    @Bean
    public KafkaTemplate<String, AdvertiserResponse> responsesTemplate(
            ProducerFactory<String, AdvertiserResponse> responsesProducerFactory) {
        return new KafkaTemplate<>(responsesProducerFactory);
    }

    @Bean
    public ProducerFactory<byte[], byte[]> deadLettersProducerFactory(KafkaProperties kafka) {
        return new DefaultKafkaProducerFactory<>(producerConfig(kafka, "dead-letters"),
                Topics.DEAD_LETTERS.keySerializer(), Topics.DEAD_LETTERS.valueSerializer());
    }

    @Bean
    public KafkaTemplate<byte[], byte[]> deadLettersTemplate(
            ProducerFactory<byte[], byte[]> deadLettersProducerFactory) {
        return new KafkaTemplate<>(deadLettersProducerFactory);
    }

    @Bean
    public ResponsePublisher responsePublisher(KafkaTemplate<String, AdvertiserResponse> responsesTemplate,
            ForwarderProperties properties) {
        return new ResponsePublisher(responsesTemplate, properties.sendTimeout());
    }

    /**
     * Retries a failed lead a few times (e.g. Kafka briefly unavailable), then dead-letters it. Leads that can
     * never succeed (undecodable, unknown or inactive event type, unsafe request) are dead-lettered at once.
     */
    @Bean
    public DefaultErrorHandler leadsErrorHandler(KafkaTemplate<byte[], byte[]> deadLettersTemplate,
            ForwarderProperties properties) {
        DefaultErrorHandler handler = new DefaultErrorHandler(
                new DeadLetterRecoverer(deadLettersTemplate, Topics.LEADS),
                new FixedBackOff(properties.errorRetryInterval().toMillis(), properties.errorRetries()));
        // DeserializationException is not retryable by default already
        handler.addNotRetryableExceptions(UnknownEventTypeException.class, InactiveEventTypeException.class,
                RequestRenderException.class, InvalidLeadException.class);
        handler.setCommitRecovered(true);
        return handler;
    }

    @Bean
    public LeadListener leadListener(EventTypeCatalog eventTypeCatalog, LeadForwarder leadForwarder) {
        return new LeadListener(eventTypeCatalog, leadForwarder);
    }

    /**
     * Record listener; the offset of a lead is committed right after the listener returns, i.e. after its final
     * response was acknowledged, so a crash repeats only the leads in flight.
     */
    @Bean
    public ConcurrentMessageListenerContainer<String, LeadSubmitted> leadsListenerContainer(
            ConsumerFactory<String, LeadSubmitted> leadsConsumerFactory, LeadListener leadListener,
            DefaultErrorHandler leadsErrorHandler, ForwarderProperties properties) {
        ContainerProperties containerProperties = new ContainerProperties(Topics.LEADS.name());
        containerProperties.setGroupId(properties.groupId());
        containerProperties.setAckMode(ContainerProperties.AckMode.RECORD);
        containerProperties.setMessageListener(leadListener);
        ConcurrentMessageListenerContainer<String, LeadSubmitted> container =
                new ConcurrentMessageListenerContainer<>(leadsConsumerFactory, containerProperties);
        container.setConcurrency(properties.concurrency());
        container.setCommonErrorHandler(leadsErrorHandler);
        return container;
    }

    /** Created when missing (spring.kafka.admin.auto-create); existing topics are left as they are. */
    @Bean
    public KafkaAdmin.NewTopics forwarderTopics(ForwarderProperties properties) {
        short replication = (short) properties.topicReplicationFactor();
        return new KafkaAdmin.NewTopics(
                Topics.LEADS.newTopic(replication),
                Topics.ADVERTISER_RESPONSES.newTopic(replication),
                Topics.EVENT_TYPES.newTopic(replication),
                Topics.DEAD_LETTERS.newTopic(replication));
    }

    private static Map<String, Object> producerConfig(KafkaProperties kafka, String purpose) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "forwarder-worker-" + purpose);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }
}
