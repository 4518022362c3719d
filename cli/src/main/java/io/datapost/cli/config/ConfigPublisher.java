package io.datapost.cli.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * Writes a valid {@link ConfigSet} to the compacted config topics in ONE Kafka transaction: services reading
 * with read_committed (LiveTable) see either the whole batch or none of it, so a partner never points at an
 * event type that is not there yet. Refuses a set with problems without touching Kafka.
 */
public final class ConfigPublisher {

    /** Fixed on purpose: a second concurrent apply fences the first instead of interleaving with it. */
    static final String TRANSACTIONAL_ID = "datapost-config-apply";

    private final Supplier<Producer<byte[], byte[]>> producers;

    public ConfigPublisher(Supplier<Producer<byte[], byte[]>> producers) {
        this.producers = producers;
    }

    public static ConfigPublisher forBootstrap(String bootstrapServers) {
        return new ConfigPublisher(() -> new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, TRANSACTIONAL_ID,
                ProducerConfig.CLIENT_ID_CONFIG, "datapost-config-apply",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
                new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** @return the number of records written */
    public int publish(ConfigSet config) {
        if (!config.valid()) {
            throw new IllegalArgumentException("refusing to apply a config with " + config.problems().size()
                    + " problem(s)");
        }
        try (Producer<byte[], byte[]> producer = producers.get()) {
            producer.initTransactions();
            producer.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            try {
                for (EventType eventType : config.eventTypes()) {
                    sent.add(producer.send(record(Topics.EVENT_TYPES, eventType.getId(), eventType)));
                }
                for (Partner partner : config.partners()) {
                    sent.add(producer.send(record(Topics.PARTNERS, partner.getId(), partner)));
                }
                producer.commitTransaction();
            } catch (KafkaException e) {
                abortQuietly(producer, e);
                throw e;
            }
            for (Future<RecordMetadata> future : sent) {
                future.get(); // already complete after the commit; surfaces a per-record failure
            }
            return sent.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while applying config", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("config apply failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static <V> ProducerRecord<byte[], byte[]> record(Topic<String, V> topic, String key, V value) {
        return new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value));
    }

    private static void abortQuietly(Producer<byte[], byte[]> producer, KafkaException cause) {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            cause.addSuppressed(e);
        }
    }
}
