package io.datapost.sink.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ContainerProperties.AckMode;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.util.backoff.ExponentialBackOff;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.sink.kafka.DeadLetterHeaders;
import io.datapost.sink.kafka.NeverSkipDatabaseFailures;
import io.datapost.sink.kafka.OriginalBytesSerializer;
import io.datapost.sink.kafka.SinkBatchListener;
import io.datapost.sink.kafka.SinkMetrics;
import io.datapost.sink.store.ConversionReversalRows;
import io.datapost.sink.store.ConversionRows;
import io.datapost.sink.store.LeadOutcomeRows;
import io.datapost.sink.store.PayoutRows;
import io.datapost.sink.store.RowWriter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The four batch listeners (outcomes, conversions, conversion reversals, payouts), their error handling and dead letters.
 * Containers are built here rather than with {@code @KafkaListener} so each one takes its topic, key and value
 * deserializers straight from {@link Topics}.
 */
@Configuration(proxyBeanMethods = false)
public class SinkKafkaConfig {

    /** Topics this service reads or writes, created when missing (existing topics are left as they are). */
    @Bean
    KafkaAdmin.NewTopics sinkTopics(SinkProperties properties) {
        return new KafkaAdmin.NewTopics(
                Stream.of(Topics.LEAD_OUTCOMES, Topics.CONVERSIONS, Topics.CONVERSION_REVERSALS, Topics.PAYOUTS,
                        Topics.PARTNERS, Topics.DEAD_LETTERS)
                        .map(topic -> topic.newTopic(properties.topicReplication()))
                        .toArray(NewTopic[]::new));
    }

    @Bean
    DefaultKafkaProducerFactory<Object, Object> deadLetterProducerFactory(KafkaProperties kafka) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, ConversionSinkApplication.SERVICE_NAME + "-dead-letters");
        return new DefaultKafkaProducerFactory<>(config, OriginalBytesSerializer.forKeys(),
                OriginalBytesSerializer.forValues());
    }

    @Bean
    KafkaTemplate<Object, Object> deadLetterTemplate(DefaultKafkaProducerFactory<Object, Object> producerFactory) {
        return new KafkaTemplate<>(producerFactory);
    }

    /** Publishes a record's original bytes to {@link Topics#DEAD_LETTERS} with the datapost headers. */
    @Bean
    DeadLetterPublishingRecoverer deadLetterRecoverer(KafkaTemplate<Object, Object> deadLetterTemplate) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(deadLetterTemplate,
                (record, exception) -> new TopicPartition(Topics.DEAD_LETTERS.name(), -1));
        DeadLetterHeaders headers = new DeadLetterHeaders(ConversionSinkApplication.SERVICE_NAME);
        recoverer.setHeadersFunction(headers::create);
        return recoverer;
    }

    @Bean
    ConcurrentMessageListenerContainer<String, LeadOutcome> leadOutcomesListener(Listeners listeners,
            LeadOutcomeRows rows) {
        return listeners.container(Topics.LEAD_OUTCOMES, rows);
    }

    @Bean
    ConcurrentMessageListenerContainer<String, ConversionRecorded> conversionsListener(Listeners listeners,
            ConversionRows rows) {
        return listeners.container(Topics.CONVERSIONS, rows);
    }

    @Bean
    ConcurrentMessageListenerContainer<String, ConversionReversed> conversionReversalsListener(Listeners listeners,
            ConversionReversalRows rows) {
        return listeners.container(Topics.CONVERSION_REVERSALS, rows);
    }

    @Bean
    ConcurrentMessageListenerContainer<String, PayoutEvent> payoutsListener(Listeners listeners, PayoutRows rows) {
        return listeners.container(Topics.PAYOUTS, rows);
    }

    @Bean
    Listeners sinkListeners(KafkaProperties kafka, SinkProperties properties, TransactionOperations transactions,
            DeadLetterPublishingRecoverer deadLetters, SinkMetrics metrics, MeterRegistry registry) {
        return new Listeners(kafka, properties, transactions, deadLetters, metrics, registry);
    }

    /** Builds one batch listener container per topic, all alike. */
    record Listeners(KafkaProperties kafka, SinkProperties properties, TransactionOperations transactions,
            DeadLetterPublishingRecoverer deadLetters, SinkMetrics metrics, MeterRegistry registry) {

        <V> ConcurrentMessageListenerContainer<String, V> container(Topic<String, V> topic, RowWriter<V> rows) {
            DefaultKafkaConsumerFactory<String, V> consumers = new DefaultKafkaConsumerFactory<>(consumerConfig(),
                    topic::keyDeserializer, () -> new ErrorHandlingDeserializer<>(topic.valueDeserializer()));
            // the consumers' own metrics, among them records-lag(-max) per partition: how far the sink is behind
            consumers.addListener(new MicrometerConsumerListener<>(registry));

            ContainerProperties containerProperties = new ContainerProperties(topic.name());
            containerProperties.setGroupId(properties.groupId());
            containerProperties.setClientId(ConversionSinkApplication.SERVICE_NAME + "-" + topic.name());
            // the container commits a batch's offsets after the listener returned, i.e. after the DB commit
            containerProperties.setAckMode(AckMode.BATCH);
            containerProperties.setMessageListener(
                    new SinkBatchListener<>(topic, rows, transactions, deadLetters, metrics));

            ConcurrentMessageListenerContainer<String, V> container =
                    new ConcurrentMessageListenerContainer<>(consumers, containerProperties);
            container.setConcurrency(properties.concurrency());
            container.setCommonErrorHandler(errorHandler());
            return container;
        }

        private Map<String, Object> consumerConfig() {
            Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
            config.put(ConsumerConfig.GROUP_ID_CONFIG, properties.groupId());
            // the validator writes in transactions: never persist what it aborted
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                    IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.maxBatchSize());
            return config;
        }

        /**
         * A failed batch is retried in memory with a bounded exponential back-off; after that a database failure
         * re-seeks the batch (polled and retried again, never skipped) and any other failure dead-letters it.
         */
        private DefaultErrorHandler errorHandler() {
            SinkProperties.Retry retry = properties.retry();
            ExponentialBackOff backOff = new ExponentialBackOff(retry.initialInterval().toMillis(), retry.multiplier());
            backOff.setMaxInterval(retry.maxInterval().toMillis());
            backOff.setMaxAttempts(retry.maxAttempts());
            return new DefaultErrorHandler(new NeverSkipDatabaseFailures(deadLetters), backOff);
        }
    }
}
