package io.datapost.ingest.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/**
 * Reads what ingest wrote (to the submissions topic; the dedupe gate, not running here, forwards to the leads
 * topic) between two moments. An acknowledged (acks=all) write is
 * below the end offsets as soon as the producer has its acknowledgement, so "since a mark" is exact
 * once the answer to the post has arrived.
 */
public final class LeadsOnTopic implements AutoCloseable {

    private final KafkaConsumer<String, LeadSubmitted> consumer;
    private final List<TopicPartition> partitions;

    public LeadsOnTopic(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50),
                Topics.SUBMISSIONS.keyDeserializer(),
                Topics.SUBMISSIONS.valueDeserializer());
        partitions = consumer.partitionsFor(Topics.SUBMISSIONS.name(), Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
    }

    public Map<TopicPartition, Long> mark() {
        return consumer.endOffsets(partitions);
    }

    /** Every lead written after {@code mark} and up to now. */
    public List<ConsumerRecord<String, LeadSubmitted>> since(Map<TopicPartition, Long> mark) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<ConsumerRecord<String, LeadSubmitted>> records = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            consumer.seek(partition, mark.get(partition));
        }
        long giveUpAt = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > giveUpAt) {
                throw new AssertionError("Could not read the submissions topic up to " + end);
            }
            for (ConsumerRecord<String, LeadSubmitted> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                    records.add(record);
                }
            }
        }
        return records;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
