package io.datapost.forwarder.kafka;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

import io.datapost.forwarder.config.EventTypeCatalog;
import io.datapost.forwarder.config.ForwarderProperties;
import io.datapost.forwarder.service.ForwarderMetrics;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/** The leads consumer, the producers, the dead letters and the topics this service needs. */
@Configuration(proxyBeanMethods = false)
public class KafkaConfig {

    @Bean
    public ConsumerFactory<String, LeadSubmitted> leadsConsumerFactory(KafkaProperties kafka,
            ForwarderProperties properties) {
        Map<String, Object> config = kafka.buildConsumerProperties();
        config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupId());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // the dedupe gate writes leads in transactions: never deliver a lead of an aborted (or open) one
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "forwarder-worker-leads");
        // a rebalance takes away only the partitions that move, so the others' leads in flight are undisturbed
        config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                List.of(CooperativeStickyAssignor.class));
        return new DefaultKafkaConsumerFactory<>(config, Topics.LEADS::keyDeserializer,
                () -> new ErrorHandlingDeserializer<>(Topics.LEADS.valueDeserializer()));
    }

    @Bean
    public ProducerFactory<String, AdvertiserResponse> responsesProducerFactory(KafkaProperties kafka) {
        Map<String, Object> config = producerConfig(kafka, "responses");
        // a call keeps its slot until its response is acknowledged: batch only briefly
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        return new DefaultKafkaProducerFactory<>(config,
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
    public ResponsePublisher responsePublisher(KafkaTemplate<String, AdvertiserResponse> responsesTemplate) {
        return new ResponsePublisher(responsesTemplate);
    }

    /** Spring Kafka's dead-letter publisher with the datapost headers; waits for Kafka's acknowledgement. */
    @Bean
    public DeadLetterRecoverer deadLetterRecoverer(KafkaTemplate<byte[], byte[]> deadLettersTemplate,
            ForwarderProperties properties) {
        DeadLetterRecoverer recoverer = new DeadLetterRecoverer(deadLettersTemplate, Topics.LEADS);
        recoverer.setWaitForSendResultTimeout(properties.sendTimeout());
        return recoverer;
    }

    @Bean
    public LeadConsumer leadConsumer(ConsumerFactory<String, LeadSubmitted> leadsConsumerFactory,
            LeadForwarder leadForwarder, EventTypeCatalog eventTypeCatalog, DeadLetterRecoverer deadLetterRecoverer,
            ForwarderMetrics metrics, KafkaProperties kafka, ForwarderProperties properties) {
        FinishedLeadsIndex finishedLeads = properties.skipFinishedLeads()
                ? new FinishedLeadsIndex(kafka.buildConsumerProperties(), properties.skipLookbackMargin(),
                        properties.skipIndexMaxEntries())
                : null;
        return new LeadConsumer(leadsConsumerFactory, leadForwarder, eventTypeCatalog, deadLetterRecoverer,
                finishedLeads, metrics, properties.maxPendingLeads(), properties.commitInterval(),
                properties.unknownEventTypeGrace(), properties.errorRetryInterval(), properties.shutdownTimeout(),
                properties.skipIndexMaxEntries(), properties.dedupeWindow());
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
