package io.datapost.forwarder.kafka;

import java.util.concurrent.CompletableFuture;

import org.springframework.kafka.core.KafkaTemplate;

import io.datapost.forwarder.service.AttemptPublisher;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.kafka.Topics;

/**
 * Publishes each attempt to the responses topic, keyed by submission id (so a lead's responses share its
 * partition); the future completes when Kafka acknowledged it (acks=all, idempotent producer).
 */
public class ResponsePublisher implements AttemptPublisher {

    private final KafkaTemplate<String, AdvertiserResponse> template;

    public ResponsePublisher(KafkaTemplate<String, AdvertiserResponse> template) {
        this.template = template;
    }

    @Override
    public CompletableFuture<Void> publish(AdvertiserResponse response) {
        return template.send(Topics.ADVERTISER_RESPONSES.name(), response.getSubmissionId(), response)
                .thenApply(sent -> null);
    }
}
