package io.datapost.validator.ledger;

import java.math.BigDecimal;
import java.time.Instant;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;
import io.datapost.validator.rules.Classification;

/** Builds the records the ledger emits for one decision. Ids are submissionId + ":" + revision. */
final class LedgerRecords {

    private LedgerRecords() {
    }

    static String revisionId(String submissionId, int revision) {
        return submissionId + ":" + revision;
    }

    static LeadOutcome outcome(String submissionId, LedgerEntry.Lead lead, int revision, Classification classification,
            String currency, BigDecimal payout, int attempts, FailureClass failureClass, Instant decidedAt) {
        return LeadOutcome.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(lead.eventTypeId())
                .setPartnerId(lead.partnerId())
                .setRevision(revision)
                .setVerdict(classification.verdict())
                .setReason(classification.reason())
                .setOrderId(classification.orderId())
                .setAmount(classification.amount())
                .setCurrency(classification.amount() == null ? null : currency)
                .setAmountDefaulted(classification.amountDefaulted())
                .setPayout(payout)
                .setAttempts(attempts)
                .setFailureClass(failureClass == null ? FailureClass.NONE : failureClass)
                .setReceivedAt(Instant.ofEpochMilli(lead.receivedAt()))
                .setDecidedAt(decidedAt)
                .build();
    }

    static LeadOutcome noResponse(String submissionId, LedgerEntry.Lead lead, int attempts, FailureClass lastFailure,
            Instant decidedAt) {
        Classification none = new Classification(Verdict.NO_RESPONSE,
                "No final advertiser response by " + Instant.ofEpochMilli(lead.deadline()), null, null, false);
        return outcome(submissionId, lead, 1, none, null, null, attempts, lastFailure, decidedAt);
    }

    static ConversionRecorded conversion(String submissionId, LedgerEntry.Lead lead, int revision,
            Classification classification, String currency, Instant recordedAt) {
        return ConversionRecorded.newBuilder()
                .setConversionId(revisionId(submissionId, revision))
                .setSubmissionId(submissionId)
                .setEventTypeId(lead.eventTypeId())
                .setPartnerId(lead.partnerId())
                .setRevision(revision)
                .setOrderId(classification.orderId())
                // the contract needs an amount: an accepted lead with neither a price nor a default records 0
                .setAmount(classification.amount() == null ? BigDecimal.ZERO.setScale(4) : classification.amount())
                .setCurrency(currency)
                .setAmountDefaulted(classification.amountDefaulted())
                .setRecordedAt(recordedAt)
                .build();
    }

    static PayoutEvent payment(String submissionId, LedgerEntry.Lead lead, int revision,
            PayoutCalculator.Payout payout, Instant createdAt) {
        return PayoutEvent.newBuilder()
                .setPayoutId(revisionId(submissionId, revision))
                .setSubmissionId(submissionId)
                .setPartnerId(lead.partnerId())
                .setEventTypeId(lead.eventTypeId())
                .setRevision(revision)
                .setAmount(payout.amount())
                .setCurrency(payout.currency())
                .setKind(PayoutKind.PAYMENT)
                .setCreatedAt(createdAt)
                .build();
    }
}
