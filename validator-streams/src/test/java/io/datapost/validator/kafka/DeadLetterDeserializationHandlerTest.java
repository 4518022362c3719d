package io.datapost.validator.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topics;

/**
 * The handler Kafka Streams calls for records it decodes itself (the config topics of the global stores).
 * TopologyTestDriver always uses its own log-and-continue handler for global stores, hence a unit test.
 */
class DeadLetterDeserializationHandlerTest {

    @Test
    void sendsTheOriginalBytesWithCauseHeadersToDeadLettersAndContinues() {
        // Given
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
        handler.configure(Map.of(DeadLetterDeserializationHandler.PRODUCER_CONFIG, producer));
        byte[] key = "insurance-quote".getBytes(StandardCharsets.UTF_8);
        ConsumerRecord<byte[], byte[]> record =
                new ConsumerRecord<>(Topics.EVENT_TYPES.name(), 0, 42L, key, new byte[] {1, 2, 3});

        // When
        DeserializationHandlerResponse response = handler.handle(context(record), record,
                new SerializationException("Cannot decode EventType"));

        // Then
        assertThat(response).isEqualTo(DeserializationHandlerResponse.CONTINUE);
        assertThat(producer.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> sent = producer.history().get(0);
        assertThat(sent.topic()).isEqualTo(Topics.DEAD_LETTERS.name());
        assertThat(sent.key()).isEqualTo(key);
        assertThat(sent.value()).containsExactly(1, 2, 3);
        assertThat(header(sent.headers(), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.EVENT_TYPES.name());
        assertThat(header(sent.headers(), DeadLetters.ORIGINAL_PARTITION)).isEqualTo("0");
        assertThat(header(sent.headers(), DeadLetters.ORIGINAL_OFFSET)).isEqualTo("42");
        assertThat(header(sent.headers(), DeadLetters.SERVICE)).isEqualTo("validator-streams");
        assertThat(header(sent.headers(), DeadLetters.CAUSE_CLASS)).isEqualTo(SerializationException.class.getName());
        assertThat(header(sent.headers(), DeadLetters.CAUSE_MESSAGE)).isEqualTo("Cannot decode EventType");
    }

    @Test
    void continuesWhenTheDeadLetterCannotBeSent() {
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.sendException = new RuntimeException("broker gone");
        DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
        handler.configure(Map.of(DeadLetterDeserializationHandler.PRODUCER_CONFIG, producer));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(Topics.PARTNERS.name(), 0, 1L, null, new byte[1]);

        DeserializationHandlerResponse response =
                handler.handle(context(record), record, new SerializationException("bad"));

        assertThat(response).isEqualTo(DeserializationHandlerResponse.CONTINUE);
    }

    private static ErrorHandlerContext context(ConsumerRecord<byte[], byte[]> record) {
        return new RecordContext(record);
    }

    private record RecordContext(ConsumerRecord<byte[], byte[]> record) implements ErrorHandlerContext {
        public String topic() {
            return record.topic();
        }

        public int partition() {
            return record.partition();
        }

        public long offset() {
            return record.offset();
        }

        public Headers headers() {
            return record.headers();
        }

        public String processorNodeId() {
            return "event-types-source";
        }

        public TaskId taskId() {
            return null; // global tasks have none
        }

        public long timestamp() {
            return record.timestamp();
        }

        public byte[] sourceRawKey() {
            return record.key();
        }

        public byte[] sourceRawValue() {
            return record.value();
        }
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
