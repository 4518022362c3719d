package io.datapost.validator.ledger;

import static io.datapost.validator.Fixtures.money;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;

class CorrectionsTest {

    private static final LeadOutcome OUTCOME = LeadOutcome.newBuilder()
            .setSubmissionId("s-1").setEventTypeId("e").setPartnerId("p").setRevision(3)
            .setVerdict(Verdict.ACCEPTED).setOrderId("o-1").setAmount(money("10.00")).setCurrency("USD")
            .setPayout(money("2.00")).setPayoutCurrency("USD").setAttempts(1).setFailureClass(FailureClass.NONE)
            .setReceivedAt(Instant.EPOCH).setDecidedAt(Instant.ofEpochSecond(60)).setCause(DecisionCause.RECLASSIFY)
            .build();

    @Test
    void firstPaymentIsAPayment() {
        List<PayoutEvent> events = Corrections.payoutEvents(OUTCOME, null, null, owed("2.00", "USD"));

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getKind()).isEqualTo(PayoutKind.PAYMENT);
            assertThat(e.getAmount()).isEqualTo(money("2.00"));
            assertThat(e.getPayoutId()).isEqualTo("s-1:3");
            assertThat(e.getRevision()).isEqualTo(3);
            assertThat(e.getCreatedAt()).isEqualTo(OUTCOME.getDecidedAt());
        });
    }

    @Test
    void nothingOwedAnyMoreReversesAllThatWasPaid() {
        List<PayoutEvent> events = Corrections.payoutEvents(OUTCOME, money("2.00"), "USD", null);

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getKind()).isEqualTo(PayoutKind.REVERSAL);
            assertThat(e.getAmount()).isEqualTo(money("-2.00"));
        });
    }

    @Test
    void anotherAmountInTheSameCurrencyIsAnAdjustmentByTheDifference() {
        List<PayoutEvent> events = Corrections.payoutEvents(OUTCOME, money("2.00"), "USD", owed("1.25", "USD"));

        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getKind()).isEqualTo(PayoutKind.ADJUSTMENT);
            assertThat(e.getAmount()).isEqualTo(money("-0.75"));
        });
    }

    @Test
    void anotherCurrencyReversesTheOldCurrencyAndPaysInTheNewWithDistinctIds() {
        List<PayoutEvent> events = Corrections.payoutEvents(OUTCOME, money("2.00"), "USD", owed("1.80", "EUR"));

        assertThat(events).extracting(PayoutEvent::getPayoutId, PayoutEvent::getKind, PayoutEvent::getAmount,
                PayoutEvent::getCurrency).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("s-1:3:reversal", PayoutKind.REVERSAL, money("-2.00"),
                                "USD"),
                        org.assertj.core.groups.Tuple.tuple("s-1:3", PayoutKind.PAYMENT, money("1.80"), "EUR"));
    }

    @Test
    void unchangedOrZeroPayoutEmitsNothing() {
        assertThat(Corrections.payoutEvents(OUTCOME, money("2.00"), "USD", owed("2.00", "USD"))).isEmpty();
        assertThat(Corrections.payoutEvents(OUTCOME, null, null, owed("0.00", "USD"))).isEmpty();
        assertThat(Corrections.payoutEvents(OUTCOME, null, null, null)).isEmpty();
    }

    @Test
    void howADecisionWasReachedIsNotAChangeButWhatItSaysIs() {
        LeadOutcome sameButLater = LeadOutcome.newBuilder(OUTCOME).setRevision(4).setAttempts(2)
                .setDecidedAt(Instant.ofEpochSecond(99)).setCause(DecisionCause.NEW_RESPONSE)
                .setAmount(money("10.0")).build();
        LeadOutcome otherExtras = LeadOutcome.newBuilder(OUTCOME).setExtras(Map.of("plan", "gold")).build();
        LeadOutcome otherOrder = LeadOutcome.newBuilder(OUTCOME).setOrderId("o-2").build();

        assertThat(Corrections.sameDecision(OUTCOME, sameButLater)).isTrue();
        assertThat(Corrections.sameDecision(OUTCOME, otherExtras)).isFalse();
        assertThat(Corrections.sameConversion(OUTCOME, otherExtras)).isTrue();
        assertThat(Corrections.sameDecision(OUTCOME, otherOrder)).isFalse();
        assertThat(Corrections.sameConversion(OUTCOME, otherOrder)).isFalse();
    }

    private static PayoutCalculator.Payout owed(String amount, String currency) {
        return new PayoutCalculator.Payout(money(amount), currency);
    }
}
