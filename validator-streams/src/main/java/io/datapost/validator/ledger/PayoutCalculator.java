package io.datapost.validator.ledger;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Optional;

import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;

/**
 * What a partner earns for one accepted lead, from its {@link PayoutTerm} for the event type: FIXED pays the
 * term's value, PERCENT pays value% of the extracted amount. Rounded HALF_EVEN to the currency's minor unit
 * (2 for USD, 0 for JPY), then carried at the contracts' money scale 4.
 */
public final class PayoutCalculator {

    static final int MONEY_SCALE = 4;

    public record Payout(BigDecimal amount, String currency) {
    }

    private PayoutCalculator() {
    }

    /** Empty when the partner (or its term for this event type) is unknown, or the term's kind is. */
    public static Optional<Payout> payout(Partner partner, String eventTypeId, BigDecimal amount) {
        return term(partner, eventTypeId).flatMap(term -> payout(term, amount));
    }

    /** The partner's term for the event type, as the ledger keeps it. */
    static Optional<LedgerEntry.Term> term(Partner partner, String eventTypeId) {
        if (partner == null || partner.getPayouts() == null) {
            return Optional.empty();
        }
        return partner.getPayouts().stream()
                .filter(term -> eventTypeId.equals(term.getEventTypeId()))
                .findFirst()
                .map(t -> new LedgerEntry.Term(t.getKind(), t.getValue(), t.getCurrency()));
    }

    /** Empty for a term of unknown kind. */
    static Optional<Payout> payout(LedgerEntry.Term term, BigDecimal amount) {
        return compute(term.kind(), term.value(), term.currency(), amount)
                .map(value -> new Payout(value, term.currency()));
    }

    static Optional<BigDecimal> compute(PayoutTerm term, BigDecimal amount) {
        return compute(term.getKind(), term.getValue(), term.getCurrency(), amount);
    }

    private static Optional<BigDecimal> compute(PayoutTermKind kind, BigDecimal value, String currency,
            BigDecimal amount) {
        if (kind == null || value == null) {
            return Optional.empty();
        }
        BigDecimal raw = switch (kind) {
            case FIXED -> value;
            // a PERCENT of nothing is nothing: an accepted lead without amount and default price earns 0
            case PERCENT -> (amount == null ? BigDecimal.ZERO : amount).multiply(value).movePointLeft(2);
            default -> null;
        };
        if (raw == null) {
            return Optional.empty();
        }
        return Optional.of(raw.setScale(minorUnits(currency), RoundingMode.HALF_EVEN)
                .setScale(MONEY_SCALE, RoundingMode.HALF_EVEN));
    }

    /** ISO 4217 minor unit; currencies without one (or unknown codes) keep the full money scale. */
    static int minorUnits(String currencyCode) {
        try {
            int digits = Currency.getInstance(currencyCode).getDefaultFractionDigits();
            return digits < 0 ? MONEY_SCALE : Math.min(digits, MONEY_SCALE);
        } catch (IllegalArgumentException | NullPointerException e) {
            return MONEY_SCALE;
        }
    }
}
