package io.datapost.validator.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.validator.Fixtures;

class PayoutCalculatorTest {

    @Test
    void fixedTermPaysItsValueAtMoneyScale() {
        assertThat(PayoutCalculator.payout(Fixtures.partner(PayoutTermKind.FIXED, "4.00"), Fixtures.EVENT_TYPE, null))
                .hasValueSatisfying(p -> {
                    assertThat(p.amount()).isEqualTo(new BigDecimal("4.0000"));
                    assertThat(p.currency()).isEqualTo("USD");
                });
    }

    @Test
    void percentTermRoundsHalfEvenToCents() {
        // 10% of 10.35 = 1.035 -> 1.04 (to the even cent), 10% of 10.25 = 1.025 -> 1.02
        assertThat(PayoutCalculator.compute(term(PayoutTermKind.PERCENT, "10", "USD"), new BigDecimal("10.35")))
                .contains(new BigDecimal("1.0400"));
        assertThat(PayoutCalculator.compute(term(PayoutTermKind.PERCENT, "10", "USD"), new BigDecimal("10.25")))
                .contains(new BigDecimal("1.0200"));
    }

    @Test
    void currencyWithoutMinorUnitRoundsToWholeUnits() {
        assertThat(PayoutCalculator.compute(term(PayoutTermKind.PERCENT, "12.5", "JPY"), new BigDecimal("1020")))
                .contains(new BigDecimal("128.0000")); // 127.5 -> 128 (even)
    }

    @Test
    void partnerWithoutTermForTheEventTypeIsNotPaid() {
        assertThat(PayoutCalculator.payout(Fixtures.partner(PayoutTermKind.FIXED, "4.00"), "other-type",
                BigDecimal.TEN)).isEmpty();
        assertThat(PayoutCalculator.payout(null, Fixtures.EVENT_TYPE, BigDecimal.TEN)).isEmpty();
        assertThat(PayoutCalculator.compute(term(PayoutTermKind.UNKNOWN, "4", "USD"), BigDecimal.TEN)).isEmpty();
    }

    private static PayoutTerm term(PayoutTermKind kind, String value, String currency) {
        return PayoutTerm.newBuilder().setEventTypeId(Fixtures.EVENT_TYPE).setKind(kind)
                .setValue(Fixtures.money(value)).setCurrency(currency).build();
    }
}
