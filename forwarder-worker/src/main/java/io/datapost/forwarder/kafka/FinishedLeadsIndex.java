package io.datapost.forwarder.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.kafka.Topics;

/**
 * What the responses topic already says about the leads a newly assigned partition will deliver again.
 *
 * <p>Committed offsets stop at the lowest unfinished lead, so after a crash or a move of the partition every lead
 * from there on comes again, also those finished after it. Before the first of them is handed on, this reads the
 * responses written since that lead was produced (responses share the lead's key and so its partition) and remembers
 * per submission the attempts already published and whether the final one is among them. The consumer then skips
 * finished leads and continues the others at their next attempt number, so the calls a crash repeats are only those
 * that were in flight. The memory is held until the partition is read past the end it had at assignment.
 */
public class FinishedLeadsIndex {

    private static final Logger log = LoggerFactory.getLogger(FinishedLeadsIndex.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofMillis(200);

    /**
     * Attempts of one submission found on the responses topic.
     *
     * @param attempts the highest attempt number published
     * @param finalAttempt the highest attempt number among the final responses, 0 without one
     */
    public record Seen(int attempts, int finalAttempt) {
        Seen merge(AdvertiserResponse response) {
            return new Seen(Math.max(attempts, response.getAttempt()),
                    response.getFinalAttempt() ? Math.max(finalAttempt, response.getAttempt()) : finalAttempt);
        }

        /** A final response exists. */
        public boolean finished() {
            return finalAttempt > 0;
        }

        /**
         * A final response at or above {@code attemptBase} exists: the delivery whose attempts start there is done.
         * A re-forwarded lead (attempts from N) is not finished by the final response of its earlier delivery.
         */
        public boolean finishedFrom(int attemptBase) {
            return finalAttempt > 0 && finalAttempt >= attemptBase;
        }
    }

    private final Map<String, Object> readerConfig;
    private final Duration lookbackMargin;
    private final int maxEntries;
    private final Map<TopicPartition, PartitionIndex> byPartition = new ConcurrentHashMap<>();

    /**
     * @param consumerConfig connection settings (a group id is removed: the reads are assigned, not subscribed)
     * @param lookbackMargin clock skew allowed between a lead's timestamp and its responses' timestamps
     * @param maxEntries most submissions remembered per build; past that, leads are delivered without the check
     */
    public FinishedLeadsIndex(Map<String, Object> consumerConfig, Duration lookbackMargin, int maxEntries) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "forwarder-worker-finished-leads");
        this.readerConfig = config;
        this.lookbackMargin = lookbackMargin;
        this.maxEntries = maxEntries;
    }

    /**
     * Reads what the responses topic says about the unfinished leads of newly assigned partitions. Called on the
     * leads consumer's thread, from its rebalance listener, before any record of them is handed on.
     */
    public void build(Consumer<?, ?> leadsConsumer, Collection<TopicPartition> assigned) {
        if (assigned.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        Map<TopicPartition, OffsetAndMetadata> committed = leadsConsumer.committed(new HashSet<>(assigned),
                READ_TIMEOUT);
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(readerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> begin = reader.beginningOffsets(assigned, READ_TIMEOUT);
            Map<TopicPartition, Long> end = reader.endOffsets(assigned, READ_TIMEOUT);
            Map<TopicPartition, Long> unfinishedFrom = new HashMap<>();
            for (TopicPartition partition : assigned) {
                OffsetAndMetadata position = committed.get(partition);
                long from = position != null ? position.offset() : begin.getOrDefault(partition, 0L);
                if (from < end.getOrDefault(partition, 0L)) {
                    unfinishedFrom.put(partition, from); // else nothing unfinished: every lead from here is new
                }
            }
            Map<TopicPartition, Long> oldest = firstTimestamps(reader, unfinishedFrom, end);
            if (oldest.isEmpty()) {
                return;
            }
            int leadPartitions = reader.partitionsFor(Topics.LEADS.name(), READ_TIMEOUT).size();
            List<TopicPartition> responsePartitions = reader.partitionsFor(Topics.ADVERTISER_RESPONSES.name(),
                    READ_TIMEOUT).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            // responses are keyed like their lead: with as many partitions, lead partition n has response partition n
            boolean coPartitioned = leadPartitions == responsePartitions.size();
            Map<TopicPartition, Long> since = new HashMap<>();
            Map<Integer, Map<String, Seen>> seenByResponsePartition = new HashMap<>();
            Map<String, Seen> shared = new HashMap<>();
            oldest.forEach((partition, timestamp) -> {
                long from = timestamp - lookbackMargin.toMillis();
                List<TopicPartition> sources = coPartitioned ? List.of(new TopicPartition(
                        Topics.ADVERTISER_RESPONSES.name(), partition.partition())) : responsePartitions;
                Map<String, Seen> seen = coPartitioned ? new HashMap<>() : shared;
                sources.forEach(source -> {
                    since.merge(source, from, Math::min);
                    seenByResponsePartition.put(source.partition(), seen);
                });
                byPartition.put(partition, new PartitionIndex(seen, end.get(partition)));
            });
            int entries = readResponses(reader, since, seenByResponsePartition);
            log.info("Read the responses of the unfinished leads of {}: {} submission(s) in {} ms", oldest.keySet(),
                    entries, Duration.ofNanos(System.nanoTime() - started).toMillis());
        } catch (RuntimeException e) {
            // without the index a crash repeats more calls, but no lead is lost: deliver them anyway
            log.warn("Could not read the responses of {}; leads are delivered without checking them: {}", assigned,
                    e.toString());
        }
    }

    /**
     * What the responses topic said about a submission whose lead sits at this offset, or null. Past the end the
     * partition had at assignment the partition's memory is released.
     */
    public Seen lookup(TopicPartition partition, long offset, String submissionId) {
        PartitionIndex index = byPartition.get(partition);
        if (index == null) {
            return null;
        }
        if (offset >= index.leadsEnd()) {
            byPartition.remove(partition);
            return null;
        }
        return index.seen().get(submissionId);
    }

    /** The submissions of a partition whose final response the last read at assignment found. */
    public List<String> finishedIds(TopicPartition partition) {
        PartitionIndex index = byPartition.get(partition);
        if (index == null) {
            return List.of();
        }
        return index.seen().entrySet().stream().filter(e -> e.getValue().finished()).map(Map.Entry::getKey)
                .toList();
    }

    public void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(byPartition::remove);
    }

    /** The timestamp of the first record at or after the given offset of each partition. */
    private static Map<TopicPartition, Long> firstTimestamps(KafkaConsumer<byte[], byte[]> reader,
            Map<TopicPartition, Long> from, Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> timestamps = new HashMap<>();
        if (from.isEmpty()) {
            return timestamps;
        }
        reader.assign(from.keySet());
        from.forEach(reader::seek);
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (timestamps.size() < from.size() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(POLL)) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                timestamps.putIfAbsent(partition, record.timestamp());
            }
            // a partition whose unfinished records are gone (retention) has nothing to check
            from.keySet().stream().filter(p -> !timestamps.containsKey(p) && reader.position(p) >= end.get(p))
                    .forEach(p -> timestamps.put(p, Long.MAX_VALUE));
        }
        timestamps.values().removeIf(t -> t == Long.MAX_VALUE);
        return timestamps;
    }

    /** Reads each response partition from its start time to its current end; returns the submissions seen. */
    private int readResponses(KafkaConsumer<byte[], byte[]> reader, Map<TopicPartition, Long> sinceMillis,
            Map<Integer, Map<String, Seen>> seenByPartition) {
        Map<TopicPartition, Long> query = new HashMap<>();
        sinceMillis.forEach((p, t) -> query.put(p, Math.max(0, t)));
        Map<TopicPartition, OffsetAndTimestamp> start = reader.offsetsForTimes(query, READ_TIMEOUT);
        Map<TopicPartition, Long> end = reader.endOffsets(query.keySet(), READ_TIMEOUT);
        List<TopicPartition> toRead = query.keySet().stream().filter(p -> start.get(p) != null).toList();
        if (toRead.isEmpty()) {
            return 0;
        }
        reader.assign(toRead);
        toRead.forEach(p -> reader.seek(p, start.get(p).offset()));
        var keys = Topics.ADVERTISER_RESPONSES.keyDeserializer();
        var values = Topics.ADVERTISER_RESPONSES.valueDeserializer();
        int entries = 0;
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (toRead.stream().anyMatch(p -> reader.position(p) < end.get(p)) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : reader.poll(POLL)) {
                if (record.value() == null || record.key() == null) {
                    continue;
                }
                AdvertiserResponse response;
                try {
                    response = values.deserialize(record.topic(), record.value());
                } catch (RuntimeException e) {
                    continue; // not ours to judge here; the validator dead-letters it
                }
                Map<String, Seen> seen = seenByPartition.get(record.partition());
                String submissionId = keys.deserialize(record.topic(), record.key());
                Seen before = seen.get(submissionId);
                if (before == null) {
                    if (entries >= maxEntries) {
                        log.warn("More than {} submissions in the responses to check; later ones are not checked",
                                maxEntries);
                        return entries;
                    }
                    entries++;
                }
                seen.put(submissionId, (before == null ? new Seen(0, 0) : before).merge(response));
            }
        }
        return entries;
    }

    private record PartitionIndex(Map<String, Seen> seen, long leadsEnd) {
    }
}
