package io.datapost.ingest.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.datapost.ingest.service.OutcomeWaiters;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.kafka.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Follows {@code Topics.LEAD_OUTCOMES} for the synchronous mode: every instance reads every partition itself
 * (no consumer group, nothing committed), from the end as it was at start-up, read_committed (the validator
 * writes in transactions: an aborted outcome is never shown to a partner), and hands each outcome that a
 * request of this instance waits for to {@link OutcomeWaiters}. Only those values are decoded.
 *
 * <p>This is a read-only follower like the config tables, not a processing consumer: a record it cannot
 * decode is skipped (counted, logged by offset), not dead-lettered, since every ingest instance would
 * dead-letter the same record again and the record's owner (conversion-sink) already dead-letters it.
 */
public class OutcomeFollower implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutcomeFollower.class);
    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration RESTART_PAUSE = Duration.ofSeconds(1);

    private final Map<String, Object> consumerConfig;
    private final OutcomeWaiters waiters;
    private final Counter undecodable;
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    private final boolean enabled;

    /**
     * @param enabled false when synchronous mode is off ({@code max-waiting=0}): then nothing is followed and
     *                every {@code ?wait=} is answered 202 at once
     */
    public OutcomeFollower(Map<String, Object> bootConsumerConfig, OutcomeWaiters waiters, MeterRegistry registry,
            boolean enabled) {
        this.enabled = enabled;
        Map<String, Object> config = new HashMap<>(bootConsumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "datapost-ingest-outcomes-" + CLIENT_SEQUENCE.incrementAndGet());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        this.consumerConfig = config;
        this.waiters = waiters;
        this.undecodable = Counter.builder("datapost.ingest.sync.undecodable.outcomes")
                .description("Lead outcomes the synchronous mode could not decode").register(registry);
    }

    @Override
    public synchronized void start() {
        if (running || !enabled) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "lead-outcomes-follower");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void stop() {
        running = false;
        waiters.following(false);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Below the web server's phases: started before the server takes requests, stopped after its graceful
     * shutdown, so requests waiting while the server drains still get their verdict.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                if (!running) {
                    return;
                }
                List<TopicPartition> partitions = waitForPartitions(c);
                if (partitions.isEmpty()) {
                    return;
                }
                c.assign(partitions);
                c.seekToEnd(partitions);
                // position() resolves the lazy seek now: every outcome written from here on will be read,
                // so a waiter registered after this point cannot miss its outcome
                partitions.forEach(c::position);
                waiters.following(true);
                log.info("Following {} ({} partitions) for synchronous answers", Topics.LEAD_OUTCOMES.name(),
                        partitions.size());
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL)) {
                        hand(record);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (KafkaException e) {
                // e.g. the broker went away for longer than the client's timeouts: start over from the end.
                // Waiters registered meanwhile may miss their outcome; they get the 202 at their deadline.
                waiters.following(false);
                log.warn("Lost {}; following it again from its end: {}", Topics.LEAD_OUTCOMES.name(),
                        e.getClass().getName());
                pause();
            } finally {
                consumer = null;
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(RESTART_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private List<TopicPartition> waitForPartitions(KafkaConsumer<byte[], byte[]> c) {
        while (running) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(Topics.LEAD_OUTCOMES.name(), Duration.ofSeconds(5));
            } catch (TimeoutException e) {
                log.info("Waiting for the broker to follow {}", Topics.LEAD_OUTCOMES.name());
                continue;
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            log.info("Waiting for topic {} to exist", Topics.LEAD_OUTCOMES.name());
        }
        return List.of();
    }

    private void hand(ConsumerRecord<byte[], byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        String submissionId = Topics.LEAD_OUTCOMES.keyDeserializer().deserialize(record.topic(), record.key());
        if (!waiters.isWaitingFor(submissionId)) {
            return;
        }
        LeadOutcome outcome;
        try {
            outcome = Topics.LEAD_OUTCOMES.valueDeserializer().deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            undecodable.increment();
            log.warn("Skipping undecodable outcome for {} at {}-{}@{}: {}", submissionId, record.topic(),
                    record.partition(), record.offset(), e.getClass().getName());
            return;
        }
        waiters.complete(submissionId, outcome);
    }
}
