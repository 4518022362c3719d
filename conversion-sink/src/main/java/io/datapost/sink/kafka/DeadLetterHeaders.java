package io.datapost.sink.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.kafka.listener.TimestampedException;
import org.springframework.kafka.support.serializer.DeserializationException;

import io.datapost.schemas.kafka.DeadLetters;

/**
 * The datapost headers of a dead letter ({@link DeadLetters}), as UTF-8 strings; partition and offset in
 * decimal. The cause is the most specific one: for an undecodable value, the decoder's own exception rather
 * than Spring's wrapper. Messages are cut short; ours carry ids and positions only, never field values.
 */
public final class DeadLetterHeaders {

    private static final int MAX_MESSAGE_LENGTH = 1000;

    private final String service;

    public DeadLetterHeaders(String service) {
        this.service = service;
    }

    public Headers create(ConsumerRecord<?, ?> record, Exception exception) {
        Throwable cause = cause(exception);
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        if (message.length() > MAX_MESSAGE_LENGTH) {
            message = message.substring(0, MAX_MESSAGE_LENGTH);
        }
        Headers headers = new RecordHeaders();
        add(headers, DeadLetters.ORIGINAL_TOPIC, record.topic());
        add(headers, DeadLetters.ORIGINAL_PARTITION, Integer.toString(record.partition()));
        add(headers, DeadLetters.ORIGINAL_OFFSET, Long.toString(record.offset()));
        add(headers, DeadLetters.SERVICE, service);
        add(headers, DeadLetters.CAUSE_CLASS, cause.getClass().getName());
        add(headers, DeadLetters.CAUSE_MESSAGE, message);
        return headers;
    }

    static Throwable cause(Throwable exception) {
        Throwable cause = exception;
        while ((cause instanceof ListenerExecutionFailedException || cause instanceof TimestampedException
                || cause instanceof DeserializationException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
