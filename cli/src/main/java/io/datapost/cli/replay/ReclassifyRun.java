package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.ReclassifyRequested;
import io.datapost.schemas.kafka.Topics;

/**
 * The work of {@code datapost replay reclassify}: reads the outcomes in force (all of {@code lead-outcomes}),
 * then the final answers stored in the time range (record time of the advertiser responses topic), decides each
 * again with the current rules and, unless it is a dry run, writes a {@link ReclassifyRequested} for each
 * submission whose decision would change. The validator then re-decides it itself and emits the correction.
 *
 * <p>Checkpoints: every {@code checkpointEvery} the commands written so far are flushed, then the next offset
 * per partition is saved in the replay record; a resumed replay continues there, up to the same end offsets.
 * A command written twice (crash between flush and save) is harmless: the validator finds nothing changed.
 */
final class ReclassifyRun {

    private static final org.apache.kafka.common.serialization.Deserializer<AdvertiserResponse> RESPONSES =
            Topics.ADVERTISER_RESPONSES.valueDeserializer();
    private static final org.apache.kafka.common.serialization.Deserializer<LeadOutcome> OUTCOMES =
            Topics.LEAD_OUTCOMES.valueDeserializer();

    private final String bootstrapServers;
    private final Function<String, EventType> eventTypes;
    private final Function<String, Partner> partners;
    private final ReplayLog log;
    private final PrintWriter progressOut;
    private final AtomicBoolean stop;
    private final Duration timeout;
    private Duration checkpointEvery = Duration.ofSeconds(2);
    private Duration progressEvery = Duration.ofMillis(500);
    private Runnable afterRecord = () -> { };

    ReclassifyRun(String bootstrapServers, Function<String, EventType> eventTypes, Function<String, Partner> partners,
            ReplayLog log, PrintWriter progressOut, AtomicBoolean stop, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.eventTypes = eventTypes;
        this.partners = partners;
        this.log = log;
        this.progressOut = progressOut;
        this.stop = stop;
        this.timeout = timeout;
    }

    ReclassifyRun checkpointEvery(Duration every) {
        this.checkpointEvery = every;
        return this;
    }

    /** Called before each record is read (tests stop a replay midway with it). */
    ReclassifyRun beforeEachRecord(Runnable hook) {
        this.afterRecord = hook;
        return this;
    }

