package io.datapost.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.datapost.cli.demo.DemoReport.Check;
import io.datapost.cli.demo.OutcomeStore.OutcomeRow;
import io.datapost.cli.demo.OutcomeStore.PayoutTotal;
import io.datapost.cli.demo.OutcomeStore.VerdictCount;

class DemoReportTest {

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
    private static final BigDecimal FOUR = new BigDecimal("4.00");

    private final List<Posting> postings = List.of(
            new Posting(1, "k-1", 202, "s-1", T0, 1),
            new Posting(2, "k-2", 202, "s-2", T0, 1),
            new Posting(3, "k-3", 202, "s-3", T0, 2),
            new Posting(4, "k-4", 422, null, T0, 1));

    private static OutcomeRow row(String id, int revision, String verdict, String reason, long millis) {
        return new OutcomeRow(id, revision, verdict, reason, "ACCEPTED".equals(verdict) ? FOUR : null,
                "demo-partner", T0.plusMillis(millis));
    }

    private static List<VerdictCount> sqlCounts(List<OutcomeRow> rows) {
        List<VerdictCount> counts = new ArrayList<>();
        rows.stream().collect(java.util.stream.Collectors.groupingBy(r -> List.of(r.verdict(),
                r.reason() == null ? "" : r.reason()), java.util.stream.Collectors.counting()))
                .forEach((key, n) -> counts.add(new VerdictCount(key.get(0), key.get(1).isEmpty() ? null : key.get(1),
                        n)));
        return counts;
    }

    private static DemoReport report(List<Posting> postings, List<OutcomeRow> rows, String paid) {
        return new DemoReport(postings, rows, sqlCounts(rows),
                List.of(new PayoutTotal("demo-partner", "USD", new BigDecimal(paid), 2)), null, FOUR, "USD");
    }

    @Test
    void passesWhenEverySubmissionHasOneRowAndPayoutsAreAcceptedTimesFour() {
        // Given three 202s, two accepted and one rejected, paid 8.00
        List<OutcomeRow> rows = List.of(row("s-1", 1, "ACCEPTED", null, 100), row("s-2", 1, "ACCEPTED", null, 300),
                row("s-3", 1, "REJECTED", "Invalid email", 200));
        DemoReport report = report(postings, rows, "8.0000");

        // When it is printed
        StringWriter text = new StringWriter();
        boolean passed = report.print(new PrintWriter(text));

        // Then every check passes and the summary names what happened
        assertThat(passed).isTrue();
        assertThat(report.checks()).allMatch(Check::passed);
        assertThat(report.refusedByStatus()).containsEntry(422, 1L);
        assertThat(report.rejectedByReason()).containsEntry("Invalid email", 1L);
        assertThat(text.toString()).contains("HTTP 422 x 1").contains("Invalid email").contains("p50 200 ms")
                .contains("max 300 ms");
    }

    @Test
    void failsAndNamesTheSubmissionWhenAnOutcomeRowIsMissing() {
        List<OutcomeRow> rows = List.of(row("s-1", 1, "ACCEPTED", null, 100), row("s-2", 1, "ACCEPTED", null, 300));

        List<Check> checks = report(postings, rows, "8.0000").checks();

        assertThat(checks).filteredOn(c -> !c.passed()).singleElement().satisfies(c -> {
            assertThat(c.description()).contains("has an outcome row");
            assertThat(c.details()).containsExactly("no outcome row for s-3");
        });
    }

    @Test
    void failsWhenASubmissionHasTwoOutcomeRows() {
        List<OutcomeRow> rows = List.of(row("s-1", 1, "ACCEPTED", null, 100), row("s-2", 1, "ACCEPTED", null, 300),
                row("s-3", 1, "REJECTED", "Invalid email", 200), row("s-3", 2, "REJECTED", "Invalid email", 900));

        List<Check> checks = report(postings, rows, "8.0000").checks();

        assertThat(checks).filteredOn(c -> !c.passed()).singleElement()
                .extracting(Check::details).asList().containsExactly("more than one row: s-3 (2 rows)");
    }

    @Test
    void failsWhenThePayoutsDoNotAddUpToAcceptedTimesTheFixedPayout() {
        List<OutcomeRow> rows = List.of(row("s-1", 1, "ACCEPTED", null, 100), row("s-2", 1, "ACCEPTED", null, 300),
                row("s-3", 1, "REJECTED", "Invalid email", 200));

        List<Check> checks = report(postings, rows, "12.0000").checks();

        assertThat(checks).filteredOn(c -> !c.passed()).singleElement()
                .extracting(Check::description).asString().startsWith("payouts 12.00 USD == 2 accepted x 4.00 USD");
    }

    @Test
    void failsWhenIngestAcceptedNothing() {
        List<Posting> refused = List.of(new Posting(1, "k-1", Posting.NO_RESPONSE, null, T0, 3));

        List<Check> checks = report(refused, List.of(), "0").checks();

        assertThat(checks).filteredOn(c -> !c.passed()).extracting(Check::description)
                .containsExactly("ingest accepted at least one lead");
    }

    @Test
    void percentilesPickTheNearestRank() {
        List<Duration> sorted = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            sorted.add(Duration.ofMillis(i));
        }
        assertThat(DemoReport.percentile(sorted, 50)).isEqualTo(Duration.ofMillis(50));
        assertThat(DemoReport.percentile(sorted, 99)).isEqualTo(Duration.ofMillis(99));
        assertThat(DemoReport.percentile(List.of(), 99)).isEqualTo(Duration.ZERO);
    }
}
