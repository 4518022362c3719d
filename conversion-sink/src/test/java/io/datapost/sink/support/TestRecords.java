package io.datapost.sink.support;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.security.ApiKeyHasher;

/** Records as the validator and `datapost config apply` would publish them. */
public final class TestRecords {

    public static final String EVENT_TYPE = "insurance-quote";
    public static final String DEMO_PARTNER = "demo-partner";
    public static final String DEMO_KEY = "demo-key-1";
    public static final String OTHER_PARTNER = "other-partner";
    public static final String OTHER_KEY = "other-key-1";

    private TestRecords() {
    }

    public static String newSubmissionId() {
        return "sub-" + UUID.randomUUID();
    }

    public static BigDecimal money(String amount) {
        return new BigDecimal(amount).setScale(4, RoundingMode.HALF_EVEN);
    }

    public static Partner partner(String id, String apiKey) {
        return Partner.newBuilder()
                .setId(id)
                .setName(id)
                .setActive(true)
                .setApiKeyHashes(List.of(ApiKeyHasher.hash(apiKey)))
                .setPayouts(List.of())
                .build();
    }

    public static LeadOutcome accepted(String submissionId, String partnerId, int revision, String payout,
            Instant decidedAt) {
        return LeadOutcome.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(EVENT_TYPE)
                .setPartnerId(partnerId)
                .setRevision(revision)
                .setVerdict(Verdict.ACCEPTED)
                .setReason(null)
                .setOrderId("order-" + revision)
                .setAmount(money("12.50"))
                .setCurrency("USD")
                .setAmountDefaulted(false)
                .setPayout(money(payout))
                .setExtras(Map.of("plan", "gold"))
                .setAttempts(1)
                .setFailureClass(FailureClass.NONE)
                .setReceivedAt(decidedAt.minusSeconds(2))
                .setDecidedAt(decidedAt)
                .setPayoutCurrency("USD")
                .setCause(revision == 1 ? DecisionCause.FINAL_RESPONSE : DecisionCause.NEW_RESPONSE)
                .build();
    }

    public static LeadOutcome rejected(String submissionId, String partnerId, int revision, String reason,
            Instant decidedAt) {
        return LeadOutcome.newBuilder(accepted(submissionId, partnerId, revision, "0", decidedAt))
                .setVerdict(Verdict.REJECTED)
                .setReason(reason)
                .setOrderId(null)
                .setAmount(null)
                .setCurrency(null)
                .setPayout(null)
                .setPayoutCurrency(null)
                .build();
    }

    public static ConversionRecorded conversion(String submissionId, String partnerId, int revision,
            Instant recordedAt) {
        return ConversionRecorded.newBuilder()
                .setConversionId(submissionId + ":" + revision)
                .setSubmissionId(submissionId)
                .setEventTypeId(EVENT_TYPE)
                .setPartnerId(partnerId)
                .setRevision(revision)
                .setOrderId("order-" + revision)
                .setAmount(money("12.50"))
                .setCurrency("USD")
                .setAmountDefaulted(false)
                .setRecordedAt(recordedAt)
                .build();
    }

    public static ConversionReversed reversal(String submissionId, String partnerId, int conversionRevision,
            int revision, Instant reversedAt) {
        return ConversionReversed.newBuilder()
                .setReversalId(submissionId + ":" + revision)
                .setConversionId(submissionId + ":" + conversionRevision)
                .setSubmissionId(submissionId)
                .setEventTypeId(EVENT_TYPE)
                .setPartnerId(partnerId)
                .setRevision(revision)
                .setOrderId("order-" + conversionRevision)
                .setAmount(money("12.50"))
                .setCurrency("USD")
                .setReason("Verdict is now REJECTED")
                .setReversedAt(reversedAt)
                .build();
    }

    public static PayoutEvent payout(String submissionId, String partnerId, int revision, String amount,
            PayoutKind kind, Instant createdAt) {
        return PayoutEvent.newBuilder()
                .setPayoutId(submissionId + ":" + revision)
                .setSubmissionId(submissionId)
                .setPartnerId(partnerId)
                .setEventTypeId(EVENT_TYPE)
                .setRevision(revision)
                .setAmount(money(amount))
                .setCurrency("USD")
                .setKind(kind)
                .setCreatedAt(createdAt)
                .build();
    }
}
