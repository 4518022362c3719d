package io.datapost.cli.reconcile;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one side (the topics, or the database) says about every submission: its current outcome, the
 * conversions that stand, and the sum of its payout events per currency. Both readers fill one of these, so the
 * comparison is side-agnostic.
 */
final class Books {

    /** One submission as one side sees it. */
    static final class Entry {
        String partnerId;
        int revision;
        String verdict;
        BigDecimal payout;
        String payoutCurrency;
        final Set<String> conversions = new TreeSet<>();
        final Map<String, BigDecimal> paid = new TreeMap<>();

        boolean hasOutcome() {
            return verdict != null;
        }

        /** The sum per currency, without currencies that sum to zero. */
        Map<String, BigDecimal> nonZeroPaid() {
            Map<String, BigDecimal> sums = new TreeMap<>();
            paid.forEach((currency, sum) -> {
                if (sum.signum() != 0) {
                    sums.put(currency, sum);
                }
            });
            return sums;
        }
    }

    private final Map<String, Entry> entries = new HashMap<>();

    Entry entry(String submissionId) {
        return entries.computeIfAbsent(submissionId, id -> new Entry());
    }

    Entry get(String submissionId) {
        return entries.get(submissionId);
    }

    Collection<String> submissionIds() {
        return entries.keySet();
    }

    int size() {
        return entries.size();
    }

    /** Keeps the highest revision seen (records may be read in any order across partitions). */
    void outcome(String submissionId, String partnerId, int revision, String verdict, BigDecimal payout,
            String payoutCurrency) {
        Entry entry = entry(submissionId);
        if (entry.verdict == null || revision > entry.revision) {
            entry.partnerId = partnerId;
            entry.revision = revision;
            entry.verdict = verdict;
            entry.payout = payout;
            entry.payoutCurrency = payoutCurrency;
        }
    }

    void conversionStands(String submissionId, String conversionId) {
        entry(submissionId).conversions.add(conversionId);
    }

    void conversionReversed(String submissionId, String conversionId) {
        entry(submissionId).conversions.remove(conversionId);
    }

    void paid(String submissionId, String currency, BigDecimal amount) {
        entry(submissionId).paid.merge(currency, amount, BigDecimal::add);
    }

    /** Net paid per "partner currency" (payments minus reversals), over every submission. */
    Map<String, BigDecimal> netPaidByPartner() {
        Map<String, BigDecimal> totals = new TreeMap<>();
        entries.values().forEach(entry -> entry.paid.forEach((currency, sum) -> totals.merge(
                (entry.partnerId == null ? "(no outcome)" : entry.partnerId) + " " + currency, sum,
                BigDecimal::add)));
        return totals;
    }

    /** Submissions per current verdict. */
    Map<String, Long> verdictCounts() {
        Map<String, Long> counts = new TreeMap<>();
        entries.values().stream().filter(Entry::hasOutcome).forEach(e -> counts.merge(e.verdict, 1L, Long::sum));
        return counts;
    }
}
