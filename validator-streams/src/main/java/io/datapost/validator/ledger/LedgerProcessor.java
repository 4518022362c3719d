package io.datapost.validator.ledger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.kafka.DeadLetterHeaders;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.VerdictClassifier;

/**
 * The ledger: per submission id it keeps the lead, the latest advertiser response and the decision, and emits
 * each submission's outcome (and, when accepted, its conversion and payment) exactly once per revision.
 *
 * <ul>
 * <li>A lead for an id that already has one is a partner retry (same Idempotency-Key, same id): dropped.</li>
 * <li>Non-final attempts are remembered (for the NO_RESPONSE outcome's attempts and failure class) and never
 * decide. The first final response decides as soon as the lead is there, in whichever order they came.</li>
 * <li>A lead still without a final response at receivedAt + timeout x maxAttempts + grace gets NO_RESPONSE.
 * A final response after that emits revision 2 with the real verdict: never a second revision 1.</li>
 * </ul>
 *
 * Input records are read as bytes and decoded here, so one that does not decode (or cannot be processed) goes
 * to the dead-letter topic inside the same exactly-once transaction as everything else, and the next record
 * is processed normally.
 */
final class LedgerProcessor implements Processor<byte[], byte[], Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(LedgerProcessor.class);

    /** Schema defaults of the advertiser request, used for the deadline of a lead whose event type is unknown. */
    private static final AdvertiserRequest DEFAULT_REQUEST = AdvertiserRequest.newBuilder().setUrl("").build();

    private final LedgerSettings settings;
    private final LedgerMetrics metrics;
    private final VerdictClassifier classifier = new VerdictClassifier();

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, LedgerEntry> ledger;
    private KeyValueStore<String, String> deadlines;
    private KeyValueStore<String, EventType> eventTypes;
    private KeyValueStore<String, Partner> partners;

    LedgerProcessor(LedgerSettings settings) {
        this.settings = settings;
        this.metrics = settings.metrics();
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.ledger = context.getStateStore(LedgerTopology.LEDGER_STORE);
        this.deadlines = context.getStateStore(LedgerTopology.DEADLINES_STORE);
        this.eventTypes = context.getStateStore(LedgerTopology.EVENT_TYPES_STORE);
        this.partners = context.getStateStore(LedgerTopology.PARTNERS_STORE);
        // Stream time, not wall-clock time: stream time is the record timestamps this task has seen, so
        // replaying the topics (or catching up after downtime) sees every response that came before a
        // deadline before that deadline passes, and never declares NO_RESPONSE early because the wall clock
        // ran ahead of the data. The price: a partition with no traffic at all holds its deadlines until its
        // next record arrives (the forwarder writes a final response for every lead, so traffic follows
        // leads); a NO_RESPONSE is late by up to one check interval, never early.
        context.schedule(settings.deadlineCheckInterval(), PunctuationType.STREAM_TIME, this::expireOverdue);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Optional<RecordMetadata> metadata = context.recordMetadata();
        String topic = metadata.map(RecordMetadata::topic).orElse("");
        try {
            if (record.key() == null) {
                throw new IllegalArgumentException("Record has no key; expected the submission id");
            }
            if (record.value() == null) {
                throw new IllegalArgumentException("Record has no value");
            }
            String submissionId = Topics.LEADS.keyDeserializer().deserialize(topic, record.key());
            if (Topics.LEADS.name().equals(topic)) {
                LeadSubmitted lead = Topics.LEADS.valueDeserializer().deserialize(topic, record.value());
                requireSameId(submissionId, lead.getSubmissionId());
                onLead(submissionId, lead, record.timestamp());
            } else if (Topics.ADVERTISER_RESPONSES.name().equals(topic)) {
                AdvertiserResponse response =
                        Topics.ADVERTISER_RESPONSES.valueDeserializer().deserialize(topic, record.value());
                requireSameId(submissionId, response.getSubmissionId());
                onResponse(submissionId, response, record.value(), record.timestamp());
            } else {
                throw new IllegalStateException("Ledger has no handling for topic " + topic);
            }
        } catch (StreamsException e) {
            throw e; // Kafka Streams' own failures (fencing, migration, sink errors) are not the record's fault
        } catch (RuntimeException e) {
            deadLetter(record, topic, metadata, e);
        }
    }

    private static void requireSameId(String key, String submissionId) {
        if (!key.equals(submissionId)) {
            throw new IllegalArgumentException("Record key " + key + " differs from its submissionId " + submissionId);
        }
    }

    private void onLead(String submissionId, LeadSubmitted lead, long timestamp) {
        LedgerEntry entry = ledger.get(submissionId);
        if (entry != null && entry.lead() != null) {
            metrics.duplicateLead();
            log.debug("Dropped repeated lead {} (partner {})", submissionId, lead.getPartnerId());
            return;
        }
        long receivedAt = lead.getReceivedAt().toEpochMilli();
        LedgerEntry withLead = (entry == null ? LedgerEntry.EMPTY : entry).withLead(new LedgerEntry.Lead(
                lead.getEventTypeId(), lead.getPartnerId(), receivedAt, deadline(receivedAt, lead.getEventTypeId())));
        if (withLead.finalResponse()) {
            decide(submissionId, withLead, 1, timestamp);
        } else {
            ledger.put(submissionId, withLead);
            deadlines.put(deadlineKey(withLead.lead().deadline(), submissionId), submissionId);
        }
    }

    private long deadline(long receivedAt, String eventTypeId) {
        EventType eventType = eventTypes.get(eventTypeId);
        AdvertiserRequest request = eventType == null ? DEFAULT_REQUEST : eventType.getRequest();
        long perAttempt = Math.max(0, request.getTimeoutMillis());
        long attempts = Math.max(1, request.getMaxAttempts());
        return receivedAt + perAttempt * attempts + settings.noResponseGrace().toMillis();
    }

    private void onResponse(String submissionId, AdvertiserResponse response, byte[] raw, long timestamp) {
        LedgerEntry entry = ledger.get(submissionId);
        if (entry == null) {
            entry = LedgerEntry.EMPTY;
        }
        boolean isFinal = response.getFinalAttempt();
        if (entry.decision() != null) {
            if (!isFinal) {
                return; // an attempt that was overtaken by the decision changes nothing
            }
            if (entry.finalResponse()) {
                metrics.duplicateFinalResponse();
                log.debug("Dropped repeated final response for decided submission {}", submissionId);
                return;
            }
            // decided without a final response: that was NO_RESPONSE; the real verdict corrects it
            LedgerEntry withResponse = entry.withResponse(raw, response.getAttempt(), true);
            decide(submissionId, withResponse, entry.decision().revision() + 1, timestamp);
            return;
        }
        if (!isFinal) {
            if (!entry.finalResponse()) {
                ledger.put(submissionId, entry.withResponse(raw, response.getAttempt(), false));
            }
            return;
        }
        if (entry.finalResponse()) {
            metrics.duplicateFinalResponse();
            log.debug("Dropped repeated final response for submission {} awaiting its lead", submissionId);
            return;
        }
        LedgerEntry withResponse = entry.withResponse(raw, response.getAttempt(), true);
        if (withResponse.lead() != null) {
            decide(submissionId, withResponse, 1, timestamp);
        } else {
            ledger.put(submissionId, withResponse); // the lead is late (other partition lag): wait for it
        }
    }

    private void decide(String submissionId, LedgerEntry entry, int revision, long timestamp) {
        LedgerEntry.Lead lead = entry.lead();
        AdvertiserResponse response = storedResponse(entry);
        EventType eventType = eventTypes.get(lead.eventTypeId());
        Classification classification = eventType == null
                ? Classification.error("Event type " + lead.eventTypeId() + " is not configured")
                : classifier.classify(eventType, response);
        String currency = eventType == null ? null : eventType.getCurrency();

        Optional<PayoutCalculator.Payout> payout = Optional.empty();
        if (classification.accepted()) {
            payout = PayoutCalculator.payout(partners.get(lead.partnerId()), lead.eventTypeId(),
                    classification.amount());
            if (payout.isEmpty()) {
                metrics.acceptedWithoutPayout(lead.eventTypeId());
                log.warn("Accepted submission {} but partner {} has no payout term for event type {}",
                        submissionId, lead.partnerId(), lead.eventTypeId());
            }
        }
        Instant decidedAt = Instant.ofEpochMilli(context.currentSystemTimeMs());
        forward(LedgerTopology.LEAD_OUTCOMES_SINK, submissionId, LedgerRecords.outcome(submissionId, lead, revision,
                classification, currency, payout.map(PayoutCalculator.Payout::amount).orElse(null),
                response.getAttempt(), response.getFailureClass(), decidedAt), timestamp);
        if (classification.accepted()) {
            forward(LedgerTopology.CONVERSIONS_SINK, submissionId,
                    LedgerRecords.conversion(submissionId, lead, revision, classification, currency, decidedAt),
                    timestamp);
            payout.ifPresent(p -> forward(LedgerTopology.PAYOUTS_SINK, submissionId,
                    LedgerRecords.payment(submissionId, lead, revision, p, decidedAt), timestamp));
        }
        record(submissionId, entry, new LedgerEntry.Decision(revision, classification.verdict(),
                decidedAt.toEpochMilli()));
        log.debug("Submission {} revision {}: {}", submissionId, revision, classification.verdict());
    }

    /** Stream-time punctuation: every lead whose deadline is at or before stream time and is still undecided. */
    private void expireOverdue(long streamTime) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> overdue =
                deadlines.range(deadlineKey(0, ""), String.format("%019d;", streamTime))) {
            overdue.forEachRemaining(due::add);
        }
        for (KeyValue<String, String> deadline : due) {
            deadlines.delete(deadline.key);
            try {
                expire(deadline.value, streamTime);
            } catch (StreamsException e) {
                throw e;
            } catch (RuntimeException e) {
                log.error("Could not expire submission {}", deadline.value, e);
            }
        }
    }

    private void expire(String submissionId, long streamTime) {
        LedgerEntry entry = ledger.get(submissionId);
        if (entry == null || entry.lead() == null || entry.decision() != null || entry.finalResponse()) {
            return;
        }
        FailureClass lastFailure = entry.response() == null ? FailureClass.NONE : storedResponse(entry).getFailureClass();
        Instant decidedAt = Instant.ofEpochMilli(context.currentSystemTimeMs());
        forward(LedgerTopology.LEAD_OUTCOMES_SINK, submissionId, LedgerRecords.noResponse(submissionId, entry.lead(),
                entry.responseAttempt(), lastFailure, decidedAt), streamTime);
        record(submissionId, entry, new LedgerEntry.Decision(1, Verdict.NO_RESPONSE, decidedAt.toEpochMilli()));
        log.debug("Submission {} has no final response by its deadline: NO_RESPONSE", submissionId);
    }

    private void record(String submissionId, LedgerEntry entry, LedgerEntry.Decision decision) {
        ledger.put(submissionId, entry.withDecision(decision));
        deadlines.delete(deadlineKey(entry.lead().deadline(), submissionId));
        metrics.outcome(decision.verdict(), entry.lead().eventTypeId(), decision.revision());
    }

    private static AdvertiserResponse storedResponse(LedgerEntry entry) {
        return Topics.ADVERTISER_RESPONSES.valueDeserializer()
                .deserialize(Topics.ADVERTISER_RESPONSES.name(), entry.response());
    }

    private void forward(String sink, String submissionId, Object value, long timestamp) {
        context.forward(new Record<>(submissionId, value, timestamp), sink);
    }

    private void deadLetter(Record<byte[], byte[]> record, String topic, Optional<RecordMetadata> metadata,
            RuntimeException cause) {
        int partition = metadata.map(RecordMetadata::partition).orElse(-1);
        long offset = metadata.map(RecordMetadata::offset).orElse(-1L);
        log.error("Dead-lettering record from {}-{} at offset {}: {}: {}", topic, partition, offset,
                cause.getClass().getSimpleName(), cause.getMessage());
        context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(),
                DeadLetterHeaders.of(record.headers(), topic, partition, offset, cause)),
                LedgerTopology.DEAD_LETTERS_SINK);
        metrics.deadLetter(topic);
    }

    /** Deadline index key: zero-padded epoch millis first, so a range scan returns the overdue ones in order. */
    static String deadlineKey(long deadline, String submissionId) {
        return String.format("%019d:%s", deadline, submissionId);
    }
}
