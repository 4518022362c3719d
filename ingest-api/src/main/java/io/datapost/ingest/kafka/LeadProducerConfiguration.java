package io.datapost.ingest.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.ProducerListener;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/**
 * The one producer of ingest-api: durable (acks=all, idempotent) and with every client timeout inside the
 * post's deadline, so {@code send(...).get(deadline)} answers in time whether the broker is slow or gone.
 * Boot's own ProducerFactory and KafkaTemplate back off because these exist.
 */
@Configuration(proxyBeanMethods = false)
public class LeadProducerConfiguration {

    private static final int DEFAULT_LINGER_MS = 5;

    @Bean
    public ProducerFactory<String, LeadSubmitted> leadProducerFactory(KafkaProperties kafka,
            IngestProperties properties) {
        DefaultKafkaProducerFactory<String, LeadSubmitted> factory = new DefaultKafkaProducerFactory<>(
                producerConfig(kafka.buildProducerProperties(), properties.kafkaDeadline()),
                Topics.SUBMISSIONS.keySerializer(), Topics.SUBMISSIONS.valueSerializer());
        factory.setPhysicalCloseTimeout((int) Math.max(1, properties.kafkaDeadline().toSeconds()));
        return factory;
    }

    @Bean
    public KafkaTemplate<String, LeadSubmitted> leadTemplate(ProducerFactory<String, LeadSubmitted> leadProducerFactory) {
        KafkaTemplate<String, LeadSubmitted> template = new KafkaTemplate<>(leadProducerFactory);
        // the default LoggingProducerListener logs the whole record on a failed send: lead fields are
        // personal data. LeadPublisher logs failures with the submission id only.
        template.setProducerListener(new ProducerListener<>() {
        });
        return template;
    }

    /**
     * Boot's producer settings with the durability and timeout settings forced. A record is either
     * acknowledged or failed by the producer within {@code deadline} (delivery.timeout.ms), and send()
     * blocks on metadata or a full buffer for at most {@code deadline} (max.block.ms); the caller measures
     * one deadline across both.
     */
    public static Map<String, Object> producerConfig(Map<String, Object> bootProducerProperties, Duration deadline) {
        Map<String, Object> config = new HashMap<>(bootProducerProperties);
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        int deadlineMs = (int) deadline.toMillis();
        // delivery.timeout.ms must be >= linger.ms + request.timeout.ms, or the producer refuses to start.
        // linger.ms may be set (spring.kafka.producer.properties.linger.ms): every post waits for its own ack,
        // so the linger is added to each answer's latency
        Object configuredLinger = bootProducerProperties.get(ProducerConfig.LINGER_MS_CONFIG);
        int wantedLinger = configuredLinger == null ? DEFAULT_LINGER_MS : Integer.parseInt(configuredLinger.toString());
        int lingerMs = Math.max(0, Math.min(wantedLinger, deadlineMs / 10));
        config.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, deadlineMs - lingerMs);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deadlineMs);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) deadlineMs);
        return config;
    }
}
