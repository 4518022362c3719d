package io.datapost.validator.ledger;

import static io.datapost.validator.Fixtures.json;
import static io.datapost.validator.Fixtures.lead;
import static io.datapost.validator.Fixtures.money;
import static io.datapost.validator.ledger.LedgerDriver.CHECK_INTERVAL;
import static io.datapost.validator.ledger.LedgerDriver.DEADLINE;
import static io.datapost.validator.ledger.LedgerDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;
import io.datapost.validator.Fixtures;

/** Decisions that change: every correction is a new revision with compensating conversion and payout records. */
class LedgerCorrectionsTest {

    private static final String ACCEPTED = "{\"status\":\"accepted\",\"lead_id\":\"L-311\",\"price\":\"25.00\"}";
    private static final String ACCEPTED_AT_30 = "{\"status\":\"accepted\",\"lead_id\":\"L-311\",\"price\":\"30.00\"}";
    private static final String REJECTED = "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}";

    @TempDir
    Path stateDir;

    private LedgerDriver ledger;

    @BeforeEach
    void start() {
        ledger = new LedgerDriver(stateDir);
        ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build(), T0);
        ledger.partners.pipeInput(Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.FIXED, "4.00"), T0);
    }

    @AfterEach
    void stop() {
        ledger.close();
    }

    @Test
    void laterFinalResponseWithAnotherVerdictReversesTheConversionAndThePayment() {
        // Given an accepted and paid lead
        acceptedAndPaid("s-1");

        // When a later delivery (a re-forward: next attempt number) says rejected
        ledger.responses.pipeInput("s-1", json("s-1", 2, true, 200, REJECTED).build(), T0.plusSeconds(3));

        // Then one correction: revision 2, the conversion reversed, the payment compensated
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getRevision()).isEqualTo(2);
        assertThat(correction.getVerdict()).isEqualTo(Verdict.REJECTED);
        assertThat(correction.getCause()).isEqualTo(DecisionCause.NEW_RESPONSE);
        assertThat(correction.getPayout()).isNull();
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        ConversionReversed reversal = ledger.reversals.readValue();
        assertThat(reversal.getReversalId()).isEqualTo("s-1:2");
        assertThat(reversal.getConversionId()).isEqualTo("s-1:1");
        assertThat(reversal.getAmount()).isEqualTo(money("25.00"));
        assertThat(reversal.getReason()).isEqualTo("Verdict is now REJECTED");
        assertThat(ledger.conversions.isEmpty()).isTrue();
        PayoutEvent compensation = ledger.payouts.readValue();
        assertThat(compensation.getPayoutId()).isEqualTo("s-1:2");
        assertThat(compensation.getKind()).isEqualTo(PayoutKind.REVERSAL);
        assertThat(compensation.getAmount()).isEqualTo(money("-4.00"));
        assertThat(ledger.payouts.isEmpty()).isTrue();
    }

    @Test
    void laterFinalResponseThatDecidesTheSameEmitsNothing() {
        // Given
        acceptedAndPaid("s-1");

        // When the advertiser is called again and answers the same (other bytes: latency, time)
        ledger.responses.pipeInput("s-1", json("s-1", 2, true, 200, ACCEPTED).setLatencyMillis(900).build(),
                T0.plusSeconds(3));

        // Then
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.payouts.isEmpty()).isTrue();
        assertThat(ledger.conversions.isEmpty()).isTrue();
        assertThat(ledger.counter(LedgerMetrics.DUPLICATES, "kind", "final-response")).isEqualTo(1.0);
    }

    @Test
    void errorOutcomeSupersededByAReforwardsAcceptedAnswerIsPaidOnceAndItsRepeatChangesNothing() {
        // Given a lead whose attempts ran out with 503s: ERROR at attempt 3, nothing paid
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 503, "busy").build(), T0.plusSeconds(1));
        assertThat(ledger.outcomes.readValue().getVerdict()).isEqualTo(Verdict.ERROR);

        // When the re-forward's attempt 4 fails (not final) and its attempt 5 is accepted
        ledger.responses.pipeInput("s-1", json("s-1", 4, false, 503, "busy").build(), T0.plusSeconds(60));
        ledger.responses.pipeInput("s-1", json("s-1", 5, true, 200, ACCEPTED).build(), T0.plusSeconds(61));

        // Then one new revision, ACCEPTED, its conversion and one payment
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getRevision()).isEqualTo(2);
        assertThat(correction.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(correction.getAttempts()).isEqualTo(5);
        assertThat(correction.getPayout()).isEqualTo(money("4.00"));
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.conversions.readValuesToList()).hasSize(1);
        assertThat(ledger.payouts.readValuesToList()).singleElement()
                .satisfies(p -> assertThat(p.getKind()).isEqualTo(PayoutKind.PAYMENT));

        // When the same final attempt comes again (a crash repeated the call: the advertiser now says duplicate)
        ledger.responses.pipeInput("s-1", json("s-1", 5, true, 200, REJECTED).setLatencyMillis(7).build(),
                T0.plusSeconds(62));

        // Then nothing changes
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.reversals.isEmpty()).isTrue();
        assertThat(ledger.conversions.isEmpty()).isTrue();
        assertThat(ledger.payouts.isEmpty()).isTrue();
        assertThat(ledger.counter(LedgerMetrics.DUPLICATES, "kind", "final-response")).isEqualTo(1.0);
    }

    @Test
    void noResponseOutcomeSupersededByAReforwardsFinalAnswerIsCorrectedOnce() {
        // Given a lead that got NO_RESPONSE at its deadline after two unanswered attempts
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", Fixtures.response("s-1", 2, false, io.datapost.schemas.FailureClass.TIMEOUT)
                .build(), T0.plusSeconds(1));
        ledger.advanceStreamTimeTo(DEADLINE.plus(CHECK_INTERVAL));
        assertThat(ledger.outcomes.readValue().getVerdict()).isEqualTo(Verdict.NO_RESPONSE);

        // When the re-forward (attempts from 3) gets an accepted final answer, delivered twice
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 200, ACCEPTED).build(), DEADLINE.plusSeconds(5));
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 200, ACCEPTED).setLatencyMillis(9).build(),
                DEADLINE.plusSeconds(6));

        // Then one correction: ACCEPTED and paid once
        assertThat(ledger.outcomes.readValuesToList()).singleElement().satisfies(o -> {
            assertThat(o.getRevision()).isEqualTo(2);
            assertThat(o.getVerdict()).isEqualTo(Verdict.ACCEPTED);
            assertThat(o.getCause()).isEqualTo(DecisionCause.LATE_RESPONSE);
        });
        assertThat(ledger.payouts.readValuesToList()).singleElement()
                .satisfies(p -> assertThat(p.getAmount()).isEqualTo(money("4.00")));
    }

    @Test
    void finalResponseOfAnEarlierAttemptThanTheOneHeldIsStale() {
        // Given a lead decided by attempt 3
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 200, ACCEPTED).build(), T0.plusSeconds(1));
        ledger.outcomes.readValue();

        // When a final answer of attempt 2 turns up afterwards
        ledger.responses.pipeInput("s-1", json("s-1", 2, true, 200, REJECTED).build(), T0.plusSeconds(2));

        // Then it changes nothing
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.reversals.isEmpty()).isTrue();
    }

    @Test
    void reforwardedLeadAnsweredAfterAnErrorIsCorrectedAndPaidOnce() {
        // Given a lead whose attempts ran out with a 500: ERROR, nothing paid
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 500, "oops").build(), T0.plusSeconds(1));
        assertThat(ledger.outcomes.readValue().getVerdict()).isEqualTo(Verdict.ERROR);

        // When a replay sends it again (next attempt number) and the advertiser accepts
        ledger.responses.pipeInput("s-1", json("s-1", 4, true, 200, ACCEPTED).build(), T0.plusSeconds(60));

        // Then
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getRevision()).isEqualTo(2);
        assertThat(correction.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(correction.getCause()).isEqualTo(DecisionCause.NEW_RESPONSE);
        assertThat(correction.getAttempts()).isEqualTo(4);
        assertThat(ledger.conversions.readValue().getConversionId()).isEqualTo("s-1:2");
        assertThat(ledger.payouts.readValuesToList()).singleElement().satisfies(p -> {
            assertThat(p.getKind()).isEqualTo(PayoutKind.PAYMENT);
            assertThat(p.getAmount()).isEqualTo(money("4.00"));
            assertThat(p.getPayoutId()).isEqualTo("s-1:2");
        });
        assertThat(ledger.reversals.isEmpty()).isTrue();
    }

    @Test
    void lateResponseAfterNoResponseIsACorrectionWithItsCause() {
        // Given
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.advanceStreamTimeTo(DEADLINE.plus(CHECK_INTERVAL));
        LeadOutcome noResponse = ledger.outcomes.readValue();
        assertThat(noResponse.getVerdict()).isEqualTo(Verdict.NO_RESPONSE);
        assertThat(noResponse.getCause()).isEqualTo(DecisionCause.DEADLINE);

        // When
        ledger.responses.pipeInput("s-1", json("s-1", 3, true, 200, REJECTED).build(), DEADLINE.plusSeconds(5));

        // Then a rejected correction: nothing to reverse, nothing to pay
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getRevision()).isEqualTo(2);
        assertThat(correction.getVerdict()).isEqualTo(Verdict.REJECTED);
        assertThat(correction.getCause()).isEqualTo(DecisionCause.LATE_RESPONSE);
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.reversals.isEmpty()).isTrue();
        assertThat(ledger.payouts.isEmpty()).isTrue();
    }

    @Test
    void reclassifyUnderAChangedRuleCorrectsTheDecisionAndCarriesTheRequestId() {
        // Given an accepted and paid lead, then the rule changes to {"code":2000}
        acceptedAndPaid("s-1");
        ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.code").setEquals("2000").build()).build(), T0);

        // When a replay asks to reclassify it
        ledger.reclassify("s-1", "replay-7", T0.plusSeconds(10));

        // Then
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getRevision()).isEqualTo(2);
        assertThat(correction.getVerdict()).isEqualTo(Verdict.REJECTED);
        assertThat(correction.getCause()).isEqualTo(DecisionCause.RECLASSIFY);
        assertThat(correction.getRequestId()).isEqualTo("replay-7");
        assertThat(ledger.reversals.readValue().getConversionId()).isEqualTo("s-1:1");
        assertThat(ledger.payouts.readValue().getAmount()).isEqualTo(money("-4.00"));
        assertThat(ledger.counter(LedgerMetrics.RECLASSIFY, "result", LedgerMetrics.RECLASSIFY_CHANGED))
                .isEqualTo(1.0);
    }

    @Test
    void reclassifyUnderUnchangedRulesEmitsNothing() {
        // Given
        acceptedAndPaid("s-1");

        // When
        ledger.reclassify("s-1", "replay-1", T0.plusSeconds(10));

        // Then
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.payouts.isEmpty()).isTrue();
        assertThat(ledger.counter(LedgerMetrics.RECLASSIFY, "result", LedgerMetrics.RECLASSIFY_UNCHANGED))
                .isEqualTo(1.0);
    }

    @Test
    void reclassifyOfAnUndecidedOrUnansweredSubmissionEmitsNothing() {
        // Given one lead waiting for its answer and one decided NO_RESPONSE
        ledger.leads.pipeInput("s-wait", lead("s-wait", DEADLINE), DEADLINE);
        ledger.leads.pipeInput("s-none", lead("s-none", T0), T0);
        ledger.advanceStreamTimeTo(DEADLINE.plus(CHECK_INTERVAL));
        assertThat(ledger.outcomes.readValue().getSubmissionId()).isEqualTo("s-none");

        // When
        ledger.reclassify("s-wait", "replay-1", DEADLINE.plus(CHECK_INTERVAL));
        ledger.reclassify("s-none", "replay-1", DEADLINE.plus(CHECK_INTERVAL));
        ledger.reclassify("s-unknown", "replay-1", DEADLINE.plus(CHECK_INTERVAL));

        // Then
        assertThat(ledger.outcomes.isEmpty()).isTrue();
        assertThat(ledger.counter(LedgerMetrics.RECLASSIFY, "result", LedgerMetrics.RECLASSIFY_UNDECIDED))
                .isEqualTo(2.0);
        assertThat(ledger.counter(LedgerMetrics.RECLASSIFY, "result", LedgerMetrics.RECLASSIFY_NO_ANSWER))
                .isEqualTo(1.0);
    }

    @Test
    void rejectedLeadReclassifiedAsAcceptedIsRecordedAndPaid() {
        // Given a lead rejected because the rule expected another value
        ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.status").setEquals("ok").build()).build(), T0);
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED).build(), T0.plusSeconds(1));
        assertThat(ledger.outcomes.readValue().getVerdict()).isEqualTo(Verdict.REJECTED);

        // When the rule is fixed and the submission reclassified
        ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build(), T0);
        ledger.reclassify("s-1", "replay-2", T0.plusSeconds(10));

        // Then
        assertThat(ledger.outcomes.readValue().getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(ledger.conversions.readValue().getConversionId()).isEqualTo("s-1:2");
        PayoutEvent payment = ledger.payouts.readValue();
        assertThat(payment.getKind()).isEqualTo(PayoutKind.PAYMENT);
        assertThat(payment.getAmount()).isEqualTo(money("4.00"));
    }

    @Test
    void changedAmountReplacesTheConversionAndAdjustsAPercentPayoutByTheDifference() {
        // Given a partner paid 10% and a lead accepted at 25.00 (paid 2.50)
        ledger.partners.pipeInput(Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.PERCENT, "10"), T0);
        ledger.leads.pipeInput("s-1", lead("s-1", T0), T0);
        ledger.responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED).build(), T0.plusSeconds(1));
        assertThat(ledger.payouts.readValue().getAmount()).isEqualTo(money("2.50"));
        ledger.outcomes.readValue();
        ledger.conversions.readValue();

        // When a later final answer says 30.00
        ledger.responses.pipeInput("s-1", json("s-1", 2, true, 200, ACCEPTED_AT_30).build(), T0.plusSeconds(5));

        // Then the old conversion is reversed, a new one recorded, and the payout adjusted by +0.50
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getPayout()).isEqualTo(money("3.00"));
        ConversionReversed reversal = ledger.reversals.readValue();
        assertThat(reversal.getConversionId()).isEqualTo("s-1:1");
        assertThat(reversal.getReason()).isEqualTo("Superseded by conversion s-1:2");
        ConversionRecorded replacement = ledger.conversions.readValue();
        assertThat(replacement.getConversionId()).isEqualTo("s-1:2");
        assertThat(replacement.getAmount()).isEqualTo(money("30.00"));
        PayoutEvent adjustment = ledger.payouts.readValue();
        assertThat(adjustment.getKind()).isEqualTo(PayoutKind.ADJUSTMENT);
        assertThat(adjustment.getAmount()).isEqualTo(money("0.50"));
    }

    @Test
    void correctionKeepsThePayoutTermOfTheFirstPaymentAfterThePartnersTermsChange() {
        // Given a lead paid 4.00, then the partner's term rises to 6.00 and the order id extraction changes
        acceptedAndPaid("s-1");
        ledger.partners.pipeInput(Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.FIXED, "6.00"), T0);
        ledger.eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote()
                .setExtraction(Extraction.newBuilder().setOrderId("$.order").setAmount("$.price").build()).build(),
                T0);

        // When it is reclassified (still accepted, another order id)
        ledger.reclassify("s-1", "replay-3", T0.plusSeconds(10));

        // Then the conversion is replaced but the payout stays as priced: no payout event
        LeadOutcome correction = ledger.outcomes.readValue();
        assertThat(correction.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(correction.getOrderId()).isNull();
        assertThat(correction.getPayout()).isEqualTo(money("4.00"));
        assertThat(ledger.reversals.readValue().getConversionId()).isEqualTo("s-1:1");
        assertThat(ledger.conversions.readValue().getConversionId()).isEqualTo("s-1:2");
        assertThat(ledger.payouts.isEmpty()).isTrue();
    }

    @Test
    void sumOfPayoutEventsFollowsEveryCorrection() {
        // Given
        acceptedAndPaid("s-1");

        // When it flips rejected, accepted, rejected, accepted
        String[] answers = {REJECTED, ACCEPTED, REJECTED, ACCEPTED};
        for (int i = 0; i < answers.length; i++) {
            ledger.responses.pipeInput("s-1", json("s-1", 2 + i, true, 200, answers[i]).build(),
                    T0.plusSeconds(10 + i));
        }

        // Then revisions 2..5, conversions and reversals alternate, and the money sums to the current payout
        List<LeadOutcome> corrections = ledger.outcomes.readValuesToList();
        assertThat(corrections).extracting(LeadOutcome::getRevision).containsExactly(2, 3, 4, 5);
        assertThat(ledger.conversions.readValuesToList()).extracting(ConversionRecorded::getConversionId)
                .containsExactly("s-1:3", "s-1:5");
        assertThat(ledger.reversals.readValuesToList()).extracting(ConversionReversed::getConversionId)
                .containsExactly("s-1:1", "s-1:3");
        BigDecimal sum = ledger.payouts.readValuesToList().stream().map(PayoutEvent::getAmount)
                .reduce(money("4.00"), BigDecimal::add);
        assertThat(sum).isEqualTo(corrections.get(3).getPayout());
    }

    private void acceptedAndPaid(String id) {
        ledger.leads.pipeInput(id, lead(id, T0), T0);
        ledger.responses.pipeInput(id, json(id, 1, true, 200, ACCEPTED).build(), T0.plusSeconds(1));
        LeadOutcome first = ledger.outcomes.readValue();
        assertThat(first.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(first.getCause()).isEqualTo(DecisionCause.FINAL_RESPONSE);
        assertThat(ledger.conversions.readValue().getConversionId()).isEqualTo(id + ":1");
        assertThat(ledger.payouts.readValue().getAmount()).isEqualTo(money("4.00"));
    }
}
