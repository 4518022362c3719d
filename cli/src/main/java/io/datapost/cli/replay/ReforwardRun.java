package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.datapost.forwarder.kafka.ReforwardHeader;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.kafka.Topics;

/**
 * The work of {@code datapost replay reforward}: selects the leads received in the range whose CURRENT outcome
 * (highest revision on {@code lead-outcomes}) is one of the given verdicts, finds on the responses topic the
 * highest attempt each already had, and writes each one's original {@code LeadSubmitted} (same key, same bytes:
 * same submission id, so the advertiser sees the same idempotency key) to the leads topic again, with the header
 * {@link ReforwardHeader#NAME} = that attempt + 1. The forwarder delivers it at that attempt number and on; the
 * validator lets the new final answer supersede the old outcome through its normal correction path.
 *
 * <p>Written after the dedupe gate on purpose: an operator's re-send must not be dropped as a partner's repeat.
 * Running it again selects nothing that is decided now; a lead whose earlier re-forward has no final answer yet is
 * not sent again (pending). Checkpointed and resumable like every replay ({@link CheckpointedScan}): the scan over
 * the leads topic is what is checkpointed, and on resume the selection is made again, so a lead already re-sent
 * (now pending or decided) is not sent twice.
 */
final class ReforwardRun {

    /** Leads and responses are read from this long before the range (record time vs. receivedAt, clock skew). */
    static final Duration LOOKBACK = Duration.ofMinutes(5);

    private static final String CLIENT_ID = "datapost-replay-reforward";

    private final ReplayKafka kafka;
    private final CheckpointedScan scan;
    private final AtomicBoolean stopped;

    ReforwardRun(String bootstrapServers, ReplayLog log, PrintWriter progressOut, AtomicBoolean stop,
            Duration timeout) {
        this.stopped = stop;
        this.kafka = new ReplayKafka(bootstrapServers, timeout, stop);
        this.scan = new CheckpointedScan(kafka, log, progressOut, stop);
    }

    ReforwardRun checkpointEvery(Duration every) {
        scan.checkpointEvery(every);
        return this;
    }

    ReforwardRun beforeEachRecord(Runnable hook) {
        scan.beforeEachRecord(hook);
        return this;
    }

    /** What is known of one selected lead before sending. */
    private static final class Candidate {
        final LeadOutcome outcome;
        int highestAttempt;
        int highestFinalAttempt;
        int highestReforward;
        /** partition and offset of the lead record to send again: the first one without the header */
        int partition = -1;
        long offset = -1;

        Candidate(LeadOutcome outcome) {
            this.outcome = outcome;
        }

        boolean pending() {
            return highestReforward > 0 && highestFinalAttempt < highestReforward;
        }
    }

