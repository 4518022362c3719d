package io.datapost.cli.replay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.ledger.PayoutCalculator;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.VerdictClassifier;

/**
 * Test data: stored final answers of the sample advertiser and, for each, the outcome the validator decided
 * from it under the given rule (computed with the validator's own classifier), written straight to the topics.
 * Every {@code acceptedEvery}-th answer says "accepted", the others "pending".
 */
final class StoredAnswers {

    static final String EVENT_TYPE = "insurance-quote";
    static final String PARTNER = "demo-partner";

    private StoredAnswers() {
    }

    static AdvertiserResponse answer(String id, boolean accepted, Instant at) {
        String body = "{\"status\":\"" + (accepted ? "accepted" : "pending") + "\",\"lead_id\":\"adv-" + id
                + "\",\"price\":12.5}";
        return AdvertiserResponse.newBuilder().setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER)
                .setAttempt(1).setFinalAttempt(true).setRequestId(id + "-1").setFailureClass(FailureClass.NONE)
                .setHttpStatus(200).setContentType("application/json").setHeaders(new HashMap<>())
                .setBody(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8))).setLatencyMillis(5)
                .setRespondedAt(at).build();
    }

    /** The revision-1 outcome the validator gives {@code answer} under {@code eventType}. */
    static LeadOutcome outcome(AdvertiserResponse answer, EventType eventType, Partner partner,
            VerdictClassifier classifier) {
        Classification c = classifier.classify(eventType, answer);
        PayoutCalculator.Payout payout = c.accepted()
                ? PayoutCalculator.payout(partner, EVENT_TYPE, c.amount()).orElse(null) : null;
        return LeadOutcome.newBuilder().setSubmissionId(answer.getSubmissionId()).setEventTypeId(EVENT_TYPE)
                .setPartnerId(PARTNER).setRevision(1).setVerdict(c.verdict()).setReason(c.reason())
                .setOrderId(c.orderId()).setAmount(c.amount())
                .setCurrency(c.amount() == null ? null : eventType.getCurrency())
                .setAmountDefaulted(c.amountDefaulted()).setPayout(payout == null ? null : payout.amount())
                .setPayoutCurrency(payout == null ? null : payout.currency()).setExtras(c.extras())
                .setAttempts(answer.getAttempt()).setFailureClass(FailureClass.NONE)
                .setReceivedAt(answer.getRespondedAt()).setDecidedAt(answer.getRespondedAt())
                .setCause(DecisionCause.FINAL_RESPONSE).build();
    }

    /** Writes {@code count} answers and their outcomes; returns how many say "accepted". */
    static int produce(String bootstrap, int count, int acceptedEvery, EventType eventType, Partner partner) {
        VerdictClassifier classifier = new VerdictClassifier();
        int accepted = 0;
        // one request in flight: in a CI run of 2026-12-04 on a fresh broker, after NOT_LEADER_OR_FOLLOWER answers
        // an idempotent producer with several batches in flight kept retrying sequence 0 on a partition whose end
        // sequence was 95 (OutOfOrderSequence until delivery.timeout.ms), so a batch of test data went missing
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        List<Future<RecordMetadata>> sent = new ArrayList<>(2 * count);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            Instant at = Instant.now();
            for (int i = 0; i < count; i++) {
                String id = "stored-" + i;
                boolean yes = i % acceptedEvery == 0;
                accepted += yes ? 1 : 0;
                AdvertiserResponse answer = answer(id, yes, at);
                sent.add(send(producer, Topics.ADVERTISER_RESPONSES, id, answer));
                sent.add(send(producer, Topics.LEAD_OUTCOMES, id, outcome(answer, eventType, partner, classifier)));
            }
            producer.flush();
        }
        requireAllStored(sent);
        return accepted;
    }

    /**
     * Every record acknowledged by the broker, else the test data is incomplete and the test must say so. A send
     * whose result nobody looks at fails silently: a batch the producer gives up on (after delivery.timeout.ms,
     * 120 s) is simply missing. That is the likely story of the ReclassifyRunTest run that read 549 of 600 answers
     * and took 126 s instead of 14 s: one batch of 51 answers never stored, the replay reading correctly what was
     * there (it takes its end offsets after these sends were acknowledged, so it cannot start too early).
     */
    static void requireAllStored(List<Future<RecordMetadata>> sent) {
        int failed = 0;
        Throwable first = null;
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get();
            } catch (ExecutionException e) {
                failed++;
                first = first == null ? e.getCause() : first;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while checking the test records", e);
            }
        }
        if (failed > 0) {
            throw new IllegalStateException(failed + " of " + sent.size() + " test records were not stored by the "
                    + "broker; first cause: " + first, first);
        }
    }

    /** {@code count} ERROR outcomes (ids error-N), the first {@code stored} of them with their lead on leads-v1. */
    static void produceErrors(String bootstrap, int count, int stored, Instant receivedAt) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                String id = "error-" + i;
                if (i < stored) {
                    sent.add(send(producer, Topics.LEADS, id, io.datapost.schemas.LeadSubmitted.newBuilder()
                            .setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER)
                            .setIdempotencyKey(id).setFields(Map.of()).setReceivedAt(receivedAt).build()));
                }
                sent.add(send(producer, Topics.LEAD_OUTCOMES, id, LeadOutcome.newBuilder().setSubmissionId(id)
                        .setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER).setRevision(1)
                        .setVerdict(io.datapost.schemas.Verdict.ERROR).setReason("HTTP 503")
                        .setAmountDefaulted(false).setExtras(Map.of()).setAttempts(3)
                        .setFailureClass(FailureClass.HTTP_5XX).setReceivedAt(receivedAt).setDecidedAt(receivedAt)
                        .setCause(DecisionCause.FINAL_RESPONSE).build()));
            }
            producer.flush();
        }
        requireAllStored(sent);
    }

    /** Attempts 1..{@code attempts} of a submission on the responses topic, the last one final (all 503s). */
    static void produceAttempts(String bootstrap, String id, int attempts) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int attempt = 1; attempt <= attempts; attempt++) {
                sent.add(send(producer, Topics.ADVERTISER_RESPONSES, id, AdvertiserResponse.newBuilder()
                        .setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER).setAttempt(attempt)
                        .setFinalAttempt(attempt == attempts).setRequestId(id + "-" + attempt)
                        .setFailureClass(FailureClass.HTTP_5XX).setHttpStatus(503).setHeaders(new HashMap<>())
                        .setLatencyMillis(5).setRespondedAt(Instant.now()).build()));
            }
            producer.flush();
        }
        requireAllStored(sent);
    }

    static <V> Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic,
            String key, V value) {
        return producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)));
    }
}
