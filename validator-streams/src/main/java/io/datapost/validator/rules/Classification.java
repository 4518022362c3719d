package io.datapost.validator.rules;

import java.math.BigDecimal;

import io.datapost.schemas.Verdict;

/**
 * What the event type's rule concluded from one advertiser response, and what it extracted.
 *
 * @param verdict         ACCEPTED, REJECTED or ERROR (NO_RESPONSE is decided by the ledger, not here)
 * @param reason          why it was not accepted (advertiser's words when it gave some), else null
 * @param orderId         the advertiser's id for the lead, when extracted
 * @param amount          the price at scale 4: extracted, or the event type's default price when accepted
 *                        without one; null when neither exists
 * @param amountDefaulted true when {@code amount} is the event type's default price
 */
public record Classification(Verdict verdict, String reason, String orderId, BigDecimal amount,
        boolean amountDefaulted) {

    public static Classification error(String reason) {
        return new Classification(Verdict.ERROR, reason, null, null, false);
    }

    public static Classification rejected(String reason, String orderId, BigDecimal amount) {
        return new Classification(Verdict.REJECTED, reason, orderId, amount, false);
    }

    public boolean accepted() {
        return verdict == Verdict.ACCEPTED;
    }
}
