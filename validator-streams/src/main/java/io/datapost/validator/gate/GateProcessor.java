package io.datapost.validator.gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.schemas.LeadFingerprint;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.kafka.DeadLetterHeaders;

/**
 * Lets each submission through once per window.
 *
 * <ul>
 * <li>No idempotency key: forwarded at once (ingest gave it a random submission id; it cannot repeat).</li>
 * <li>A submission id not seen within the window: remembered (first seen = the lead's {@code receivedAt},
 * fingerprint of event type, partner and fields) and forwarded.</li>
 * <li>Seen within the window, same fingerprint: a partner's retry, dropped ({@code datapost.gate.repeats}).</li>
 * <li>Seen within the window, another fingerprint: the key was reused for another lead. Not forwarded (the
 * first body stands) and not dropped silently: dead-lettered with the cause "Idempotency-Key reused with a
 * different body".</li>
 * <li>A record that does not decode, or whose key is not its submission id: dead-lettered, and on to the next.</li>
 * </ul>
 * Forwarding, dead letters and the store changes commit in one exactly-once transaction with the input offset.
 * A wall-clock punctuator deletes entries first seen {@code window} or longer ago, oldest first through the
 * first-seen index, so the store holds about one window of keyed submissions.
 */
final class GateProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger log = LoggerFactory.getLogger(GateProcessor.class);

    /** Most entries one punctuation deletes: a long outage's backlog is purged over a few runs, not in one transaction. */
    static final int MAX_PURGED_PER_RUN = 50_000;

    private static final Deserializer<String> KEYS = Topics.SUBMISSIONS.keyDeserializer();
    private static final Deserializer<LeadSubmitted> LEADS = Topics.SUBMISSIONS.valueDeserializer();

    private final GateSettings settings;
    private final GateMetrics metrics;
    private final long windowMillis;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, GateEntry> submissions;
    private KeyValueStore<String, String> firstSeen;

    GateProcessor(GateSettings settings) {
        this.settings = settings;
        this.metrics = settings.metrics();
        this.windowMillis = settings.window().toMillis();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.submissions = context.getStateStore(GateTopology.SUBMISSIONS_STORE);
        this.firstSeen = context.getStateStore(GateTopology.FIRST_SEEN_STORE);
        // Wall clock, not stream time: stream time stands still on a partition without traffic, and the store
        // should shrink on a quiet day too. Whether a repeat is within the window is decided from receivedAt
        // (below), so the purge only has to be late, never early: it deletes nothing younger than the window.
        context.schedule(settings.purgeInterval(), PunctuationType.WALL_CLOCK_TIME, this::purge);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Optional<RecordMetadata> metadata = context.recordMetadata();
        try {
            if (record.key() == null) {
                throw new IllegalArgumentException("Record has no key; expected the submission id");
            }
            if (record.value() == null) {
                throw new IllegalArgumentException("Record has no value");
            }
            String topic = metadata.map(RecordMetadata::topic).orElse(Topics.SUBMISSIONS.name());
            String submissionId = KEYS.deserialize(topic, record.key());
            LeadSubmitted lead = LEADS.deserialize(topic, record.value());
            if (!submissionId.equals(lead.getSubmissionId())) {
                throw new IllegalArgumentException(
                        "Record key " + submissionId + " differs from its submissionId " + lead.getSubmissionId());
            }
            onLead(submissionId, lead, record);
        } catch (StreamsException e) {
            throw e; // Kafka Streams' own failures (fencing, sink errors) are not the record's fault
        } catch (RuntimeException e) {
            metrics.undecodable();
            deadLetter(record, metadata, e);
        }
    }

    private void onLead(String submissionId, LeadSubmitted lead, Record<byte[], byte[]> record) {
        if (lead.getIdempotencyKey() == null) {
            forward(record, false);
            return;
        }
        long receivedAt = lead.getReceivedAt().toEpochMilli();
        LeadFingerprint fingerprint = LeadFingerprint.of(lead);
        GateEntry seen = submissions.get(submissionId);
        if (seen != null && receivedAt - seen.firstSeenMillis() < windowMillis) {
            if (seen.fingerprint().equals(fingerprint)) {
                metrics.repeat();
                log.debug("Dropped repeated submission {} (partner {})", submissionId, lead.getPartnerId());
            } else {
                metrics.keyReused();
                log.warn("Submission {} of partner {}: Idempotency-Key reused with a different body; dead-lettered",
                        submissionId, lead.getPartnerId());
                deadLetter(record, context.recordMetadata(), new IdempotencyKeyReusedException());
            }
            return;
        }
        if (seen != null) {
            firstSeen.delete(indexKey(seen.firstSeenMillis(), submissionId)); // beyond the window: starts anew
        }
        submissions.put(submissionId, new GateEntry(receivedAt, fingerprint));
        firstSeen.put(indexKey(receivedAt, submissionId), submissionId);
        forward(record, true);
    }

    private void forward(Record<byte[], byte[]> record, boolean keyed) {
        context.forward(record, GateTopology.LEADS_SINK);
        metrics.forwarded(keyed);
    }

    /** Deletes entries first seen at or before {@code now - window}. */
    private void purge(long now) {
        List<KeyValue<String, String>> expired = new ArrayList<>();
        try (KeyValueIterator<String, String> oldest =
                firstSeen.range(indexKey(0, ""), paddedMillis(now - windowMillis) + ";")) {
            while (oldest.hasNext() && expired.size() < MAX_PURGED_PER_RUN) {
                expired.add(oldest.next());
            }
        }
        for (KeyValue<String, String> entry : expired) {
            firstSeen.delete(entry.key);
            GateEntry current = submissions.get(entry.value);
            // the id may have started anew since (a copy beyond the window): keep the newer entry
            if (current != null && indexKey(current.firstSeenMillis(), entry.value).equals(entry.key)) {
                submissions.delete(entry.value);
            }
        }
        if (!expired.isEmpty()) {
            metrics.purged(expired.size());
            log.debug("Forgot {} submission id(s) older than {}", expired.size(), settings.window());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, Optional<RecordMetadata> metadata, RuntimeException cause) {
        String topic = metadata.map(RecordMetadata::topic).orElse(Topics.SUBMISSIONS.name());
        int partition = metadata.map(RecordMetadata::partition).orElse(-1);
        long offset = metadata.map(RecordMetadata::offset).orElse(-1L);
        if (!(cause instanceof IdempotencyKeyReusedException)) {
            log.error("Dead-lettering record from {}-{} at offset {}: {}: {}", topic, partition, offset,
                    cause.getClass().getSimpleName(), cause.getMessage());
        }
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(),
                DeadLetterHeaders.of(record.headers(), topic, partition, offset, cause)), GateTopology.DEAD_LETTERS_SINK);
    }

    static String indexKey(long firstSeenMillis, String submissionId) {
        return paddedMillis(firstSeenMillis) + ":" + submissionId;
    }

    private static String paddedMillis(long millis) {
        String digits = Long.toString(Math.max(0, millis));
        return "0".repeat(Math.max(0, 19 - digits.length())) + digits;
    }
}
