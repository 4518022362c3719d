package io.datapost.ingest.service;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import io.datapost.ingest.kafka.LeadNotWrittenException;
import io.datapost.ingest.kafka.LeadPublisher;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.security.PartnerCredentials;

/**
 * Takes one partner post from credentials to an acknowledged {@link LeadSubmitted}, checking in the order
 * partners can rely on: credentials (401), event type (404), partner enabled for it (403), media type,
 * size and syntax (415, 413, 400), field rules (422), then the write (503 when the broker did not
 * acknowledge in time). Nothing is written unless every check passed.
 */
@Service
public class LeadIntake {

    private static final Logger log = LoggerFactory.getLogger(LeadIntake.class);

    private final LiveTable<Partner> partners;
    private final LiveTable<EventType> eventTypes;
    private final LeadBodyParser parser;
    private final LeadRules rules;
    private final LeadPublisher publisher;
    private final IngestMetrics metrics;

    public LeadIntake(LiveTable<Partner> partnersTable, LiveTable<EventType> eventTypesTable, LeadBodyParser parser,
            LeadRules rules, LeadPublisher publisher, IngestMetrics metrics) {
        this.partners = partnersTable;
        this.eventTypes = eventTypesTable;
        this.parser = parser;
        this.rules = rules;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /** One post as it arrived; {@code body} is read here, after the partner is known, and never past the limit. */
    public record Post(String eventTypeId, String authorization, String idempotencyKey, String contentType,
            long contentLength, InputStream body) {
    }

    public record Accepted(String submissionId) {
    }

    public Accepted submit(Post post) {
        try {
            Accepted accepted = accept(post);
            metrics.accepted(post.eventTypeId());
            return accepted;
        } catch (LeadRejectedException e) {
            metrics.rejected(post.eventTypeId(), e.status().value());
            throw e;
        }
    }

    private Accepted accept(Post post) {
        requireConfigLoaded();
        Partner partner = PartnerCredentials
                .authenticate(post.authorization(), partners::get, partners.snapshot().values())
                .orElseThrow(LeadRejectedException::unauthenticated);
        EventType eventType = eventTypes.get(post.eventTypeId()).filter(EventType::getActive)
                .orElseThrow(LeadRejectedException::unknownEventType);
        if (!partner.getActive() || partner.getPayouts().stream()
                .noneMatch(term -> term.getEventTypeId().equals(eventType.getId()))) {
            log.info("Partner {} refused for event type {}", partner.getId(), eventType.getId());
            throw LeadRejectedException.notEnabled();
        }
        LeadBody body = parser.parse(post.contentType(), post.contentLength(), post.body());
        List<FieldProblem> problems = rules.check(eventType, body, post.idempotencyKey());
        if (!problems.isEmpty()) {
            log.info("Lead from partner {} for {} refused: {} field problem(s) in {}", partner.getId(),
                    eventType.getId(), problems.size(), problems.stream().map(FieldProblem::field).toList());
            throw LeadRejectedException.invalidFields(problems);
        }
        String submissionId = SubmissionIds.of(partner.getId(), post.idempotencyKey());
        LeadSubmitted lead = LeadSubmitted.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(eventType.getId())
                .setPartnerId(partner.getId())
                .setIdempotencyKey(post.idempotencyKey())
                .setFields(body.fields())
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .build();
        try {
            publisher.publish(lead);
        } catch (LeadNotWrittenException e) {
            throw LeadRejectedException.unavailable(
                    "The lead could not be stored in time and was not accepted. Retry later, with the same Idempotency-Key.");
        }
        log.info("Lead {} accepted from partner {} for {}", submissionId, partner.getId(), eventType.getId());
        return new Accepted(submissionId);
    }

    /** Before both config tables have read their topics, every partner would look unknown: answer 503, not 401. */
    private void requireConfigLoaded() {
        try {
            if (partners.awaitCaughtUp(Duration.ZERO) && eventTypes.awaitCaughtUp(Duration.ZERO)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw LeadRejectedException.unavailable("Partner and event type configuration is still loading.");
    }
}
