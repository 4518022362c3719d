package io.datapost.cli.demo;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.datapost.cli.advertiser.SampleAdvertiser;
import io.datapost.cli.demo.OutcomeStore.OutcomeRow;
import io.datapost.cli.demo.OutcomeStore.PayoutTotal;
import io.datapost.cli.demo.OutcomeStore.VerdictCount;

/**
 * The demo's verdict on a run: what was posted, what ingest refused, what the pipeline decided and paid, how
 * long it took from post to outcome row, the same totals as PostgreSQL computes them, and the checks that
 * must hold: every lead ingest accepted has exactly one outcome row, and the payouts add up to the accepted
 * leads times the partner's fixed payout.
 */
final class DemoReport {

    record Check(String description, boolean passed, List<String> details) {
    }

    private final List<Posting> postings;
    private final List<OutcomeRow> rows;
    private final List<VerdictCount> dbVerdicts;
    private final List<PayoutTotal> dbPayouts;
    private final SampleAdvertiser.Stats advertiser;
    private final BigDecimal payoutPerAccepted;
    private final String currency;

    private final Set<String> submissions = new LinkedHashSet<>();
    private final Map<String, List<OutcomeRow>> rowsBySubmission;
    private final Map<String, OutcomeRow> current = new LinkedHashMap<>();

    DemoReport(List<Posting> postings, List<OutcomeRow> rows, List<VerdictCount> dbVerdicts,
            List<PayoutTotal> dbPayouts, SampleAdvertiser.Stats advertiser, BigDecimal payoutPerAccepted,
            String currency) {
        this.postings = postings;
        this.rows = rows;
        this.dbVerdicts = dbVerdicts;
        this.dbPayouts = dbPayouts;
        this.advertiser = advertiser;
        this.payoutPerAccepted = payoutPerAccepted;
        this.currency = currency;
        postings.stream().filter(Posting::acceptedByIngest).forEach(p -> submissions.add(p.submissionId()));
        rowsBySubmission = rows.stream().collect(Collectors.groupingBy(OutcomeRow::submissionId, TreeMap::new,
                Collectors.toList()));
        rowsBySubmission.forEach((id, list) -> current.put(id,
                list.stream().max(Comparator.comparingInt(OutcomeRow::revision)).orElseThrow()));
    }

    long acceptedByIngest() {
        return postings.stream().filter(Posting::acceptedByIngest).count();
    }

    /** Non-202 answers by status; {@link Posting#NO_RESPONSE} for leads that never got one. */
    Map<Integer, Long> refusedByStatus() {
        return postings.stream().filter(p -> !p.acceptedByIngest())
                .collect(Collectors.groupingBy(Posting::status, TreeMap::new, Collectors.counting()));
    }

    long verdicts(String verdict) {
        return current.values().stream().filter(r -> verdict.equals(r.verdict())).count();
    }

    Map<String, Long> rejectedByReason() {
        return current.values().stream().filter(r -> "REJECTED".equals(r.verdict()))
                .collect(Collectors.groupingBy(r -> Objects.requireNonNullElse(r.reason(), "(no reason)"),
                        TreeMap::new, Collectors.counting()));
    }

