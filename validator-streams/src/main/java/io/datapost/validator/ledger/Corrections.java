package io.datapost.validator.ledger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;

/**
 * What changes when a submission is decided again. Pure functions: the ledger feeds them the outcome in force
 * and the new one.
 *
 * <p>Money: the ledger remembers the sum of the payout events it emitted for a submission ({@code paid}) and
 * emits only the difference to the new payout, so the sum of a submission's payout events is always its
 * current payout (0 when it has none):
 * <ul>
 * <li>nothing paid, something owed: PAYMENT of it;</li>
 * <li>something paid, nothing owed: REVERSAL of all of it (negative);</li>
 * <li>both, same currency, different amounts: ADJUSTMENT by the difference (signed);</li>
 * <li>both, different currencies: REVERSAL of the old in the old currency (id suffixed
 * {@link LedgerRecords#REVERSAL_SUFFIX}), then PAYMENT of the new.</li>
 * </ul>
 */
final class Corrections {

    private Corrections() {
    }

    /**
     * True when the two outcomes say the same about the submission: verdict, reason, extracted values and
     * payout. Revision, times, attempts, failure class and cause describe how it was decided, not what, so a
     * repeated answer or a reclassification that reaches the same decision changes nothing.
     */
    static boolean sameDecision(LeadOutcome before, LeadOutcome after) {
        return before.getVerdict() == after.getVerdict()
                && Objects.equals(before.getReason(), after.getReason())
                && sameConversion(before, after)
                && sameMoney(before.getPayout(), after.getPayout())
                && Objects.equals(before.getPayoutCurrency(), after.getPayoutCurrency())
                && Objects.equals(before.getExtras(), after.getExtras());
    }

    /** True when a conversion recorded from {@code before} still describes {@code after}. */
    static boolean sameConversion(LeadOutcome before, LeadOutcome after) {
        return Objects.equals(before.getOrderId(), after.getOrderId())
                && sameMoney(before.getAmount(), after.getAmount())
                && Objects.equals(before.getCurrency(), after.getCurrency())
                && before.getAmountDefaulted() == after.getAmountDefaulted();
    }

    private static boolean sameMoney(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }

    /**
     * The payout events that take a submission from {@code paid} (null: nothing) to {@code owed} (null:
     * nothing), attributed to the correction {@code outcome}.
     */
    static List<PayoutEvent> payoutEvents(LeadOutcome outcome, BigDecimal paid, String paidCurrency,
            PayoutCalculator.Payout owed) {
        boolean hadPaid = paid != null && paid.signum() != 0;
        boolean owes = owed != null && owed.amount().signum() != 0;
        String id = LedgerRecords.revisionId(outcome.getSubmissionId(), outcome.getRevision());
        List<PayoutEvent> events = new ArrayList<>(2);
        if (!hadPaid && owes) {
            events.add(LedgerRecords.payout(id, outcome, owed.amount(), owed.currency(), PayoutKind.PAYMENT));
        } else if (hadPaid && !owes) {
            events.add(LedgerRecords.payout(id, outcome, paid.negate(), paidCurrency, PayoutKind.REVERSAL));
        } else if (hadPaid) {
            if (Objects.equals(paidCurrency, owed.currency())) {
                BigDecimal difference = owed.amount().subtract(paid);
                if (difference.signum() != 0) {
                    events.add(LedgerRecords.payout(id, outcome, difference, owed.currency(),
                            PayoutKind.ADJUSTMENT));
                }
            } else {
                events.add(LedgerRecords.payout(id + LedgerRecords.REVERSAL_SUFFIX, outcome, paid.negate(),
                        paidCurrency, PayoutKind.REVERSAL));
                events.add(LedgerRecords.payout(id, outcome, owed.amount(), owed.currency(), PayoutKind.PAYMENT));
            }
        }
        return events;
    }
}
