package io.datapost.forwarder.service;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.CallResult;
import io.datapost.forwarder.http.RenderedRequest;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;

/**
 * Delivers one lead to its advertiser: attempt, publish the attempt, and repeat while the retry policy allows.
 * Every attempt is published; the last one published carries {@code finalAttempt=true}, so a delivered lead
 * always ends with exactly one final response (the last failure when the attempts ran out).
 * Returns only once the final response is durable, so the caller may then commit the lead's offset.
 */
public class LeadForwarder {

    private static final Logger log = LoggerFactory.getLogger(LeadForwarder.class);

    private final AdvertiserRequestRenderer renderer;
    private final AdvertiserClient client;
    private final AttemptPublisher publisher;
    private final RetryPolicy retryPolicy;
    private final ForwarderMetrics metrics;
    private final RandomGenerator random;

    public LeadForwarder(AdvertiserRequestRenderer renderer, AdvertiserClient client, AttemptPublisher publisher,
            RetryPolicy retryPolicy, ForwarderMetrics metrics, RandomGenerator random) {
        this.renderer = renderer;
        this.client = client;
        this.publisher = publisher;
        this.retryPolicy = retryPolicy;
        this.metrics = metrics;
        this.random = random;
    }

    /**
     * @throws io.datapost.forwarder.http.RequestRenderException when no safe request can be made (before any call)
     * @throws InterruptedForwardException when interrupted between attempts (the lead is then not finished)
     */
    public void forward(LeadSubmitted lead, EventType eventType) {
        AdvertiserRequest config = eventType.getRequest();
        int maxAttempts = Math.max(1, config.getMaxAttempts());
        for (int attempt = 1; ; attempt++) {
            RenderedRequest request = renderer.render(lead, config, UUID.randomUUID().toString());
            metrics.callStarted();
            CallResult result;
            try {
                result = client.call(request, config);
            } finally {
                metrics.callEnded();
            }
            metrics.recordCall(eventType.getId(), result.failureClass(), result.latencyMillis());
            boolean retry = attempt < maxAttempts
                    && retryPolicy.isRetryable(result.failureClass(), config.getIdempotent());
            publisher.publish(toResponse(lead, attempt, !retry, request.requestId(), result));
            log.debug("Lead {} attempt {}/{} to {}: {} status {}", lead.getSubmissionId(), attempt, maxAttempts,
                    eventType.getId(), result.failureClass(), result.httpStatus());
            if (!retry) {
                if (result.failureClass() != FailureClass.NONE) {
                    log.warn("Lead {} to {} failed after {} attempt(s): {}", lead.getSubmissionId(),
                            eventType.getId(), attempt, result.failureClass());
                }
                return;
            }
            pause(retryPolicy.delayAfter(attempt, result.retryAfter(), random), lead);
        }
    }

    static AdvertiserResponse toResponse(LeadSubmitted lead, int attempt, boolean finalAttempt, String requestId,
            CallResult result) {
        return AdvertiserResponse.newBuilder()
                .setSubmissionId(lead.getSubmissionId())
                .setEventTypeId(lead.getEventTypeId())
                .setPartnerId(lead.getPartnerId())
                .setAttempt(attempt)
                .setFinalAttempt(finalAttempt)
                .setRequestId(requestId)
                .setFailureClass(result.failureClass())
                .setFailureMessage(result.failureMessage())
                .setHttpStatus(result.httpStatus())
                .setContentType(result.contentType())
                .setHeaders(result.headers())
                .setBody(result.body() == null ? null : ByteBuffer.wrap(result.body()))
                .setBodyTruncated(result.bodyTruncated())
                .setLatencyMillis(result.latencyMillis())
                .setRespondedAt(result.respondedAt())
                .build();
    }

    private static void pause(Duration delay, LeadSubmitted lead) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedForwardException(lead.getSubmissionId());
        }
    }

    /** The forwarder was interrupted between attempts; the lead is not finished and will be delivered again. */
    public static class InterruptedForwardException extends RuntimeException {
        public InterruptedForwardException(String submissionId) {
            super("Interrupted between attempts for submission " + submissionId);
        }
    }
}
