package io.datapost.validator.ledger;

import io.datapost.schemas.Verdict;

/**
 * What the ledger knows about one submission. Only ids and times of the lead are kept (its fields are
 * personal data and not needed to decide); the latest advertiser response is kept as the bytes it arrived
 * with, so it is decoded by the same history-aware serde as the topic.
 *
 * @param lead            null until the lead arrived
 * @param response        latest response (a final one is never replaced by a non-final one), or null
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

    /** The latest outcome emitted: its revision and verdict. */
    public record Decision(int revision, Verdict verdict, long decidedAt) {
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
