package io.datapost.validator.kafka;

import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;
import io.datapost.validator.ledger.LedgerMetrics;
import io.datapost.validator.ledger.LedgerSettings;
import io.datapost.validator.ledger.LedgerTopology;

/**
 * Runs the ledger topology with Kafka Streams for as long as the Spring context runs: started after every
 * bean (and the topics) exist, closed first on shutdown so the last transaction commits.
 */
public class LedgerStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LedgerStreams.class);

    private final String bootstrapServers;
    private final ValidatorProperties settings;
    private final LedgerMetrics metrics;

    private volatile KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;
    private Producer<byte[], byte[]> deadLetterProducer;

    public LedgerStreams(String bootstrapServers, ValidatorProperties settings, LedgerMetrics metrics) {
        this.bootstrapServers = bootstrapServers;
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, StreamsProperties.APPLICATION_ID + "-dead-letters");
        deadLetterProducer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());

        KafkaStreams kafkaStreams = new KafkaStreams(
                LedgerTopology.build(new LedgerSettings(settings.noResponseGrace(), settings.deadlineCheckInterval(),
                        metrics)),
                StreamsProperties.of(bootstrapServers, settings, deadLetterProducer));
        kafkaStreams.setUncaughtExceptionHandler(e -> {
            // not a bad record (those are dead-lettered): a bug or a broker problem. Stop visibly (health DOWN)
            // rather than replace the thread and spin on the same failure.
            log.error("Validator stream thread failed; shutting Kafka Streams down", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        kafkaStreams.setStateListener((now, before) -> log.info("Kafka Streams state {} -> {}", before, now));
        streamsMetrics = new KafkaStreamsMetrics(kafkaStreams);
        streamsMetrics.bindTo(metrics.registry());
        kafkaStreams.start();
        streams = kafkaStreams;
        log.info("Validator ledger started against {}", bootstrapServers);
    }

    @Override
    public synchronized void stop() {
        KafkaStreams kafkaStreams = streams;
        if (kafkaStreams == null) {
            return;
        }
        streams = null;
        Duration timeout = settings.closeTimeout();
        if (!kafkaStreams.close(new KafkaStreams.CloseOptions().timeout(timeout))) {
            log.warn("Kafka Streams did not close within {}", timeout);
        }
        streamsMetrics.close();
        deadLetterProducer.close(timeout);
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** The Kafka Streams state, or null when not started. */
    public KafkaStreams.State state() {
        KafkaStreams kafkaStreams = streams;
        return kafkaStreams == null ? null : kafkaStreams.state();
    }
}
