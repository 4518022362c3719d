package io.datapost.validator.kafka;

import java.time.Duration;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import io.datapost.validator.config.GateProperties;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;
import io.datapost.validator.gate.GateMetrics;
import io.datapost.validator.gate.GateSettings;
import io.datapost.validator.gate.GateTopology;

/**
 * Runs the dedupe gate ({@link GateTopology}) as its own Kafka Streams application next to the ledger, started
 * and stopped with the service. Independent of the ledger: its own application id, consumer group, transactions,
 * state directory and stream threads, so neither waits on the other's rebalances or restores.
 */
public class GateStreams implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GateStreams.class);

    private final String bootstrapServers;
    private final ValidatorProperties settings;
    private final GateProperties gate;
    private final GateMetrics metrics;

    private volatile KafkaStreams streams;
    private KafkaStreamsMetrics streamsMetrics;

    public GateStreams(String bootstrapServers, ValidatorProperties settings, GateProperties gate,
            GateMetrics metrics) {
        this.bootstrapServers = bootstrapServers;
        this.settings = settings;
        this.gate = gate;
        this.metrics = metrics;
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        KafkaStreams kafkaStreams = new KafkaStreams(
                GateTopology.build(new GateSettings(gate.window(), gate.purgeInterval(), metrics)),
                StreamsProperties.gate(bootstrapServers, settings, gate));
        kafkaStreams.setUncaughtExceptionHandler(e -> {
            // bad records are dead-lettered; this is a bug or a broker problem: stop visibly (health DOWN)
            log.error("Gate stream thread failed; shutting the gate's Kafka Streams down", e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        kafkaStreams.setStateListener((now, before) -> log.info("Gate Kafka Streams state {} -> {}", before, now));
        streamsMetrics = new KafkaStreamsMetrics(kafkaStreams);
        streamsMetrics.bindTo(metrics.registry());
        kafkaStreams.start();
        streams = kafkaStreams;
        log.info("Dedupe gate started against {} (window {})", bootstrapServers, gate.window());
    }

    @Override
    public synchronized void stop() {
        KafkaStreams kafkaStreams = streams;
        if (kafkaStreams == null) {
            return;
        }
        streams = null;
        Duration timeout = settings.closeTimeout();
        // the consumer leaves the group on close (StreamsProperties.gate), so the partitions move at once
        if (!kafkaStreams.close(new KafkaStreams.CloseOptions().timeout(timeout))) {
            log.warn("Gate Kafka Streams did not close within {}", timeout);
        }
        streamsMetrics.close();
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
