package io.datapost.sink.store;

import java.math.BigDecimal;
import java.time.Instant;

/** One row of {@code lead_outcomes}: the verdict on a submission at one revision. */
public record OutcomeRevision(
        String submissionId,
        String eventTypeId,
        String partnerId,
        int revision,
        String verdict,
        String reason,
        String orderId,
        BigDecimal amount,
        String currency,
        boolean amountDefaulted,
        BigDecimal payout,
        int attempts,
        String failureClass,
        Instant receivedAt,
        Instant decidedAt,
        String payoutCurrency,
        String cause) {
}
