package io.datapost.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.kafka.Topics;

class AvroSerdeTest {

    @Test
    void leadRoundTripsThroughSingleObjectEncodingWithUnicodeIntact() {
        LeadSubmitted lead = LeadSubmitted.newBuilder()
                .setSubmissionId("s-1").setEventTypeId("insurance-quote").setPartnerId("demo-partner")
                .setFields(Map.of("first_name", "נועה 🌟", "zip", "30301"))
                .setReceivedAt(Instant.ofEpochMilli(1_700_000_000_000L))
                .build();

        byte[] bytes = Topics.LEADS.valueSerializer().serialize(Topics.LEADS.name(), lead);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3); // single-object encoding marker
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(Topics.LEADS.valueDeserializer().deserialize(Topics.LEADS.name(), bytes)).isEqualTo(lead);
    }

    @Test
    void payoutAmountKeepsItsDecimalValue() {
        PayoutEvent payout = PayoutEvent.newBuilder()
                .setPayoutId("s-1:1").setSubmissionId("s-1").setPartnerId("p").setEventTypeId("e").setRevision(1)
                .setAmount(new BigDecimal("4.0000")).setCurrency("USD").setKind(PayoutKind.PAYMENT)
                .setCreatedAt(Instant.ofEpochMilli(1)).build();

        byte[] bytes = Topics.PAYOUTS.valueSerializer().serialize(Topics.PAYOUTS.name(), payout);

        assertThat(Topics.PAYOUTS.valueDeserializer().deserialize(Topics.PAYOUTS.name(), bytes).getAmount())
                .isEqualByComparingTo("4.00");
    }

    @Test
    void garbageBytesFailWithASerializationExceptionNamingTheTopic() {
        byte[] garbage = "{\"not\":\"avro\"}".getBytes();

        assertThatThrownBy(() -> Topics.LEADS.valueDeserializer().deserialize(Topics.LEADS.name(), garbage))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(Topics.LEADS.name());
    }
}
