package io.datapost.sink.web;

import java.time.Instant;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.schemas.Partner;
import io.datapost.sink.store.OutcomeQueries;
import io.datapost.sink.store.OutcomeRevision;

/** The status URL ingest-api hands out: a submission's current verdict and its history, for its owner only. */
@RestController
public class LeadStatusController {

    private static final int MAX_ID_LENGTH = 200;

    private final Callers callers;
    private final OutcomeQueries outcomes;

    public LeadStatusController(Callers callers, OutcomeQueries outcomes) {
        this.callers = callers;
        this.outcomes = outcomes;
    }

    @GetMapping(path = "/v1/leads/{submissionId}", produces = MediaType.APPLICATION_JSON_VALUE)
    public LeadStatus status(@PathVariable String submissionId,
            @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        Partner partner = callers.partner(authorization);
        List<OutcomeRevision> revisions = submissionId.length() > MAX_ID_LENGTH ? List.of()
                : outcomes.revisions(submissionId, partner.getId());
        if (revisions.isEmpty()) {
            // same answer for an unknown id, another partner's id and a lead not decided yet
            throw ApiProblems.notFound("No outcome for this submission (yet).");
        }
        return LeadStatus.of(revisions);
    }

    /** The current (highest) revision's fields, plus every revision oldest first. */
    public record LeadStatus(String submissionId, String eventTypeId, int revision, String verdict, String reason,
            String orderId, String amount, String currency, boolean amountDefaulted, String payout,
            String payoutCurrency, int attempts, Instant receivedAt, Instant decidedAt, String cause,
            List<Revision> history) {

        static LeadStatus of(List<OutcomeRevision> revisions) {
            OutcomeRevision current = revisions.get(revisions.size() - 1);
            return new LeadStatus(current.submissionId(), current.eventTypeId(), current.revision(),
                    current.verdict(), current.reason(), current.orderId(), Money.format(current.amount()),
                    current.currency(), current.amountDefaulted(), Money.format(current.payout()),
                    current.payoutCurrency(), current.attempts(), current.receivedAt(), current.decidedAt(),
                    current.cause(), revisions.stream().map(Revision::of).toList());
        }
    }

    /** One revision; {@code cause} says why it exists (FINAL_RESPONSE, DEADLINE, LATE_RESPONSE, ...). */
    public record Revision(int revision, String verdict, String reason, String orderId, String amount,
            String currency, String payout, String payoutCurrency, Instant decidedAt, String cause) {

        static Revision of(OutcomeRevision r) {
            return new Revision(r.revision(), r.verdict(), r.reason(), r.orderId(), Money.format(r.amount()),
                    r.currency(), Money.format(r.payout()), r.payoutCurrency(), r.decidedAt(), r.cause());
        }
    }
}
