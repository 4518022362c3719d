package io.datapost.sink.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * Serializer of the dead-letter producer: dead letters carry the original bytes. An undecodable value
 * arrives here as those bytes already; a decoded key or value (from a record that failed later) is encoded
 * again with the serde of its original topic, named by the {@link DeadLetters#ORIGINAL_TOPIC} header.
 */
public final class OriginalBytesSerializer implements Serializer<Object> {

    private final boolean key;

    private OriginalBytesSerializer(boolean key) {
        this.key = key;
    }

    public static OriginalBytesSerializer forKeys() {
        return new OriginalBytesSerializer(true);
    }

    public static OriginalBytesSerializer forValues() {
        return new OriginalBytesSerializer(false);
    }

    @Override
    public byte[] serialize(String topic, Object data) {
        return serialize(topic, null, data);
    }

    @Override
    @SuppressWarnings("unchecked")
    public byte[] serialize(String topic, Headers headers, Object data) {
        if (data == null || data instanceof byte[]) {
            return (byte[]) data;
        }
        Topic<?, ?> original = originalTopic(headers);
        Serializer<Object> serializer = (Serializer<Object>) (key ? original.keySerializer()
                : original.valueSerializer());
        return serializer.serialize(original.name(), data);
    }

    private static Topic<?, ?> originalTopic(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(DeadLetters.ORIGINAL_TOPIC);
        if (header == null) {
            throw new SerializationException("Dead letter without header " + DeadLetters.ORIGINAL_TOPIC);
        }
        String name = new String(header.value(), StandardCharsets.UTF_8);
        return Topics.all().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new SerializationException("Dead letter from unknown topic " + name));
    }
}
