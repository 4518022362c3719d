package io.datapost.validator.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
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
import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.ReclassifyRequested;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.kafka.DeadLetterHeaders;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.VerdictClassifier;

/**
 * The ledger: per submission id it keeps the lead, the deciding advertiser response and the decision in
 * force, and emits each submission's outcome (and, when accepted, its conversion and payment) exactly once
 * per revision.
 *
 * <ul>
 * <li>A lead for an id that already has one is a partner retry (same Idempotency-Key, same id): dropped.</li>
 * <li>Non-final attempts are remembered (for the NO_RESPONSE outcome's attempts and failure class) and never
 * decide. The first final response decides as soon as the lead is there, in whichever order they came.</li>
 * <li>A lead still without a final response at receivedAt + timeout x maxAttempts + grace gets NO_RESPONSE.
 * A final response after that corrects it (revision 2, cause LATE_RESPONSE): never a second revision 1.</li>
 * <li>A final response with a higher attempt number than the one held (a re-forward: its attempts continue the
 * numbering) is classified; if it decides differently it corrects the decision (cause NEW_RESPONSE, or
 * LATE_RESPONSE after NO_RESPONSE), if not it is dropped as a duplicate. A final response with the same attempt
 * number (a crash repeated the call or the publish) or a lower one (stale) changes nothing.</li>
 * <li>A {@code ReclassifyRequested} command decides the submission again from its stored final response with
 * the current rules (cause RECLASSIFY); an unchanged decision emits nothing.</li>
 * </ul>
 * A correction emits the new {@code LeadOutcome}, a {@code ConversionReversed} for a conversion that no longer
 * stands, a {@code ConversionRecorded} for a new one, and the payout events that bring the submission's sum
 * of payout events to its new payout ({@link Corrections}).
 *
 * Input records are read as bytes and decoded here, so one that does not decode (or cannot be processed) goes
 * to the dead-letter topic inside the same exactly-once transaction as everything else, and the next record
 * is processed normally.
 */
final class LedgerProcessor implements Processor<byte[], byte[], Object, Object> {

    private static final Logger log = LoggerFactory.getLogger(LedgerProcessor.class);

    /** Schema defaults of the advertiser request, used for the deadline of a lead whose event type is unknown. */
    private static final AdvertiserRequest DEFAULT_REQUEST = AdvertiserRequest.newBuilder().setUrl("").build();

    private static final Deserializer<String> KEYS = Topics.LEADS.keyDeserializer();
    private static final Deserializer<LeadSubmitted> LEADS = Topics.LEADS.valueDeserializer();
    private static final Deserializer<AdvertiserResponse> RESPONSES = Topics.ADVERTISER_RESPONSES.valueDeserializer();
    private static final Deserializer<ReclassifyRequested> COMMANDS =
            Topics.RECLASSIFY_REQUESTS.valueDeserializer();
    private static final Serde<LeadOutcome> OUTCOMES = Topics.LEAD_OUTCOMES.valueSerde();

    private final LedgerSettings settings;
    private final LedgerMetrics metrics;
    private final VerdictClassifier classifier = new VerdictClassifier();
    private final ConfigGeneration configGeneration;
    /** Decoded config, valid while {@link #configGeneration} stays at {@link #cachedGeneration}. */
    private final Map<String, EventType> eventTypeCache = new HashMap<>();
    private final Map<String, Partner> partnerCache = new HashMap<>();
    private long cachedGeneration = -1;

    private ProcessorContext<Object, Object> context;
    private KeyValueStore<String, LedgerEntry> ledger;
    private KeyValueStore<String, String> deadlines;
    private KeyValueStore<String, EventType> eventTypes;
    private KeyValueStore<String, Partner> partners;

    LedgerProcessor(LedgerSettings settings, ConfigGeneration configGeneration) {
        this.settings = settings;
        this.metrics = settings.metrics();
        this.configGeneration = configGeneration;
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
            String submissionId = KEYS.deserialize(topic, record.key());
            if (Topics.LEADS.name().equals(topic)) {
                LeadSubmitted lead = LEADS.deserialize(topic, record.value());
                requireSameId(submissionId, lead.getSubmissionId());
                onLead(submissionId, lead, record.timestamp());
            } else if (Topics.ADVERTISER_RESPONSES.name().equals(topic)) {
                AdvertiserResponse response = RESPONSES.deserialize(topic, record.value());
                requireSameId(submissionId, response.getSubmissionId());
                onResponse(submissionId, response, record.value(), record.timestamp());
            } else if (Topics.RECLASSIFY_REQUESTS.name().equals(topic)) {
                ReclassifyRequested command = COMMANDS.deserialize(topic, record.value());
                requireSameId(submissionId, command.getSubmissionId());
                onReclassify(submissionId, command, record.timestamp());
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
            settle(submissionId, withLead, storedResponse(withLead), DecisionCause.FINAL_RESPONSE, null, timestamp);
        } else {
            ledger.put(submissionId, withLead);
            deadlines.put(deadlineKey(withLead.lead().deadline(), submissionId), submissionId);
        }
    }

