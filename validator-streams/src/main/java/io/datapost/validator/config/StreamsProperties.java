package io.datapost.validator.config;

import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import io.datapost.validator.kafka.DeadLetterDeserializationHandler;

/** The Kafka Streams configuration of the validator, in one place. */
public final class StreamsProperties {

    public static final String APPLICATION_ID = "datapost-validator";

    /** Default {@code producer.batch.size} of the ledger's transactional producer. */
    public static final int PRODUCER_BATCH_BYTES = 512 * 1024;

    private StreamsProperties() {
    }

    /**
     * @param deadLetterProducer producer the deserialization handler sends undecodable config records with
     *                           (may be null: they are then logged and skipped)
     */
    public static Properties of(String bootstrapServers, ValidatorProperties settings, Object deadLetterProducer) {
        Properties props = new Properties();
        // Defaults that datapost.validator.streams.* may override. Every lead writes three to five records (outcome,
        // conversion, payout, ledger and deadline changelogs) across ~40 partitions per transaction: big producer
        // batches halve the CPU per lead of client and broker (measured: 150 -> 89 us per lead, see README)
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
        props.putAll(settings.streams());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor());
        props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class);
        if (deadLetterProducer != null) {
            props.put(DeadLetterDeserializationHandler.PRODUCER_CONFIG, deadLetterProducer);
        }
        // exactly_once_v2 already implies both; stated so nobody "tunes" them away
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
        return props;
    }
}
