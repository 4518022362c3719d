package io.datapost.validator.ledger;

import java.math.BigDecimal;
import java.time.Instant;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;
import io.datapost.validator.rules.Classification;

/**
 * Builds the records the ledger emits for one decision. Ids are submissionId + ":" + revision; the one
 * exception is the reversal in the old currency when a correction also changes the payout currency
 * ({@link #REVERSAL_SUFFIX}).
 */
final class LedgerRecords {

    /** Suffix of the id of a payout reversal emitted next to a payment of the same revision. */
    static final String REVERSAL_SUFFIX = ":reversal";

    /** ISO 4217 code for "no currency involved": the currency of a conversion recorded without an amount. */
    static final String NO_CURRENCY = "XXX";

    private LedgerRecords() {
    }

    static String revisionId(String submissionId, int revision) {
        return submissionId + ":" + revision;
    }

    /** What a decision is made of, apart from the lead. */
    record Decided(int revision, Classification classification, String currency,
            PayoutCalculator.Payout payout, int attempts, FailureClass failureClass, DecisionCause cause,
            String requestId, Instant decidedAt) {
    }

    static LeadOutcome outcome(String submissionId, LedgerEntry.Lead lead, Decided d) {
        Classification c = d.classification();
        return LeadOutcome.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(lead.eventTypeId())
                .setPartnerId(lead.partnerId())
                .setRevision(d.revision())
                .setVerdict(c.verdict())
                .setReason(c.reason())
                .setOrderId(c.orderId())
                .setAmount(c.amount())
                .setCurrency(c.amount() == null ? null : d.currency())
                .setAmountDefaulted(c.amountDefaulted())
                .setPayout(d.payout() == null ? null : d.payout().amount())
                .setPayoutCurrency(d.payout() == null ? null : d.payout().currency())
                .setExtras(c.extras())
                .setAttempts(d.attempts())
                .setFailureClass(d.failureClass() == null ? FailureClass.NONE : d.failureClass())
                .setReceivedAt(Instant.ofEpochMilli(lead.receivedAt()))
                .setDecidedAt(d.decidedAt())
                .setCause(d.cause())
                .setRequestId(d.requestId())
                .build();
    }

    static Classification noResponse(LedgerEntry.Lead lead) {
        return new Classification(Verdict.NO_RESPONSE,
                "No final advertiser response by " + Instant.ofEpochMilli(lead.deadline()), null, null, false);
    }

    static ConversionRecorded conversion(LeadOutcome outcome) {
        return ConversionRecorded.newBuilder()
                .setConversionId(revisionId(outcome.getSubmissionId(), outcome.getRevision()))
                .setSubmissionId(outcome.getSubmissionId())
                .setEventTypeId(outcome.getEventTypeId())
                .setPartnerId(outcome.getPartnerId())
                .setRevision(outcome.getRevision())
                .setOrderId(outcome.getOrderId())
                // the contract needs an amount: an accepted lead with neither a price nor a default records 0
                .setAmount(conversionAmount(outcome))
                .setCurrency(conversionCurrency(outcome))
                .setAmountDefaulted(outcome.getAmountDefaulted())
                .setRecordedAt(outcome.getDecidedAt())
                .build();
    }

    /**
     * The reversal of the conversion recorded with {@code reversed} (the outcome that recorded it), by the
     * correction {@code by}.
     */
    static ConversionReversed reversal(String conversionId, LeadOutcome reversed, LeadOutcome by) {
        return ConversionReversed.newBuilder()
                .setReversalId(revisionId(by.getSubmissionId(), by.getRevision()))
                .setConversionId(conversionId)
                .setSubmissionId(by.getSubmissionId())
                .setEventTypeId(reversed.getEventTypeId())
                .setPartnerId(reversed.getPartnerId())
                .setRevision(by.getRevision())
                .setOrderId(reversed.getOrderId())
                .setAmount(conversionAmount(reversed))
                .setCurrency(conversionCurrency(reversed))
                .setReason(by.getVerdict() == Verdict.ACCEPTED
                        ? "Superseded by conversion " + revisionId(by.getSubmissionId(), by.getRevision())
                        : "Verdict is now " + by.getVerdict())
                .setReversedAt(by.getDecidedAt())
                .build();
    }

    private static BigDecimal conversionAmount(LeadOutcome outcome) {
        return outcome.getAmount() == null ? BigDecimal.ZERO.setScale(PayoutCalculator.MONEY_SCALE)
                : outcome.getAmount();
    }

    /** The amount's currency; the contract needs one even without an amount: ISO 4217 "XXX" (no currency). */
    private static String conversionCurrency(LeadOutcome outcome) {
        return outcome.getCurrency() != null ? outcome.getCurrency() : NO_CURRENCY;
    }

    static PayoutEvent payout(String payoutId, LeadOutcome outcome, BigDecimal amount, String currency,
            PayoutKind kind) {
        return PayoutEvent.newBuilder()
                .setPayoutId(payoutId)
                .setSubmissionId(outcome.getSubmissionId())
                .setPartnerId(outcome.getPartnerId())
                .setEventTypeId(outcome.getEventTypeId())
                .setRevision(outcome.getRevision())
                .setAmount(amount.setScale(PayoutCalculator.MONEY_SCALE))
                .setCurrency(currency)
                .setKind(kind)
                .setCreatedAt(outcome.getDecidedAt())
                .build();
    }
}