    BigDecimal paidTotal() {
        return dbPayouts.stream().map(PayoutTotal::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("ingest accepted at least one lead", acceptedByIngest() > 0, List.of()));
        List<String> missing = submissions.stream().filter(id -> !rowsBySubmission.containsKey(id)).toList();
        checks.add(new Check("every one of the " + submissions.size() + " submissions ingest accepted has an "
                + "outcome row", missing.isEmpty(), describe(missing, "no outcome row for")));
        List<String> repeated = rowsBySubmission.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + " (" + e.getValue().size() + " rows)").toList();
        checks.add(new Check("no submission has more than one outcome row", repeated.isEmpty(),
                describe(repeated, "more than one row:")));
        long accepted = verdicts("ACCEPTED");
        BigDecimal expected = payoutPerAccepted.multiply(BigDecimal.valueOf(accepted));
        List<PayoutTotal> otherCurrency = dbPayouts.stream().filter(t -> !currency.equals(t.currency())).toList();
        boolean paidRight = paidTotal().compareTo(expected) == 0 && otherCurrency.isEmpty();
        checks.add(new Check("payouts " + plain(paidTotal()) + " " + currency + " == " + accepted + " accepted x "
                + plain(payoutPerAccepted) + " " + currency + " (" + plain(expected) + ")", paidRight,
                otherCurrency.stream().map(t -> "payouts in " + t.currency() + ": " + plain(t.amount())).toList()));
        checks.add(new Check("totals computed by PostgreSQL match the rows", sqlTotalsMatchRows(), List.of()));
        return checks;
    }

    private boolean sqlTotalsMatchRows() {
        Map<String, Long> fromRows = rows.stream().collect(Collectors.groupingBy(
                r -> r.verdict() + "|" + Objects.requireNonNullElse(r.reason(), ""), Collectors.counting()));
        Map<String, Long> fromSql = dbVerdicts.stream().collect(Collectors.toMap(
                v -> v.verdict() + "|" + Objects.requireNonNullElse(v.reason(), ""), VerdictCount::count, Long::sum));
        return fromRows.equals(fromSql);
    }

    /** Post to outcome row: the row's written_at minus the time the lead was first sent. */
    List<Duration> latencies() {
        Map<String, Posting> bySubmission = new LinkedHashMap<>();
        postings.stream().filter(Posting::acceptedByIngest).forEach(p -> bySubmission.putIfAbsent(p.submissionId(), p));
        List<Duration> latencies = new ArrayList<>();
        rowsBySubmission.forEach((id, list) -> {
            Posting posting = bySubmission.get(id);
            if (posting != null) {
                OutcomeRow first = list.stream().min(Comparator.comparing(OutcomeRow::writtenAt)).orElseThrow();
                latencies.add(Duration.between(posting.postedAt(), first.writtenAt()));
            }
        });
        latencies.sort(Comparator.naturalOrder());
        return latencies;
    }

    static Duration percentile(List<Duration> sorted, double percent) {
        if (sorted.isEmpty()) {
            return Duration.ZERO;
        }
        int index = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** Prints the summary and the checks; returns true when every check passed. */
    boolean print(PrintWriter out) {
        out.println();
        out.println("summary");
        out.printf("  %-34s %6d%n", "posted", postings.size());
        Map<Integer, Long> refused = refusedByStatus();
        long noResponse = refused.getOrDefault(Posting.NO_RESPONSE, 0L);
        long refusedCount = refused.entrySet().stream().filter(e -> e.getKey() != Posting.NO_RESPONSE)
                .mapToLong(Map.Entry::getValue).sum();
        out.printf("  %-34s %6d  %s%n", "refused at ingest", refusedCount, refused.entrySet().stream()
                .filter(e -> e.getKey() != Posting.NO_RESPONSE)
                .map(e -> "HTTP " + e.getKey() + " x " + e.getValue()).collect(Collectors.joining(", ")));
        out.printf("  %-34s %6d%n", "no response from ingest", noResponse);
        out.printf("  %-34s %6d%n", "accepted by ingest (202)", acceptedByIngest());
        out.printf("  %-34s %6d%n", "outcome rows in PostgreSQL", rows.size());
        out.printf("  %-34s %6d%n", "  ACCEPTED", verdicts("ACCEPTED"));
        out.printf("  %-34s %6d%n", "  REJECTED", verdicts("REJECTED"));
        rejectedByReason().forEach((reason, count) -> out.printf("  %-34s %6d%n", "    " + reason, count));
        out.printf("  %-34s %6d%n", "  ERROR (advertiser failed)", verdicts("ERROR"));
        out.printf("  %-34s %6d%n", "  NO_RESPONSE (deadline passed)", verdicts("NO_RESPONSE"));
        out.println("  payout per partner (lead_outcomes.payout)");
        current.values().stream().filter(r -> r.payout() != null)
                .collect(Collectors.groupingBy(OutcomeRow::partnerId, TreeMap::new,
                        Collectors.reducing(BigDecimal.ZERO, OutcomeRow::payout, BigDecimal::add)))
                .forEach((partner, total) -> out.printf("    %-32s %s%n", partner, plain(total)));
        List<Duration> latencies = latencies();
        out.printf("  latency post -> outcome row       p50 %s   p99 %s   max %s   (%d leads)%n",
                human(percentile(latencies, 50)), human(percentile(latencies, 99)),
                human(latencies.isEmpty() ? Duration.ZERO : latencies.get(latencies.size() - 1)), latencies.size());
        out.println();
        out.println("read back from PostgreSQL (GROUP BY)");
        for (VerdictCount count : dbVerdicts) {
            out.printf("  lead_outcomes  %-12s %-24s %6d%n", count.verdict(),
                    count.reason() == null ? "" : count.reason(), count.count());
        }
        for (PayoutTotal total : dbPayouts) {
            out.printf("  payouts        %-12s %s %s in %d payment(s)%n", total.partnerId(), plain(total.amount()),
                    total.currency(), total.payments());
        }
        if (advertiser != null) {
            out.println();
            out.printf("sample advertiser: %d request(s), %d distinct key(s), %d repeat(s) collapsed, %d answered 503,"
                    + " %d accepted, rejected %s%n", advertiser.requests(), advertiser.distinctKeys(),
                    advertiser.repeats(), advertiser.unavailable(), advertiser.accepted(),
                    advertiser.rejectedByReason());
        }
        out.println();
        out.println("checks");
        boolean passed = true;
        for (Check check : checks()) {
            out.printf("  [%s] %s%n", check.passed() ? "ok" : "FAILED", check.description());
            check.details().forEach(detail -> out.println("         " + detail));
            passed &= check.passed();
        }
        out.flush();
        return passed;
    }

    private static List<String> describe(List<String> items, String prefix) {
        if (items.isEmpty()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        items.stream().limit(10).forEach(item -> lines.add(prefix + " " + item));
        if (items.size() > 10) {
            lines.add("... and " + (items.size() - 10) + " more");
        }
        return lines;
    }

    private static String plain(BigDecimal amount) {
        return amount.setScale(2, java.math.RoundingMode.HALF_EVEN).toPlainString();
    }

    static String human(Duration duration) {
        long millis = duration.toMillis();
        return millis < 1000 ? millis + " ms" : String.format("%.2f s", millis / 1000.0);
    }
}