    private long deadline(long receivedAt, String eventTypeId) {
        EventType eventType = eventType(eventTypeId);
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
        int attempt = response.getAttempt();
        if (!response.getFinalAttempt()) {
            if (entry.decision() == null && !entry.finalResponse()) {
                ledger.put(submissionId, entry.withResponse(raw, attempt, false));
            }
            return; // an attempt overtaken by a final response or a decision changes nothing
        }
        if (entry.finalResponse() && attempt <= entry.responseAttempt()) {
            // an earlier attempt (stale), or the same attempt again: a crash repeated the call or its publish.
            // Only a higher attempt (a re-forward, numbered on from the delivery that decided) may supersede.
            metrics.duplicateFinalResponse();
            log.debug("Dropped repeated or stale final response for submission {}", submissionId);
            return;
        }
        LedgerEntry withResponse = entry.withResponse(raw, attempt, true);
        if (withResponse.lead() == null) {
            ledger.put(submissionId, withResponse); // the lead is late (other partition lag): wait for it
            return;
        }
        if (entry.decision() == null) {
            // the lead came first and waited for this answer: its deadline is no longer needed
            settle(submissionId, withResponse, response, DecisionCause.FINAL_RESPONSE, null, timestamp);
            deadlines.delete(deadlineKey(withResponse.lead().deadline(), submissionId));
            return;
        }
        DecisionCause cause = entry.finalResponse() ? DecisionCause.NEW_RESPONSE : DecisionCause.LATE_RESPONSE;
        if (!settle(submissionId, withResponse, response, cause, null, timestamp)) {
            ledger.put(submissionId, withResponse); // decides the same: keep the newest answer for reclassifying
            metrics.duplicateFinalResponse();
            log.debug("Final response for decided submission {} decides the same; nothing emitted", submissionId);
        }
    }

    private void onReclassify(String submissionId, ReclassifyRequested command, long timestamp) {
        LedgerEntry entry = ledger.get(submissionId);
        String result;
        if (entry == null || entry.decision() == null) {
            result = LedgerMetrics.RECLASSIFY_UNDECIDED; // its decision, when it comes, uses the current rules
        } else if (!entry.finalResponse()) {
            result = LedgerMetrics.RECLASSIFY_NO_ANSWER; // NO_RESPONSE: there is no answer to read again
        } else {
            boolean changed = settle(submissionId, entry, storedResponse(entry), DecisionCause.RECLASSIFY,
                    command.getRequestId(), timestamp);
            result = changed ? LedgerMetrics.RECLASSIFY_CHANGED : LedgerMetrics.RECLASSIFY_UNCHANGED;
        }
        metrics.reclassified(result);
        log.debug("Reclassify {} of submission {}: {}", command.getRequestId(), submissionId, result);
    }

