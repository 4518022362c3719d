package io.datapost.validator.rules;

import java.math.BigDecimal;
import java.util.Map;

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
 * @param extras          the event type's named extra values that the answer carried
 * @param cause           what decided the verdict (tells a misconfigured event type from a failing advertiser)
 */
public record Classification(Verdict verdict, String reason, String orderId, BigDecimal amount,
        boolean amountDefaulted, Map<String, String> extras, Cause cause) {

    /** What decided a verdict. */
    public enum Cause {
        /** a verdict clause (or the simple rule) held */
        RULE,
        /** no verdict clause held: the rule's {@code otherwise} */
        NO_MATCH,
        /** the rule needed the body and it did not parse (or was refused: a DTD) */
        UNREADABLE_BODY,
        /** an expression of the rule is malformed */
        INVALID_RULE,
        /** the advertiser answered 5xx or 429 */
        SERVER_ERROR,
        /** no HTTP answer: connect failure, timeout, I/O */
        TRANSPORT,
        /** decided without the rule (e.g. the ledger's NO_RESPONSE, or no event type) */
        OTHER
    }

    public Classification {
        extras = extras == null ? Map.of() : Map.copyOf(extras);
        cause = cause == null ? Cause.OTHER : cause;
    }

    public Classification(Verdict verdict, String reason, String orderId, BigDecimal amount,
            boolean amountDefaulted) {
        this(verdict, reason, orderId, amount, amountDefaulted, Map.of(), Cause.OTHER);
    }

    public static Classification error(String reason) {
        return new Classification(Verdict.ERROR, reason, null, null, false, Map.of(), Cause.OTHER);
    }

    static Classification error(String reason, Cause cause) {
        return new Classification(Verdict.ERROR, reason, null, null, false, Map.of(), cause);
    }

    public static Classification rejected(String reason, String orderId, BigDecimal amount) {
        return new Classification(Verdict.REJECTED, reason, orderId, amount, false, Map.of(), Cause.RULE);
    }

    public boolean accepted() {
        return verdict == Verdict.ACCEPTED;
    }

    /** An ERROR that says more about the event type than about the advertiser: nothing matched or parsed. */
    public boolean suggestsMisconfiguration() {
        return verdict == Verdict.ERROR
                && (cause == Cause.NO_MATCH || cause == Cause.UNREADABLE_BODY || cause == Cause.INVALID_RULE);
    }
}
