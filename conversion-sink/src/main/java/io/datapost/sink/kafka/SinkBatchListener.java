package io.datapost.sink.kafka;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.transaction.support.TransactionOperations;

import io.datapost.schemas.kafka.Topic;
import io.datapost.sink.store.RowWriter;

/**
 * Writes one polled batch of a topic in one database transaction. The container commits the batch's offsets
 * only after this method returns, hence after the database commit; if it throws, nothing is committed and the
 * error handler retries the batch.
 *
 * <p>Records whose value did not decode (the {@code ErrorHandlingDeserializer} left the cause in a header)
 * are dead-lettered after the rows are committed: a failed write retries the batch before anything was
 * dead-lettered, so each undecodable record is dead-lettered once and the rest of the batch is still written.
 */
public final class SinkBatchListener<V> implements BatchMessageListener<String, V> {

    private static final Logger log = LoggerFactory.getLogger(SinkBatchListener.class);
    private static final LogAccessor logAccessor = new LogAccessor(SinkBatchListener.class);

    private final Topic<String, V> topic;
    private final RowWriter<V> rows;
    private final TransactionOperations transactions;
    private final ConsumerRecordRecoverer deadLetters;
    private final SinkMetrics metrics;

    public SinkBatchListener(Topic<String, V> topic, RowWriter<V> rows, TransactionOperations transactions,
            ConsumerRecordRecoverer deadLetters, SinkMetrics metrics) {
        this.topic = topic;
        this.rows = rows;
        this.transactions = transactions;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, V>> records) {
        long start = System.nanoTime();
        boolean success = false;
        try {
            List<V> values = new ArrayList<>(records.size());
            List<Undecodable> undecodable = new ArrayList<>();
            for (ConsumerRecord<String, V> record : records) {
                DeserializationException failure = SerializationUtils.getExceptionFromHeader(record,
                        SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, logAccessor);
                if (failure != null) {
                    undecodable.add(new Undecodable(record, failure));
                } else if (record.value() == null) {
                    log.warn("Ignoring record without value at {}-{}@{} (key {})", record.topic(), record.partition(),
                            record.offset(), record.key());
                } else {
                    values.add(record.value());
                }
            }
            if (!values.isEmpty()) {
                int[] counts = transactions.execute(status -> rows.insert(values));
                metrics.rows(rows.table(), counts == null ? new int[0] : counts);
            }
            for (Undecodable u : undecodable) {
                ConsumerRecord<?, ?> record = u.record();
                log.warn("Dead-lettering undecodable record {}-{}@{} (key {})", record.topic(), record.partition(),
                        record.offset(), record.key());
                deadLetters.accept(record, u.failure());
                metrics.deadLettered(topic.name());
            }
            success = true;
        } finally {
            metrics.batch(topic.name(), success, System.nanoTime() - start);
        }
    }

    private record Undecodable(ConsumerRecord<?, ?> record, DeserializationException failure) {
    }
}
