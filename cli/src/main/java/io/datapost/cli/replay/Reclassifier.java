package io.datapost.cli.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.Verdict;
import io.datapost.validator.ledger.PayoutCalculator;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.VerdictClassifier;

/**
 * Decides one stored answer again, locally, with the current event type rule (the validator's own
 * {@link VerdictClassifier}) and compares the result with the outcome in force, the way the validator's ledger
 * does: verdict, reason, order id, amount (and its currency and defaulted flag), extras and payout. Pure: no I/O.
 */
final class Reclassifier {

    private static final int MONEY_SCALE = 4;

    /** What a replay would do with one answer. */
    record Result(Kind kind, String partnerId, Verdict before, Verdict after, String payoutCurrency,
            BigDecimal payoutDelta) {

        boolean changed() {
            return kind == Kind.CHANGED;
        }
    }

    enum Kind {
        /** The answer decides differently now: a correction follows. */
        CHANGED,
        /** Same decision: nothing happens. */
        UNCHANGED,
        /** Not the answer that decided the outcome in force (an older or repeated final response). */
        NOT_DECIDING,
        /** No outcome yet (the validator will use the current rules when it decides). */
        UNDECIDED,
        /** Filtered out by --event-type / --partner. */
        FILTERED
    }

    private final VerdictClassifier classifier = new VerdictClassifier();
    private final Function<String, EventType> eventTypes;
    private final Function<String, Partner> partners;
    private final String eventTypeFilter;
    private final String partnerFilter;

    Reclassifier(Function<String, EventType> eventTypes, Function<String, Partner> partners, String eventTypeFilter,
            String partnerFilter) {
        this.eventTypes = eventTypes;
        this.partners = partners;
        this.eventTypeFilter = eventTypeFilter;
        this.partnerFilter = partnerFilter;
    }

    /**
     * @param response a final response
     * @param current the submission's outcome in force (highest revision), null if none
     */
    Result reclassify(AdvertiserResponse response, LeadOutcome current) {
        if (current == null) {
            return new Result(Kind.UNDECIDED, response.getPartnerId(), null, null, null, BigDecimal.ZERO);
        }
        if ((eventTypeFilter != null && !eventTypeFilter.equals(current.getEventTypeId()))
                || (partnerFilter != null && !partnerFilter.equals(current.getPartnerId()))) {
            return new Result(Kind.FILTERED, current.getPartnerId(), current.getVerdict(), null, null, BigDecimal.ZERO);
        }
        if (current.getVerdict() == Verdict.NO_RESPONSE || current.getAttempts() != response.getAttempt()) {
            return new Result(Kind.NOT_DECIDING, current.getPartnerId(), current.getVerdict(), null, null,
                    BigDecimal.ZERO);
        }
        EventType eventType = eventTypes.apply(current.getEventTypeId());
        Classification c = eventType == null
                ? Classification.error("Event type " + current.getEventTypeId() + " is not configured")
                : classifier.classify(eventType, response);
        String currency = c.amount() == null || eventType == null ? null : eventType.getCurrency();

        BigDecimal oldPayout = current.getPayout();
        BigDecimal newPayout = null;
        String newPayoutCurrency = null;
        if (c.accepted()) {
            if (oldPayout != null && oldPayout.signum() != 0 && sameMoney(current.getAmount(), c.amount())) {
                // the validator keeps the term it paid by: same amount, same payout
                newPayout = oldPayout;
                newPayoutCurrency = current.getPayoutCurrency();
            } else {
                PayoutCalculator.Payout payout = PayoutCalculator.payout(partners.apply(current.getPartnerId()),
                        current.getEventTypeId(), c.amount()).orElse(null);
                if (payout != null) {
                    newPayout = payout.amount();
                    newPayoutCurrency = payout.currency();
                }
            }
        }
        boolean same = current.getVerdict() == c.verdict()
                && Objects.equals(current.getReason(), c.reason())
                && Objects.equals(current.getOrderId(), c.orderId())
                && sameMoney(current.getAmount(), c.amount())
                && Objects.equals(current.getCurrency(), currency)
                && current.getAmountDefaulted() == c.amountDefaulted()
                && Objects.equals(extras(current.getExtras()), extras(c.extras()))
                && sameMoney(oldPayout, newPayout)
                && (newPayout == null || Objects.equals(current.getPayoutCurrency(), newPayoutCurrency));
        if (same) {
            return new Result(Kind.UNCHANGED, current.getPartnerId(), current.getVerdict(), c.verdict(), null,
                    BigDecimal.ZERO);
        }
        String deltaCurrency = newPayoutCurrency != null ? newPayoutCurrency : current.getPayoutCurrency();
        BigDecimal delta = orZero(newPayout).subtract(orZero(oldPayout)).setScale(MONEY_SCALE, RoundingMode.HALF_EVEN);
        return new Result(Kind.CHANGED, current.getPartnerId(), current.getVerdict(), c.verdict(),
                delta.signum() == 0 ? null : deltaCurrency, delta);
    }

    private static Map<String, String> extras(Map<String, String> extras) {
        return extras == null ? Map.of() : extras;
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }

    private static boolean sameMoney(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }
}
