package io.datapost.forwarder.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.TimestampedException;

import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * Sends a leads record that cannot be processed to {@link Topics#DEAD_LETTERS} as bytes, with the datapost
 * headers naming where it came from and why. A record that failed to decode keeps its original bytes; one that
 * decoded is written back with the topic's own serializers.
 */
public class DeadLetterRecoverer extends DeadLetterPublishingRecoverer {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterRecoverer.class);

    public static final String SERVICE_NAME = "forwarder-worker";
    private static final int MAX_CAUSE_MESSAGE = 1000;

    private final Topic<String, ?> source;

    public DeadLetterRecoverer(KafkaOperations<byte[], byte[]> deadLetterTemplate, Topic<String, ?> source) {
        // a negative partition lets the producer choose: the dead-letter topic has fewer partitions than the source
        super(deadLetterTemplate, (record, e) -> new TopicPartition(Topics.DEAD_LETTERS.name(), -1));
        this.source = source;
        setHeadersFunction(DeadLetterRecoverer::datapostHeaders);
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception exception) {
        super.accept(record, consumer, exception);
        Throwable cause = rootCause(exception);
        // ids only: the record's value is personal data
        log.warn("Dead-lettered {}-{}@{} (key {}): {}: {}", record.topic(), record.partition(), record.offset(),
                record.key() instanceof String key ? key : "-", cause.getClass().getSimpleName(), cause.getMessage());
    }

    static Headers datapostHeaders(ConsumerRecord<?, ?> record, Exception exception) {
        Throwable cause = rootCause(exception);
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        Throwable nested = cause.getCause();
        if (nested != null && nested != cause && nested.getMessage() != null) {
            // e.g. a DeserializationException says only "failed to deserialize"; the decoder says why
            message = message + "; caused by " + nested.getClass().getSimpleName() + ": " + nested.getMessage();
        }
        if (message.length() > MAX_CAUSE_MESSAGE) {
            message = message.substring(0, MAX_CAUSE_MESSAGE);
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetters.ORIGINAL_TOPIC, utf8(record.topic()));
        headers.add(DeadLetters.ORIGINAL_PARTITION, utf8(String.valueOf(record.partition())));
        headers.add(DeadLetters.ORIGINAL_OFFSET, utf8(String.valueOf(record.offset())));
        headers.add(DeadLetters.SERVICE, utf8(SERVICE_NAME));
        headers.add(DeadLetters.CAUSE_CLASS, utf8(cause.getClass().getName()));
        headers.add(DeadLetters.CAUSE_MESSAGE, utf8(message));
        return headers;
    }

    /** The exception that says why, without the container's wrappers. */
    static Throwable rootCause(Throwable exception) {
        Throwable current = exception;
        while ((current instanceof ListenerExecutionFailedException || current instanceof TimestampedException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    @Override
    protected ProducerRecord<Object, Object> createProducerRecord(ConsumerRecord<?, ?> record,
            TopicPartition topicPartition, Headers headers, byte[] key, byte[] value) {
        byte[] keyBytes = key != null ? key : reserialize(record.key(), true, record.topic());
        byte[] valueBytes = value != null ? value : reserialize(record.value(), false, record.topic());
        return new ProducerRecord<>(topicPartition.topic(),
                topicPartition.partition() < 0 ? null : topicPartition.partition(), keyBytes, valueBytes, headers);
    }

    @SuppressWarnings("unchecked")
    private byte[] reserialize(Object data, boolean isKey, String topic) {
        if (data == null || data instanceof byte[]) {
            return (byte[]) data;
        }
        if (isKey) {
            return source.keySerializer().serialize(topic, (String) data);
        }
        return ((org.apache.kafka.common.serialization.Serializer<Object>) source.valueSerializer())
                .serialize(topic, data);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
