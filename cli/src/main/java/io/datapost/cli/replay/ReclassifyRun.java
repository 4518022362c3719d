package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;

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
 * <p>Checkpoints ({@link CheckpointedScan}): every {@code checkpointEvery} the commands written so far are flushed,
 * then the next offset per partition is saved in the replay record; a resumed replay continues there, up to the
 * same end offsets. A command written twice (crash between flush and save) is harmless: the validator finds nothing
 * changed.
 */
final class ReclassifyRun {

    private static final org.apache.kafka.common.serialization.Deserializer<AdvertiserResponse> RESPONSES =
            Topics.ADVERTISER_RESPONSES.valueDeserializer();

    private final ReplayKafka kafka;
    private final Function<String, EventType> eventTypes;
    private final Function<String, Partner> partners;
    private final CheckpointedScan scan;

    ReclassifyRun(String bootstrapServers, Function<String, EventType> eventTypes, Function<String, Partner> partners,
            ReplayLog log, PrintWriter progressOut, AtomicBoolean stop, Duration timeout) {
        this.kafka = new ReplayKafka(bootstrapServers, timeout, stop);
        this.eventTypes = eventTypes;
        this.partners = partners;
        this.scan = new CheckpointedScan(kafka, log, progressOut, stop);
    }

    ReclassifyRun checkpointEvery(Duration every) {
        scan.checkpointEvery(every);
        return this;
    }

    /** Called before each record is read (tests stop a replay midway with it). */
    ReclassifyRun beforeEachRecord(Runnable hook) {
        scan.beforeEachRecord(hook);
        return this;
    }

    /** Runs (or resumes) the replay described by {@code record}, updating and saving it; returns it. */
    ReplayRecord run(ReplayRecord record) {
        Instant from = Instant.parse(record.from);
        Instant to = Instant.parse(record.to);
        Map<String, LeadOutcome> outcomes = kafka.readOutcomes();
        Reclassifier reclassifier = new Reclassifier(eventTypes, partners, record.eventType, record.partner);
        Set<String> seen = new HashSet<>();
        Instant requestedAt = Instant.now();
        try (KafkaProducer<String, ReclassifyRequested> producer = record.dryRun ? null : producer()) {
            scan.run(record, Topics.ADVERTISER_RESPONSES.name(), from, raw -> {
                AdvertiserResponse response = decode(raw);
                if (response == null) {
                    record.skipped++;
                    return;
                }
                if (!response.getFinalAttempt() || raw.timestamp() < from.toEpochMilli()
                        || raw.timestamp() >= to.toEpochMilli()) {
                    return;
                }
                String id = response.getSubmissionId();
                Reclassifier.Result result = reclassifier.reclassify(response, outcomes.get(id));
                if (result.kind() == Reclassifier.Kind.FILTERED) {
                    return;
                }
                record.answers++;
                if (!seen.add(id) && result.kind() != Reclassifier.Kind.CHANGED) {
                    record.skipped++;
                    return;
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
            }, () -> {
                if (producer != null) {
                    producer.flush();
                }
            });
        }
        return record;
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

    private KafkaProducer<String, ReclassifyRequested> producer() {
        return new KafkaProducer<>(ReplayKafka.producerConfig(kafka.bootstrapServers(), "datapost-replay"),
                Topics.RECLASSIFY_REQUESTS.keySerializer(), Topics.RECLASSIFY_REQUESTS.valueSerializer());
    }
}
