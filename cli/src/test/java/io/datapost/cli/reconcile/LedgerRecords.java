package io.datapost.cli.reconcile;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;

/** Records shaped as the validator writes them (ids: submissionId + ':' + revision). */
final class LedgerRecords {

    static final String EVENT_TYPE = "insurance-quote";
    static final String PARTNER = "demo-partner";
    static final Instant AT = Instant.parse("2031-06-01T12:00:00Z");

    private LedgerRecords() {
    }

    static BigDecimal money(String amount) {
        return new BigDecimal(amount).setScale(4, RoundingMode.HALF_EVEN);
    }

    static LeadOutcome outcome(String id, int revision, Verdict verdict, String payout) {
        return LeadOutcome.newBuilder()
                .setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER).setRevision(revision)
                .setVerdict(verdict)
                .setOrderId(verdict == Verdict.ACCEPTED ? "order-" + id : null)
                .setAmount(verdict == Verdict.ACCEPTED ? money("12.50") : null)
                .setCurrency(verdict == Verdict.ACCEPTED ? "USD" : null)
                .setPayout(payout == null ? null : money(payout))
                .setPayoutCurrency(payout == null ? null : "USD")
                .setAttempts(1).setFailureClass(FailureClass.NONE)
                .setReceivedAt(AT.minusSeconds(5)).setDecidedAt(AT.plusSeconds(revision))
                .setCause(revision == 1 ? DecisionCause.FINAL_RESPONSE : DecisionCause.NEW_RESPONSE)
                .build();
    }

    static ConversionRecorded conversion(String id, int revision) {
        return ConversionRecorded.newBuilder()
                .setConversionId(id + ":" + revision).setSubmissionId(id).setEventTypeId(EVENT_TYPE)
                .setPartnerId(PARTNER).setRevision(revision).setOrderId("order-" + id).setAmount(money("12.50"))
                .setCurrency("USD").setRecordedAt(AT.plusSeconds(revision)).build();
    }

    static ConversionReversed reversal(String id, int conversionRevision, int revision) {
        return ConversionReversed.newBuilder()
                .setReversalId(id + ":" + revision).setConversionId(id + ":" + conversionRevision)
                .setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER).setRevision(revision)
                .setOrderId("order-" + id).setAmount(money("12.50")).setCurrency("USD")
                .setReason("Verdict is now REJECTED").setReversedAt(AT.plusSeconds(revision)).build();
    }

    static PayoutEvent payout(String id, int revision, String amount, PayoutKind kind) {
        return PayoutEvent.newBuilder()
                .setPayoutId(id + ":" + revision).setSubmissionId(id).setPartnerId(PARTNER)
                .setEventTypeId(EVENT_TYPE).setRevision(revision).setAmount(money(amount)).setCurrency("USD")
                .setKind(kind).setCreatedAt(AT.plusSeconds(revision)).build();
    }
}
