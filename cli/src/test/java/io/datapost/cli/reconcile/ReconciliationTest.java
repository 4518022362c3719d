package io.datapost.cli.reconcile;

import static io.datapost.cli.reconcile.LedgerRecords.money;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.datapost.cli.reconcile.Reconciliation.Disagreement;

class ReconciliationTest {

    @Test
    void identicalBooksAgree() {
        Books topics = corrected();
        Books database = corrected();

        assertThat(Reconciliation.compare(topics, database)).isEmpty();
    }

    @Test
    void aPayoutSumThatIsNotTheCurrentPayoutBreaksTheInvariantEvenWhenBothSidesAgree() {
        // Given a submission rejected at revision 2 whose payment was never reversed, on both sides
        Books topics = new Books();
        topics.outcome("s-1", "p", 2, "REJECTED", null, null);
        topics.paid("s-1", "USD", money("4.00"));
        Books database = new Books();
        database.outcome("s-1", "p", 2, "REJECTED", null, null);
        database.paid("s-1", "USD", money("4.00"));

        // When
        List<Disagreement> found = Reconciliation.compare(topics, database);

        // Then
        assertThat(found).singleElement().satisfies(d -> {
            assertThat(d.submissionId()).isEqualTo("s-1");
            assertThat(d.aspect()).isEqualTo(Reconciliation.INVARIANT);
            assertThat(d.topics()).isEqualTo("paid 4.0000 USD but the current payout is 0");
        });
    }

    @Test
    void eachAspectIsReportedWithBothSides() {
        // Given
        Books topics = corrected();
        Books database = new Books();
        database.outcome("s-1", "p", 1, "ACCEPTED", money("4.00"), "USD");
        database.conversionStands("s-1", "s-1:1");
        database.paid("s-1", "USD", money("4.00"));

        // When
        List<Disagreement> found = Reconciliation.compare(topics, database);

        // Then
        assertThat(found).extracting(Disagreement::toString).containsExactly(
                "s-1 outcome: topics revision 2 REJECTED, database revision 1 ACCEPTED",
                "s-1 conversion: topics no standing conversion, database standing s-1:1",
                "s-1 payout: topics 0, database 4.0000 USD");
    }

    @Test
    void aSubmissionOnOnlyOneSideDisagrees() {
        Books topics = corrected();

        assertThat(Reconciliation.compare(topics, new Books())).extracting(Disagreement::aspect)
                .containsExactly(Reconciliation.OUTCOME);
        assertThat(Reconciliation.compare(new Books(), topics)).extracting(Disagreement::aspect)
                .containsExactly(Reconciliation.OUTCOME);
    }

    @Test
    void outcomeWithoutPayoutCurrencyIsPaidInThePayoutsCurrency() {
        // Given an outcome written before LeadOutcome v2 (no payout currency)
        Books topics = new Books();
        topics.outcome("s-1", "p", 1, "ACCEPTED", money("4.00"), null);
        topics.paid("s-1", "EUR", money("4.00"));

        assertThat(Reconciliation.compare(topics, copyOf(topics))).isEmpty();
    }

    @Test
    void totalsAreNetOfReversalsPerPartnerAndCurrencyAndCountCurrentVerdicts() {
        // Given one corrected submission (paid, then reversed) and two that stand, for two partners
        Books books = corrected();
        books.outcome("s-2", "p", 1, "ACCEPTED", money("4.00"), "USD");
        books.paid("s-2", "USD", money("4.00"));
        books.outcome("s-3", "q", 1, "ACCEPTED", money("2.50"), "EUR");
        books.paid("s-3", "EUR", money("2.50"));

        // Then the reversal cancels the first payment and each verdict is counted once, at its latest revision
        assertThat(books.netPaidByPartner()).containsOnlyKeys("p USD", "q EUR");
        assertThat(books.netPaidByPartner().get("p USD")).isEqualByComparingTo("4.00");
        assertThat(books.netPaidByPartner().get("q EUR")).isEqualByComparingTo("2.50");
        assertThat(books.verdictCounts()).containsExactly(entry("ACCEPTED", 2L), entry("REJECTED", 1L));
    }

    /** Accepted and paid, then rejected: conversion reversed, payment compensated. */
    private static Books corrected() {
        Books books = new Books();
        books.outcome("s-1", "p", 1, "ACCEPTED", money("4.00"), "USD");
        books.outcome("s-1", "p", 2, "REJECTED", null, null);
        books.conversionStands("s-1", "s-1:1");
        books.conversionReversed("s-1", "s-1:1");
        books.paid("s-1", "USD", money("4.00"));
        books.paid("s-1", "USD", money("-4.00"));
        return books;
    }

    private static Books copyOf(Books books) {
        Books copy = new Books();
        for (String id : books.submissionIds()) {
            Books.Entry e = books.get(id);
            copy.outcome(id, e.partnerId, e.revision, e.verdict, e.payout, e.payoutCurrency);
            e.conversions.forEach(c -> copy.conversionStands(id, c));
            e.paid.forEach((currency, sum) -> copy.paid(id, currency, sum));
        }
        return copy;
    }
}
