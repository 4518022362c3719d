package io.datapost.cli.replay;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * How replays read Kafka: committed records only (read_committed), as bytes, each topic up to the end it had when
 * reading started. Shared by every kind of replay.
 */
final class ReplayKafka {

    private final String bootstrapServers;
    private final Duration timeout;
    private final AtomicBoolean stop;

    /**
     * @param stop set by Ctrl-C: a read in progress ends early (the caller then saves the replay as stopped)
     */
    ReplayKafka(String bootstrapServers, Duration timeout, AtomicBoolean stop) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
        this.stop = stop;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    Duration timeout() {
        return timeout;
    }

    /**
     * A compacted config topic read to the end it had when reading started: the latest value per key (a
     * tombstone removes the key). A replay decides with this snapshot for its whole run.
     */
    <V> Map<String, V> readTable(Topic<String, V> topic) {
        Map<String, V> table = new HashMap<>();
        readFrom(topic.name(), null, raw -> {
            String key = raw.key() == null ? null : topic.keyDeserializer().deserialize(topic.name(), raw.key());
            if (key == null) {
                return;
            }
            if (raw.value() == null) {
                table.remove(key);
            } else {
                table.put(key, topic.valueDeserializer().deserialize(topic.name(), raw.value()));
            }
        });
        return table;
    }

    /** The outcome in force per submission: its highest revision on {@code lead-outcomes}. */
    Map<String, LeadOutcome> readOutcomes() {
        Map<String, LeadOutcome> outcomes = new HashMap<>();
        var values = Topics.LEAD_OUTCOMES.valueDeserializer();
        readFrom(Topics.LEAD_OUTCOMES.name(), null, raw -> {
            if (raw.value() == null) {
                return;
            }
            try {
                LeadOutcome outcome = values.deserialize(raw.topic(), raw.value());
                outcomes.merge(outcome.getSubmissionId(), outcome,
                        (a, b) -> b.getRevision() >= a.getRevision() ? b : a);
            } catch (SerializationException e) {
                // the sink dead-letters it; it is no outcome in force
            }
        });
        return outcomes;
    }

    /**
     * Every committed record of the topic from the first one stamped at or after {@code since} (null: from the
     * beginning) up to the end the topic had at the start; stops early on {@code stop}.
     */
    void readFrom(String topic, Instant since, Consumer<ConsumerRecord<byte[], byte[]>> apply) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("datapost-replay-read")) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            if (since == null) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> start = startOffsets(consumer, partitions, since, end);
                start.forEach(consumer::seek);
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + timeout);
                }
                if (stop.get()) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
                    if (raw.offset() < end.get(new TopicPartition(raw.topic(), raw.partition()))) {
                        apply.accept(raw);
                    }
                }
            }
        }
    }

    /**
     * Fixes the range a checkpointed scan reads, once, when a replay starts: per partition the first offset
     * stamped at or after {@code since} and the end offset (under read_committed: the last stable offset, nothing
     * of an open transaction). A resumed replay keeps the range it had.
     */
    void fixRange(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Instant since,
            ReplayRecord record) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, Long> starts = startOffsets(consumer, partitions, since, ends);
        for (TopicPartition tp : partitions) {
            record.ends.put(tp.partition(), ends.get(tp));
            record.positions.put(tp.partition(), starts.get(tp));
        }
    }

    private Map<TopicPartition, Long> startOffsets(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, Instant since, Map<TopicPartition, Long> ends) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, Math.max(0, since.toEpochMilli())));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> starts = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp start = found.get(tp);
            long end = ends.get(tp);
            starts.put(tp, start == null ? end : Math.min(start.offset(), end));
        }
        return starts;
    }

    /** An idempotent producer, acks=all: what a replay writes is stored once even when the producer retries. */
    static Map<String, Object> producerConfig(String bootstrapServers, String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("Topic " + topic + " does not exist at " + bootstrapServers);
        }
        return partitions;
    }

    KafkaConsumer<byte[], byte[]> consumer(String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
