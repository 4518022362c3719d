package io.datapost.validator.kafka;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.schemas.kafka.Topics;

/**
 * Sends a record that Kafka Streams could not deserialize to {@link Topics#DEAD_LETTERS} and lets processing
 * continue.
 *
 * <p>Kafka Streams 4.1.2 has no built-in dead-letter queue (KIP-1034's {@code errors.dead.letter.queue.topic.name}
 * arrives in 4.2) and gives a handler no access to the task's transactional producer, so this handler uses a
 * producer of its own, outside the exactly-once transaction: after a crash a dead letter can appear twice.
 * That is why the ledger's own input topics are read as bytes and decoded inside the topology, where dead
 * letters are part of the transaction; this handler only sees the config topics (event types, partners),
 * whose records Kafka Streams decodes itself to fill the global stores.
 *
 * <p>The producer is passed in the Streams config under {@link #PRODUCER_CONFIG}; without one, the record is
 * logged (position only) and skipped.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    /** Config key whose value is the {@code Producer<byte[], byte[]>} dead letters are sent with. */
    public static final String PRODUCER_CONFIG = "datapost.validator.dead-letter-producer";

    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);
    private static final long SEND_TIMEOUT_SECONDS = 30;

    private Producer<byte[], byte[]> producer;

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object configured = configs.get(PRODUCER_CONFIG);
        if (configured instanceof Producer<?, ?> p) {
            producer = (Producer<byte[], byte[]>) p;
        }
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        log.error("Cannot deserialize record from {}-{} at offset {}: {}", record.topic(), record.partition(),
                record.offset(), exception.getMessage());
        if (producer == null) {
            return DeserializationHandlerResponse.CONTINUE;
        }
        ProducerRecord<byte[], byte[]> deadLetter = new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null,
                record.key(), record.value(),
                DeadLetterHeaders.of(record.headers(), record.topic(), record.partition(), record.offset(), exception));
        try {
            producer.send(deadLetter).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("Interrupted while dead-lettering {}-{}@{}", record.topic(), record.partition(), record.offset());
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // skipping is still better than stopping every submission behind one bad config record
            log.error("Could not dead-letter {}-{}@{}", record.topic(), record.partition(), record.offset(), e);
        }
        return DeserializationHandlerResponse.CONTINUE;
    }
}
