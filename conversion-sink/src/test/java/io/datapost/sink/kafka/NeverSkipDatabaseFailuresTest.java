package io.datapost.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.transaction.CannotCreateTransactionException;

import io.datapost.schemas.kafka.Topics;

class NeverSkipDatabaseFailuresTest {

    private final List<ConsumerRecord<?, ?>> deadLettered = new ArrayList<>();
    private final NeverSkipDatabaseFailures recoverer =
            new NeverSkipDatabaseFailures((record, exception) -> deadLettered.add(record));
    private final ConsumerRecord<String, String> record =
            new ConsumerRecord<>(Topics.PAYOUTS.name(), 2, 40L, "sub-1", "value");

    @Test
    void refusesToSkipARecordWhoseBatchFailedInTheDatabase() {
        // Given failures as the listener container reports them
        Exception timeout = new ListenerExecutionFailedException("listener failed", new QueryTimeoutException("slow"));
        Exception noConnection = new ListenerExecutionFailedException("listener failed",
                new CannotCreateTransactionException("no connection"));

        // Then
        assertThatThrownBy(() -> recoverer.accept(record, timeout))
                .isInstanceOf(NeverSkipDatabaseFailures.DatabaseUnavailableException.class);
        assertThatThrownBy(() -> recoverer.accept(record, noConnection))
                .isInstanceOf(NeverSkipDatabaseFailures.DatabaseUnavailableException.class);
        assertThat(deadLettered).isEmpty();
    }

    @Test
    void deadLettersARecordThatFailedForAnyOtherReason() {
        // When
        recoverer.accept(record, new ListenerExecutionFailedException("listener failed",
                new IllegalArgumentException("bug")));

        // Then
        assertThat(deadLettered).containsExactly(record);
    }
}
