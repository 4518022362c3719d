package io.datapost.ingest.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.Topics;

/** Plays the validator: writes a submission's outcome to the lead-outcomes topic. */
public final class OutcomesOnTopic implements AutoCloseable {

    private final KafkaProducer<String, LeadOutcome> producer;

    public OutcomesOnTopic(String bootstrapServers) {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all"), Topics.LEAD_OUTCOMES.keySerializer(),
                Topics.LEAD_OUTCOMES.valueSerializer());
    }

    public static LeadOutcome outcome(String submissionId, Verdict verdict, String reason, String orderId,
            String payout) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return LeadOutcome.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(ConfigFixtures.INSURANCE_QUOTE)
                .setPartnerId(ConfigFixtures.DEMO_PARTNER)
                .setRevision(1)
                .setVerdict(verdict)
                .setReason(reason)
                .setOrderId(orderId)
                .setPayout(payout == null ? null : new BigDecimal(payout).setScale(4, RoundingMode.HALF_EVEN))
                .setReceivedAt(now)
                .setDecidedAt(now)
                .build();
    }

    public void publish(LeadOutcome outcome) {
        try {
            producer.send(new ProducerRecord<>(Topics.LEAD_OUTCOMES.name(), outcome.getSubmissionId(), outcome))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Could not publish the outcome of " + outcome.getSubmissionId(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
