package io.datapost.cli.reconcile;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Compares what the topics say with what the database holds, submission by submission, and checks the money
 * invariant on the topics themselves (the sum of a submission's payout events is its current payout).
 */
final class Reconciliation {

    /** One thing that does not agree about one submission. */
    record Disagreement(String submissionId, String aspect, String topics, String database) {

        @Override
        public String toString() {
            return submissionId + " " + aspect + ": topics " + topics + ", database " + database;
        }
    }

    static final String OUTCOME = "outcome";
    static final String CONVERSION = "conversion";
    static final String PAYOUT = "payout";
    static final String INVARIANT = "payout-invariant";

    private Reconciliation() {
    }

    /** Every disagreement, ordered by submission id. */
    static List<Disagreement> compare(Books topics, Books database) {
        Set<String> ids = new TreeSet<>(topics.submissionIds());
        ids.addAll(database.submissionIds());
        List<Disagreement> found = new ArrayList<>();
        for (String id : ids) {
            Books.Entry t = topics.get(id);
            Books.Entry d = database.get(id);
            String tOutcome = outcome(t);
            String dOutcome = outcome(d);
            if (!tOutcome.equals(dOutcome)) {
                found.add(new Disagreement(id, OUTCOME, tOutcome, dOutcome));
            }
            String tConversions = conversions(t);
            String dConversions = conversions(d);
            if (!tConversions.equals(dConversions)) {
                found.add(new Disagreement(id, CONVERSION, tConversions, dConversions));
            }
            String tPaid = paid(t);
            String dPaid = paid(d);
            if (!tPaid.equals(dPaid)) {
                found.add(new Disagreement(id, PAYOUT, tPaid, dPaid));
            }
            if (t != null && !tPaid.equals(owed(t))) {
                found.add(new Disagreement(id, INVARIANT, "paid " + tPaid + " but the current payout is " + owed(t),
                        "-"));
            }
        }
        return found;
    }

    private static String outcome(Books.Entry entry) {
        return entry == null || !entry.hasOutcome() ? "no outcome" : "revision " + entry.revision + " " + entry.verdict;
    }

    private static String conversions(Books.Entry entry) {
        return entry == null || entry.conversions.isEmpty() ? "no standing conversion"
                : "standing " + String.join(",", entry.conversions);
    }

    private static String paid(Books.Entry entry) {
        return entry == null ? money(Map.of()) : money(entry.nonZeroPaid());
    }

    /**
     * The current payout as a sum per currency. An outcome written before LeadOutcome v2 has no payout currency:
     * then the payouts' own currency is assumed (the single one they use).
     */
    private static String owed(Books.Entry entry) {
        if (entry.payout == null || entry.payout.signum() == 0) {
            return money(Map.of());
        }
        String currency = entry.payoutCurrency;
        if (currency == null && entry.paid.size() == 1) {
            currency = entry.paid.keySet().iterator().next();
        }
        return money(Map.of(Objects.requireNonNullElse(currency, "?"), entry.payout));
    }

    static String money(Map<String, BigDecimal> sums) {
        if (sums.isEmpty()) {
            return "0";
        }
        return new TreeMap<>(sums).entrySet().stream()
                .map(e -> e.getValue().setScale(4, RoundingMode.HALF_EVEN).toPlainString() + " " + e.getKey())
                .collect(Collectors.joining(" + "));
    }
}
