package io.datapost.validator.ledger;

import java.math.BigDecimal;

import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;

/**
 * What the ledger knows about one submission. Only ids and times of the lead are kept (its fields are
 * personal data and not needed to decide); the latest advertiser response is kept as the bytes it arrived
 * with, so it is decoded by the same history-aware serde as the topic.
 *
 * @param lead            null until the lead arrived
 * @param response        the response that decides (or will): the latest final one, else the latest attempt; or null
 * @param responseAttempt the attempt number of {@code response}, 0 without one
 * @param finalResponse   true once a final response is held
 * @param decision        null until an outcome was emitted
 */
public record LedgerEntry(Lead lead, byte[] response, int responseAttempt, boolean finalResponse,
        Decision decision) {

    public static final LedgerEntry EMPTY = new LedgerEntry(null, null, 0, false, null);

    /** The lead's identity and its NO_RESPONSE deadline (epoch millis), fixed when it arrived. */
    public record Lead(String eventTypeId, String partnerId, long receivedAt, long deadline) {
    }

    /**
     * The decision in force: the latest outcome emitted and what the topics now say about the submission's
     * money, so the next correction can emit exactly the difference.
     *
     * @param revision     revision of the latest outcome
     * @param verdict      its verdict
     * @param decidedAt    when it was decided (epoch millis)
     * @param outcome      the latest {@code LeadOutcome} as emitted (Avro bytes): what a correction compares with
     * @param conversionId the conversion that stands (recorded and not reversed), or null
     * @param paid         the sum of the payout events emitted so far, in {@code paidCurrency}; null when nothing
     *                     is owed (never paid, or paid and reversed)
     * @param paidCurrency currency of {@code paid}
     * @param term         the payout term that priced this submission the first time it was paid; later
     *                     corrections reuse it, so a change of the partner's terms is never retroactive
     */
    public record Decision(int revision, Verdict verdict, long decidedAt, byte[] outcome, String conversionId,
            BigDecimal paid, String paidCurrency, Term term) {
    }

    /** A payout term as it was applied. */
    public record Term(PayoutTermKind kind, BigDecimal value, String currency) {
    }

    LedgerEntry withLead(Lead newLead) {
        return new LedgerEntry(newLead, response, responseAttempt, finalResponse, decision);
    }

    LedgerEntry withResponse(byte[] newResponse, int attempt, boolean isFinal) {
        return new LedgerEntry(lead, newResponse, attempt, isFinal, decision);
    }

    LedgerEntry withDecision(Decision newDecision) {
        return new LedgerEntry(lead, response, responseAttempt, finalResponse, newDecision);
    }
}