    /** Runs (or resumes) the replay described by {@code record}, updating and saving it; returns it. */
    ReplayRecord run(ReplayRecord record) {
        Instant from = Instant.parse(record.from);
        Instant to = Instant.parse(record.to);
        Instant since = from.minus(LOOKBACK);

        Map<String, Candidate> selected = select(record, kafka.readOutcomes(), from, to);
        readAttempts(selected, since);
        readLeadRecords(selected, since);

        Map<String, Candidate> toSend = new HashMap<>();
        long pending = 0;
        long missing = 0;
        for (Map.Entry<String, Candidate> e : selected.entrySet()) {
            Candidate c = e.getValue();
            if (c.pending()) {
                pending++;
            } else if (c.partition < 0) {
                missing++;
            } else {
                toSend.put(e.getKey(), c);
            }
        }
        if (!stopped.get()) {
            // the selection as this (re)start found it: a resumed run finds the leads it sent pending or decided
            record.answers = selected.size();
            record.pending = pending;
            record.missing = missing;
            record.selection.clear();
            for (Candidate c : toSend.values()) {
                record.selection.merge("event type " + c.outcome.getEventTypeId(), 1L, Long::sum);
                record.selection.merge("partner " + c.outcome.getPartnerId(), 1L, Long::sum);
                record.selection.merge("outcome " + c.outcome.getVerdict(), 1L, Long::sum);
            }
        }

        Set<String> sent = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = record.dryRun ? null
                : new KafkaProducer<>(ReplayKafka.producerConfig(kafka.bootstrapServers(), CLIENT_ID),
                        new ByteArraySerializer(), new ByteArraySerializer())) {
            scan.run(record, Topics.LEADS.name(), since, raw -> {
                String id = key(raw);
                Candidate c = id == null ? null : toSend.get(id);
                if (c == null || raw.partition() != c.partition || raw.offset() != c.offset || !sent.add(id)) {
                    return;
                }
                record.changed++;
                if (producer != null) {
                    producer.send(reforward(raw, c.highestAttempt + 1));
                    record.commands++;
                }
            }, () -> {
                if (producer != null) {
                    producer.flush();
                }
            });
        }
        return record;
    }

    /** The original lead record again: same partition, key and value, its headers and the attempt to start at. */
    static ProducerRecord<byte[], byte[]> reforward(ConsumerRecord<byte[], byte[]> original, int attempt) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : original.headers()) {
            if (!ReforwardHeader.NAME.equals(header.key())) {
                headers.add(header);
            }
        }
        headers.add(ReforwardHeader.NAME, ReforwardHeader.value(attempt));
        return new ProducerRecord<>(original.topic(), original.partition(), null, original.key(), original.value(),
                headers);
    }

    private static Map<String, Candidate> select(ReplayRecord record, Map<String, LeadOutcome> current, Instant from,
            Instant to) {
        Map<String, Candidate> selected = new HashMap<>();
        for (LeadOutcome outcome : current.values()) {
            Instant received = outcome.getReceivedAt();
            if (record.outcomes.contains(outcome.getVerdict().name()) && !received.isBefore(from)
                    && received.isBefore(to)
                    && (record.eventType == null || record.eventType.equals(outcome.getEventTypeId()))
                    && (record.partner == null || record.partner.equals(outcome.getPartnerId()))) {
                selected.put(outcome.getSubmissionId(), new Candidate(outcome));
            }
        }
        return selected;
    }

    /** The highest attempt (and final attempt) each selected lead has on the responses topic. */
    private void readAttempts(Map<String, Candidate> selected, Instant since) {
        if (selected.isEmpty()) {
            return;
        }
        var values = Topics.ADVERTISER_RESPONSES.valueDeserializer();
        kafka.readFrom(Topics.ADVERTISER_RESPONSES.name(), since, raw -> {
            String id = key(raw);
            Candidate c = id == null ? null : selected.get(id);
            if (c == null || raw.value() == null) {
                return;
            }
            try {
                AdvertiserResponse response = values.deserialize(raw.topic(), raw.value());
                c.highestAttempt = Math.max(c.highestAttempt, response.getAttempt());
                if (response.getFinalAttempt()) {
                    c.highestFinalAttempt = Math.max(c.highestFinalAttempt, response.getAttempt());
                }
            } catch (SerializationException e) {
                // not an answer the validator could use either
            }
        });
    }

    /** Where each selected lead's original record is, and which re-forwards of it were written before. */
    private void readLeadRecords(Map<String, Candidate> selected, Instant since) {
        if (selected.isEmpty()) {
            return;
        }
        kafka.readFrom(Topics.LEADS.name(), since, raw -> {
            String id = key(raw);
            Candidate c = id == null ? null : selected.get(id);
            if (c == null || raw.value() == null) {
                return;
            }
            int reforwardAt = ReforwardHeader.attempt(raw.headers());
            if (reforwardAt > 0) {
                c.highestReforward = Math.max(c.highestReforward, reforwardAt);
            } else if (c.partition < 0) {
                c.partition = raw.partition();
                c.offset = raw.offset();
            }
        });
    }

    private static String key(ConsumerRecord<byte[], byte[]> raw) {
        if (raw.key() == null) {
            return null;
        }
        try {
            return Topics.LEADS.keyDeserializer().deserialize(raw.topic(), raw.key());
        } catch (SerializationException e) {
            return null;
        }
    }
}