    /** Runs (or resumes) the replay described by {@code record}, updating and saving it; returns it. */
    ReplayRecord run(ReplayRecord record) {
        Instant from = Instant.parse(record.from);
        Instant to = Instant.parse(record.to);
        Map<String, LeadOutcome> outcomes = readOutcomes();
        Reclassifier reclassifier = new Reclassifier(eventTypes, partners, record.eventType, record.partner);

        try (KafkaConsumer<byte[], byte[]> consumer = consumer("datapost-replay-" + record.id);
                KafkaProducer<String, ReclassifyRequested> producer = record.dryRun ? null : producer()) {
            List<TopicPartition> partitions = partitions(consumer, Topics.ADVERTISER_RESPONSES.name());
            consumer.assign(partitions);
            if (record.ends.isEmpty()) {
                start(consumer, partitions, from, record);
            }
            long total = 0;
            long alreadyRead = 0;
            for (TopicPartition tp : partitions) {
                long start = record.positions.getOrDefault(tp.partition(), 0L);
                consumer.seek(tp, start);
                total += record.ends.getOrDefault(tp.partition(), 0L) - start;
            }
            total += record.read;
            alreadyRead = record.read;
            record.status = ReplayRecord.RUNNING;
            save(record);

            Progress progress = new Progress(progressOut, total, alreadyRead, progressEvery);
            Set<String> seen = new HashSet<>();
            Instant requestedAt = Instant.now();
            long lastCheckpoint = System.nanoTime();
            while (!stop.get() && !done(record)) {
                for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
                    afterRecord.run();
                    if (stop.get()) {
                        break; // the saved positions say where to go on
                    }
                    int partition = raw.partition();
                    long end = record.ends.getOrDefault(partition, 0L);
                    if (raw.offset() >= end || raw.offset() < record.positions.getOrDefault(partition, 0L)) {
                        continue;
                    }
                    record.read++;
                    record.positions.put(partition, raw.offset() + 1);
                    AdvertiserResponse response = decode(raw);
                    if (response == null) {
                        record.skipped++;
                        continue;
                    }
                    if (!response.getFinalAttempt() || raw.timestamp() < from.toEpochMilli()
                            || raw.timestamp() >= to.toEpochMilli()) {
                        continue;
                    }
                    String id = response.getSubmissionId();
                    Reclassifier.Result result = reclassifier.reclassify(response, outcomes.get(id));
                    if (result.kind() == Reclassifier.Kind.FILTERED) {
                        continue;
                    }
                    record.answers++;
                    if (!seen.add(id) && result.kind() != Reclassifier.Kind.CHANGED) {
                        record.skipped++;
                        continue;
                    }
                    switch (result.kind()) {
                        case CHANGED -> {
                            record.changed++;
                            record.transitions.merge(result.before() + " -> " + result.after(), 1L, Long::sum);
                            if (result.payoutCurrency() != null) {
                                Map<String, String> byCurrency = record.payoutDelta
                                        .computeIfAbsent(result.partnerId(), p -> new TreeMap<>());
                                byCurrency.merge(result.payoutCurrency(), result.payoutDelta().toPlainString(),
                                        (a, b) -> new BigDecimal(a).add(new BigDecimal(b)).toPlainString());
                            }
                            if (producer != null) {
                                producer.send(new ProducerRecord<>(Topics.RECLASSIFY_REQUESTS.name(), id,
                                        ReclassifyRequested.newBuilder().setSubmissionId(id).setRequestId(record.id)
                                                .setRequestedBy(record.user).setRequestedAt(requestedAt).build()));
                                record.commands++;
                            }
                        }
                        case UNCHANGED -> record.unchanged++;
                        default -> record.skipped++;
                    }
                }
                progress.update(record.read, record.changed);
                if (System.nanoTime() - lastCheckpoint >= checkpointEvery.toNanos()) {
                    checkpoint(producer, record);
                    lastCheckpoint = System.nanoTime();
                }
            }
            progress.finish(record.read, record.changed);
            record.status = done(record) ? ReplayRecord.DONE : ReplayRecord.STOPPED;
            checkpoint(producer, record);
        } catch (RuntimeException e) {
            record.status = ReplayRecord.FAILED;
            save(record);
            throw e;
        }
        return record;
    }

    private void start(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions, Instant from,
            ReplayRecord record) {
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, from.toEpochMilli()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, timeout);
        // under read_committed: the last stable offsets, nothing of an open transaction
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        for (TopicPartition tp : partitions) {
            long end = ends.get(tp);
            OffsetAndTimestamp start = starts.get(tp);
            record.ends.put(tp.partition(), end);
            record.positions.put(tp.partition(), start == null ? end : Math.min(start.offset(), end));
        }
    }

    private static boolean done(ReplayRecord record) {
        return record.ends.entrySet().stream()
                .allMatch(e -> record.positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private void checkpoint(KafkaProducer<String, ReclassifyRequested> producer, ReplayRecord record) {
        if (producer != null) {
            producer.flush(); // every command before the saved position is stored before the position is
        }
        save(record);
    }

    private void save(ReplayRecord record) {
        record.updatedAt = Instant.now().toString();
        log.save(record);
    }

    private static AdvertiserResponse decode(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.value() == null) {
            return null;
        }
        try {
            return RESPONSES.deserialize(raw.topic(), raw.value());
        } catch (SerializationException e) {
            return null;
        }
    }

    /**
     * A compacted config topic read to the end it had when reading started: the latest value per key (a
     * tombstone removes the key). The replay decides with this snapshot for its whole run.
     */
    static <V> Map<String, V> readTable(String bootstrapServers, io.datapost.schemas.kafka.Topic<String, V> topic,
            Duration timeout) {
        ReclassifyRun reader = new ReclassifyRun(bootstrapServers, id -> null, id -> null, null, null,
                new AtomicBoolean(), timeout);
        Map<String, V> table = new HashMap<>();
        reader.readAll(topic.name(), raw -> {
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

    /** The outcome in force per submission: its highest revision. */
    Map<String, LeadOutcome> readOutcomes() {
        Map<String, LeadOutcome> outcomes = new HashMap<>();
        readAll(Topics.LEAD_OUTCOMES.name(), raw -> {
            if (raw.value() == null) {
                return;
            }
            try {
                LeadOutcome outcome = OUTCOMES.deserialize(raw.topic(), raw.value());
                outcomes.merge(outcome.getSubmissionId(), outcome,
                        (a, b) -> b.getRevision() >= a.getRevision() ? b : a);
            } catch (SerializationException e) {
                // the sink dead-letters it; it is no outcome in force
            }
        });
        return outcomes;
    }

    /** Every committed record of the topic up to the end it had at the start (stops early on {@link #stop}). */
    void readAll(String topic, java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> apply) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer("datapost-replay-read")) {
            List<TopicPartition> partitions = partitions(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + timeout);
                }
                if (stop.get()) {
                    break; // Ctrl-C: run() then saves the replay as stopped before its first answer
                }
                for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
                    if (raw.offset() < end.get(new TopicPartition(raw.topic(), raw.partition()))) {
                        apply.accept(raw);
                    }
                }
            }
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("Topic " + topic + " does not exist at " + bootstrapServers);
        }
        return partitions;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String clientId) {
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

    private KafkaProducer<String, ReclassifyRequested> producer() {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "datapost-replay");
        return new KafkaProducer<>(config, Topics.RECLASSIFY_REQUESTS.keySerializer(),
                Topics.RECLASSIFY_REQUESTS.valueSerializer());
    }
}
