package io.datapost.validator.config;

import java.nio.file.Path;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import io.datapost.validator.kafka.DeadLetterDeserializationHandler;

/** The Kafka Streams configuration of the validator, in one place. */
public final class StreamsProperties {

    public static final String APPLICATION_ID = "datapost-validator";

    /** The dedupe gate's own Kafka Streams application (its own consumer group, transactions and changelogs). */
    public static final String GATE_APPLICATION_ID = "datapost-lead-gate";

    /**
     * The consumer's {@code ConsumerConfig.LEAVE_GROUP_ON_CLOSE_CONFIG} (package-private there, so spelled here).
     * Kafka Streams sets it to false so a rolling bounce does not rebalance twice; {@code CloseOptions.leaveGroup}
     * helps only static members. A graceful stop should hand the partitions over at once: with false, no
     * submission passes the gate, and no lead is decided by the ledger, until the broker drops the gone member after
     * {@code session.timeout.ms} (45 s; measured here: 42 s per restart of the gate, under a second with true). Set
     * for both applications; {@code datapost.validator.streams.main.consumer.internal.leave.group.on.close=false}
     * (or the gate's own) restores Kafka Streams' default.
     */
    static final String LEAVE_GROUP_ON_CLOSE = "internal.leave.group.on.close";

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
        props.put(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
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

    /**
     * The gate's Kafka Streams configuration: exactly_once_v2 like the ledger, its own application id, and its own
     * state directory ({@code <state-dir>/gate}) so the two never share a lock or a task directory.
     */
    public static Properties gate(String bootstrapServers, ValidatorProperties settings, GateProperties gate) {
        Properties props = new Properties();
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
        props.put(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
        props.putAll(gate.streams());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, GATE_APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor());
        props.put(StreamsConfig.STATE_DIR_CONFIG, gateStateDir(settings).toString());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
        return props;
    }

    public static Path gateStateDir(ValidatorProperties settings) {
        return Path.of(settings.stateDir(), "gate");
    }
}
