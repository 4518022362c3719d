package io.datapost.ingest.kafka;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Component;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/**
 * Writes one {@link LeadSubmitted} to the submissions topic, keyed by submission id, and waits for the
 * acknowledgement. validator-streams' dedupe gate forwards it to the leads topic once per submission id and window.
 */
@Component
public class LeadPublisher {

    private static final Logger log = LoggerFactory.getLogger(LeadPublisher.class);

    private final KafkaTemplate<String, LeadSubmitted> template;
    private final Duration deadline;

    public LeadPublisher(KafkaTemplate<String, LeadSubmitted> leadTemplate, IngestProperties properties) {
        this.template = leadTemplate;
        this.deadline = properties.kafkaDeadline();
    }

    /**
     * Returns only once the broker acknowledged the lead (acks=all); throws {@link LeadNotWrittenException}
     * when it did not within the deadline, counted from the call, metadata waits included. A lead that
     * timed out here may still land later within the producer's delivery timeout; a partner that retries
     * with its Idempotency-Key gets the same submission id, and the dedupe gate drops the repeat.
     */
    public void publish(LeadSubmitted lead) {
        long deadlineAt = System.nanoTime() + deadline.toNanos();
        String submissionId = lead.getSubmissionId();
        ProducerRecord<String, LeadSubmitted> record = new ProducerRecord<>(Topics.SUBMISSIONS.name(), submissionId,
                lead);
        try {
            CompletableFuture<SendResult<String, LeadSubmitted>> sent = template.send(record);
            long remaining = Math.max(0, deadlineAt - System.nanoTime());
            SendResult<String, LeadSubmitted> result = sent.get(remaining, TimeUnit.NANOSECONDS);
            log.debug("Lead {} written to partition {} offset {}", submissionId,
                    result.getRecordMetadata().partition(), result.getRecordMetadata().offset());
        } catch (TimeoutException e) {
            log.warn("Lead {} not acknowledged within {}", submissionId, deadline);
            throw new LeadNotWrittenException("not acknowledged within " + deadline, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.warn("Lead {} not written: {}", submissionId, describe(cause));
            throw new LeadNotWrittenException("send failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeadNotWrittenException("interrupted while waiting for the broker", e);
        } catch (RuntimeException e) {
            // send() itself failed, e.g. no metadata within max.block.ms
            log.warn("Lead {} not written: {}", submissionId, describe(e));
            throw new LeadNotWrittenException("send failed", e);
        }
    }

    /**
     * Class names only: a serializer's message can quote the record (lead fields are personal data).
     * Kafka's timeouts are still recognisable, e.g. {@code KafkaException <- TimeoutException}.
     */
    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? failure.getClass().getName()
                : failure.getClass().getName() + " <- " + root.getClass().getName();
    }
}