    /**
     * Decides the submission from {@code response} (null: no final response by the deadline) and, if that is
     * its first decision or differs from the one in force, emits the outcome and the conversion and payout
     * records that follow from the difference, and stores the new decision.
     *
     * @return false when an earlier decision stands unchanged (nothing emitted, nothing stored)
     */
    private boolean settle(String submissionId, LedgerEntry entry, AdvertiserResponse response, DecisionCause cause,
            String requestId, long timestamp) {
        LedgerEntry.Lead lead = entry.lead();
        LedgerEntry.Decision previous = entry.decision();
        EventType eventType = eventType(lead.eventTypeId());

        Classification classification;
        int attempts;
        FailureClass failureClass;
        if (response == null) {
            classification = LedgerRecords.noResponse(lead);
            attempts = entry.responseAttempt();
            failureClass = entry.response() == null ? FailureClass.NONE : storedResponse(entry).getFailureClass();
        } else {
            classification = eventType == null
                    ? Classification.error("Event type " + lead.eventTypeId() + " is not configured")
                    : classifier.classify(eventType, response);
            if (eventType != null && cause != DecisionCause.RECLASSIFY) {
                metrics.answerClassified(eventType, classification);
            }
            attempts = response.getAttempt();
            failureClass = response.getFailureClass();
        }

        LedgerEntry.Term term = previous == null ? null : previous.term();
        PayoutCalculator.Payout payout = null;
        if (classification.accepted()) {
            if (term == null) {
                term = PayoutCalculator.term(partner(lead.partnerId()), lead.eventTypeId()).orElse(null);
            }
            payout = term == null ? null : PayoutCalculator.payout(term, classification.amount()).orElse(null);
            if (payout == null) {
                metrics.acceptedWithoutPayout(lead.eventTypeId());
                log.warn("Accepted submission {} but partner {} has no payout term for event type {}",
                        submissionId, lead.partnerId(), lead.eventTypeId());
            }
        }

        int revision = previous == null ? 1 : previous.revision() + 1;
        Instant decidedAt = Instant.ofEpochMilli(context.currentSystemTimeMs());
        LeadOutcome outcome = LedgerRecords.outcome(submissionId, lead, new LedgerRecords.Decided(revision,
                classification, eventType == null ? null : eventType.getCurrency(), payout, attempts, failureClass,
                cause, requestId, decidedAt));
        LeadOutcome before = previous == null ? null : decodeOutcome(previous.outcome());
        if (before != null && Corrections.sameDecision(before, outcome)) {
            return false;
        }
        forward(LedgerTopology.LEAD_OUTCOMES_SINK, submissionId, outcome, timestamp);

        String conversionId = previous == null ? null : previous.conversionId();
        boolean accepted = classification.accepted();
        if (conversionId != null && !(accepted && Corrections.sameConversion(before, outcome))) {
            forward(LedgerTopology.CONVERSION_REVERSALS_SINK, submissionId,
                    LedgerRecords.reversal(conversionId, before, outcome), timestamp);
            metrics.conversionReversed(lead.eventTypeId());
            conversionId = null;
        }
        if (accepted && conversionId == null) {
            ConversionRecorded conversion = LedgerRecords.conversion(outcome);
            forward(LedgerTopology.CONVERSIONS_SINK, submissionId, conversion, timestamp);
            conversionId = conversion.getConversionId();
        }

        BigDecimal paid = previous == null ? null : previous.paid();
        String paidCurrency = previous == null ? null : previous.paidCurrency();
        for (PayoutEvent event : Corrections.payoutEvents(outcome, paid, paidCurrency, payout)) {
            forward(LedgerTopology.PAYOUTS_SINK, submissionId, event, timestamp);
            metrics.payoutEvent(event.getKind());
        }
        boolean owes = payout != null && payout.amount().signum() != 0;
        LedgerEntry.Term pinned = previous != null && previous.term() != null ? previous.term()
                : payout != null ? term : null;
        LedgerEntry.Decision decision = new LedgerEntry.Decision(revision, outcome.getVerdict(),
                decidedAt.toEpochMilli(), OUTCOMES.serializer().serialize(Topics.LEAD_OUTCOMES.name(), outcome),
                conversionId, owes ? payout.amount() : null, owes ? payout.currency() : null, pinned);
        ledger.put(submissionId, entry.withDecision(decision));
        metrics.outcome(outcome.getVerdict(), lead.eventTypeId(), revision);
        log.debug("Submission {} revision {}: {} ({})", submissionId, revision, outcome.getVerdict(), cause);
        return true;
    }

    /** Stream-time punctuation: every lead whose deadline is at or before stream time and is still undecided. */
    private void expireOverdue(long streamTime) {
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> overdue =
                deadlines.range(deadlineKey(0, ""), paddedMillis(streamTime) + ";")) {
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
        settle(submissionId, entry, null, DecisionCause.DEADLINE, null, streamTime);
        log.debug("Submission {} has no final response by its deadline: NO_RESPONSE", submissionId);
    }

    private EventType eventType(String id) {
        refreshConfig();
        EventType eventType = eventTypeCache.get(id);
        if (eventType == null) {
            eventType = eventTypes.get(id);
            if (eventType != null) {
                eventTypeCache.put(id, eventType);
            }
        }
        return eventType;
    }

    private Partner partner(String id) {
        refreshConfig();
        Partner partner = partnerCache.get(id);
        if (partner == null) {
            partner = partners.get(id);
            if (partner != null) {
                partnerCache.put(id, partner);
            }
        }
        return partner;
    }

    private void refreshConfig() {
        long generation = configGeneration.current();
        if (generation != cachedGeneration) {
            eventTypeCache.clear();
            partnerCache.clear();
            cachedGeneration = generation;
        }
    }

    private static AdvertiserResponse storedResponse(LedgerEntry entry) {
        return RESPONSES.deserialize(Topics.ADVERTISER_RESPONSES.name(), entry.response());
    }

    private static LeadOutcome decodeOutcome(byte[] outcome) {
        if (outcome == null) {
            throw new IllegalStateException("Ledger entry without its outcome: written by an older validator");
        }
        return OUTCOMES.deserializer().deserialize(Topics.LEAD_OUTCOMES.name(), outcome);
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
        return paddedMillis(deadline) + ":" + submissionId;
    }

    /** {@code String.format("%019d", millis)} without the formatter (this runs for every lead). */
    private static String paddedMillis(long millis) {
        String digits = Long.toString(Math.max(0, millis));
        return "0".repeat(Math.max(0, 19 - digits.length())) + digits;
    }
}
