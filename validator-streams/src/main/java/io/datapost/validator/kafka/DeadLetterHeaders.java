package io.datapost.validator.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import io.datapost.schemas.kafka.DeadLetters;

/**
 * The {@link DeadLetters} headers this service puts on a dead letter: where the record came from and why it
 * could not be used. All values are UTF-8 text (partition and offset in decimal).
 */
public final class DeadLetterHeaders {

    /** Value of {@link DeadLetters#SERVICE}. */
    public static final String SERVICE_NAME = "validator-streams";

    /** Header values are cut to this many characters, so a huge exception message cannot bloat the topic. */
    private static final int MAX_MESSAGE_LENGTH = 1_000;

    private DeadLetterHeaders() {
    }

    /** The original headers (if any) plus ours. */
    public static Headers of(Headers original, String topic, int partition, long offset, Throwable cause) {
        RecordHeaders headers = original == null ? new RecordHeaders() : new RecordHeaders(original.toArray());
        put(headers, DeadLetters.ORIGINAL_TOPIC, topic);
        put(headers, DeadLetters.ORIGINAL_PARTITION, Integer.toString(partition));
        put(headers, DeadLetters.ORIGINAL_OFFSET, Long.toString(offset));
        put(headers, DeadLetters.SERVICE, SERVICE_NAME);
        put(headers, DeadLetters.CAUSE_CLASS, cause.getClass().getName());
        put(headers, DeadLetters.CAUSE_MESSAGE, message(cause));
        return headers;
    }

    private static void put(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static String message(Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.length() <= MAX_MESSAGE_LENGTH ? message : message.substring(0, MAX_MESSAGE_LENGTH);
    }
}
