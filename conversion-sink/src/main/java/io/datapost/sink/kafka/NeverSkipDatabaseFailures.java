package io.datapost.sink.kafka;

import java.sql.SQLException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.transaction.TransactionException;

/**
 * The recoverer of the sink's error handler. A batch that still fails after the bounded back-off is
 * dead-lettered, unless the failure came from the database: rows that could not be written must not be skipped,
 * so the recoverer refuses, the error handler re-seeks the batch, and it is polled and retried again until the
 * database is back. Offsets are never committed for rows that were not written.
 */
public final class NeverSkipDatabaseFailures implements ConsumerRecordRecoverer {

    private final ConsumerRecordRecoverer deadLetters;

    public NeverSkipDatabaseFailures(ConsumerRecordRecoverer deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void accept(ConsumerRecord<?, ?> record, Exception exception) {
        if (isDatabaseFailure(exception)) {
            throw new DatabaseUnavailableException(
                    "Not skipping " + record.topic() + "-" + record.partition() + "@" + record.offset()
                            + ": the database failed; the batch will be polled and written again", exception);
        }
        deadLetters.accept(record, exception);
    }

    static boolean isDatabaseFailure(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessException || t instanceof TransactionException || t instanceof SQLException) {
                return true;
            }
        }
        return false;
    }

    /** Thrown instead of dead-lettering a record whose batch failed in the database. */
    public static final class DatabaseUnavailableException extends RuntimeException {
        DatabaseUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
