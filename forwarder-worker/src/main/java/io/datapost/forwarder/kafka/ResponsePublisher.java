package io.datapost.forwarder.kafka;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.kafka.core.KafkaTemplate;

import io.datapost.forwarder.service.AttemptPublisher;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.kafka.Topics;

/** Publishes each attempt to the responses topic, keyed by submission id, and waits for the acknowledgement. */
public class ResponsePublisher implements AttemptPublisher {

    private final KafkaTemplate<String, AdvertiserResponse> template;
    private final Duration sendTimeout;

    public ResponsePublisher(KafkaTemplate<String, AdvertiserResponse> template, Duration sendTimeout) {
        this.template = template;
        this.sendTimeout = sendTimeout;
    }

    @Override
    public void publish(AdvertiserResponse response) {
        try {
            template.send(Topics.ADVERTISER_RESPONSES.name(), response.getSubmissionId(), response)
                    .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResponsePublishException(response, e);
        } catch (ExecutionException e) {
            throw new ResponsePublishException(response, e.getCause());
        } catch (TimeoutException e) {
            throw new ResponsePublishException(response, e);
        }
    }

    /** Kafka did not acknowledge a response; retryable (the lead is delivered again). */
    public static class ResponsePublishException extends RuntimeException {
        ResponsePublishException(AdvertiserResponse response, Throwable cause) {
            super("Could not publish the response to attempt " + response.getAttempt() + " of submission "
                    + response.getSubmissionId(), cause);
        }
    }
}
