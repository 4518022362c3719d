package io.datapost.validator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;

class LedgerEntrySerdeTest {

    private final LedgerEntrySerde serde = new LedgerEntrySerde();

    @Test
    void fullEntryRoundTrips() {
        LedgerEntry entry = new LedgerEntry(new LedgerEntry.Lead("insurance-quote", "demo-partner", 1_000, 76_000),
                new byte[] {1, 2, 3}, 3, true,
                new LedgerEntry.Decision(2, Verdict.ACCEPTED, 5_000, new byte[] {9, 8}, "s-1:2",
                        new BigDecimal("-1.2500"), "EUR",
                        new LedgerEntry.Term(PayoutTermKind.PERCENT, new BigDecimal("12.5000"), "EUR")));

        LedgerEntry read = roundTrip(entry);

        assertThat(read.lead()).isEqualTo(entry.lead());
        assertThat(read.response()).containsExactly(1, 2, 3);
        assertThat(read.responseAttempt()).isEqualTo(3);
        assertThat(read.finalResponse()).isTrue();
        LedgerEntry.Decision decision = read.decision();
        assertThat(decision.revision()).isEqualTo(2);
        assertThat(decision.verdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(decision.decidedAt()).isEqualTo(5_000);
        assertThat(decision.outcome()).containsExactly(9, 8);
        assertThat(decision.conversionId()).isEqualTo("s-1:2");
        assertThat(decision.paid()).isEqualTo(new BigDecimal("-1.2500")); // value and scale
        assertThat(decision.paidCurrency()).isEqualTo("EUR");
        assertThat(decision.term()).isEqualTo(entry.decision().term());
    }

    @Test
    void emptyAndPartialEntriesRoundTrip() {
        assertThat(roundTrip(LedgerEntry.EMPTY)).isEqualTo(LedgerEntry.EMPTY);

        LedgerEntry noResponse = new LedgerEntry(new LedgerEntry.Lead("e", "p", 1, 2), null, 0, false,
                new LedgerEntry.Decision(1, Verdict.NO_RESPONSE, 3, new byte[0], null, null, null, null));
        LedgerEntry read = roundTrip(noResponse);
        assertThat(read.response()).isNull();
        assertThat(read.decision().conversionId()).isNull();
        assertThat(read.decision().paid()).isNull();
        assertThat(read.decision().term()).isNull();
        assertThat(read.decision().verdict()).isEqualTo(Verdict.NO_RESPONSE);
    }

    @Test
    void entryWrittenAsJsonByAnEarlierValidatorIsStillRead() {
        byte[] json = ("{\"lead\":{\"eventTypeId\":\"e\",\"partnerId\":\"p\",\"receivedAt\":1,\"deadline\":2},"
                + "\"response\":null,\"responseAttempt\":0,\"finalResponse\":false,\"decision\":null}")
                .getBytes(StandardCharsets.UTF_8);

        LedgerEntry read = serde.deserializer().deserialize("ledger", json);

        assertThat(read.lead()).isEqualTo(new LedgerEntry.Lead("e", "p", 1, 2));
        assertThat(read.decision()).isNull();
    }

    @Test
    void unknownFormatVersionFailsLoudly() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("ledger", new byte[] {42, 0}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("version 42");
    }

    private LedgerEntry roundTrip(LedgerEntry entry) {
        return serde.deserializer().deserialize("ledger", serde.serializer().serialize("ledger", entry));
    }
}
