package io.datapost.cli.reconcile;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * Reads the validator's output topics from the beginning to the end they had when reading started, committed
 * records only (what the sink is allowed to store), into {@link Books}. Conversions are read before their
 * reversals, so a reversal always finds the conversion it takes back.
 */
final class TopicBooks {

    /**
     * What was read: the books, the offset of the last record read per partition (transaction markers after it
     * are not records), records used and records that did not decode.
     */
    record Result(Books books, Map<TopicPartition, Long> lastRecordOffsets, long records, long undecodable) {
    }

    private final String bootstrapServers;
    private final Duration timeout;
    private final Map<TopicPartition, Long> lastRecords = new HashMap<>();
    private long records;
    private long undecodable;

    TopicBooks(String bootstrapServers, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    Result read() {
        Books books = new Books();
        read(Topics.LEAD_OUTCOMES, (id, o) -> books.outcome(id, o.getPartnerId(), o.getRevision(),
                o.getVerdict().name(), o.getPayout(), o.getPayoutCurrency()));
        read(Topics.CONVERSIONS, (id, c) -> books.conversionStands(id, c.getConversionId()));
        read(Topics.CONVERSION_REVERSALS, (id, r) -> books.conversionReversed(id, r.getConversionId()));
        read(Topics.PAYOUTS, (id, p) -> books.paid(id, p.getCurrency(), p.getAmount()));
        return new Result(books, Map.copyOf(lastRecords), records, undecodable);
    }

    private <V> void read(Topic<String, V> topic, BiConsumer<String, V> apply) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "datapost-reconcile-" + topic.name());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                throw new IllegalStateException("Topic " + topic.name() + " does not exist at " + bootstrapServers);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // under read_committed these are the last stable offsets: nothing of an open transaction
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "Could not read " + topic.name() + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    if (record.offset() < end.get(partition)) {
                        lastRecords.put(partition, record.offset());
                        decode(topic, record, apply); // later records: the next run sees them
                    }
                }
            }
        }
    }

    private <V> void decode(Topic<String, V> topic, ConsumerRecord<byte[], byte[]> record,
            BiConsumer<String, V> apply) {
        if (record.key() == null || record.value() == null) {
            undecodable++;
            return;
        }
        try {
            String key = topic.keyDeserializer().deserialize(topic.name(), record.key());
            apply.accept(key, topic.valueDeserializer().deserialize(topic.name(), record.value()));
            records++;
        } catch (SerializationException e) {
            undecodable++; // the sink dead-letters these: they are in neither place
        }
    }
}
