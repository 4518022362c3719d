package io.datapost.sink.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.support.TestRecords;

class OriginalBytesSerializerTest {

    @Test
    void passesRawBytesThroughUnchanged() {
        // Given
        byte[] raw = {0, 1, 2, (byte) 0xff};

        // Then
        assertThat(OriginalBytesSerializer.forValues().serialize(Topics.DEAD_LETTERS.name(), new RecordHeaders(), raw))
                .isSameAs(raw);
    }

    @Test
    void encodesADecodedRecordWithTheSerdeOfItsOriginalTopic() {
        // Given a payout that decoded but failed later, and the header naming its topic
        PayoutEvent payout = TestRecords.payout("sub-1", "demo-partner", 1, "4.00", PayoutKind.PAYMENT,
                Instant.parse("2030-01-01T00:00:00Z"));
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetters.ORIGINAL_TOPIC, Topics.PAYOUTS.name().getBytes(StandardCharsets.UTF_8));

        // When
        byte[] value = OriginalBytesSerializer.forValues().serialize(Topics.DEAD_LETTERS.name(), headers, payout);
        byte[] key = OriginalBytesSerializer.forKeys().serialize(Topics.DEAD_LETTERS.name(), headers, "sub-1");

        // Then they are the bytes the validator would have published
        assertThat(Topics.PAYOUTS.valueDeserializer().deserialize(Topics.PAYOUTS.name(), value)).isEqualTo(payout);
        assertThat(key).isEqualTo("sub-1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesADecodedRecordWithoutItsOriginalTopic() {
        assertThatThrownBy(() -> OriginalBytesSerializer.forKeys().serialize(Topics.DEAD_LETTERS.name(),
                new RecordHeaders(), "sub-1")).isInstanceOf(SerializationException.class);
    }
}
