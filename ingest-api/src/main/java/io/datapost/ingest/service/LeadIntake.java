package io.datapost.ingest.service;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.kafka.LeadNotWrittenException;
import io.datapost.ingest.kafka.LeadPublisher;
import io.datapost.ingest.ratelimit.PartnerRateLimiter;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadFingerprint;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.security.PartnerCredentials;

/**
 * Takes one partner post from credentials to an acknowledged {@link LeadSubmitted}, checking in the order
 * partners can rely on: configuration loaded (503), credentials (401), the partner's rate limit (429), event
 * type (404), partner enabled for it (403), method (405: GET only where the event type allows it), media type,
 * size and syntax (415, 413/414, 400), field rules (422), an idempotency key this instance accepted with another
 * body (422, {@link IdempotencyKeys}), then the write to the submissions topic (503 when the broker did not
 * acknowledge in time). Nothing is written unless every check passed.
 */
@Service
public class LeadIntake {

    /** The query parameter that asks for a synchronous answer; never a lead field. */
    public static final String WAIT_PARAMETER = "wait";
    private static final String POST = "POST";
    private static final String GET_OR_POST = "GET, POST";

    private static final Logger log = LoggerFactory.getLogger(LeadIntake.class);

    private final LiveTable<Partner> partners;
    private final LiveTable<EventType> eventTypes;
    private final LeadBodyParser parser;
    private final LeadRules rules;
    private final LeadPublisher publisher;
    private final IngestMetrics metrics;
    private final PartnerRateLimiter rateLimiter;
    private final OutcomeWaiters waiters;
    private final IngestProperties properties;
    private final IdempotencyKeys acceptedKeys;

    public LeadIntake(LiveTable<Partner> partnersTable, LiveTable<EventType> eventTypesTable, LeadBodyParser parser,
            LeadRules rules, LeadPublisher publisher, IngestMetrics metrics, PartnerRateLimiter rateLimiter,
            OutcomeWaiters waiters, IngestProperties properties, IdempotencyKeys acceptedKeys) {
        this.partners = partnersTable;
        this.eventTypes = eventTypesTable;
        this.parser = parser;
        this.rules = rules;
        this.publisher = publisher;
        this.metrics = metrics;
        this.rateLimiter = rateLimiter;
        this.waiters = waiters;
        this.properties = properties;
        this.acceptedKeys = acceptedKeys;
    }

    /**
     * One post as it arrived. {@code body} is read here, after the partner is known, and never past the limit;
     * for a GET the lead is in {@code rawQuery}.
     */
    public record Post(Method method, String eventTypeId, String authorization, String idempotencyKey,
            String contentType, String contentEncoding, long contentLength, InputStream body, String rawQuery) {

        public static Post post(String eventTypeId, String authorization, String idempotencyKey, String contentType,
                String contentEncoding, long contentLength, InputStream body, String rawQuery) {
            return new Post(Method.POST, eventTypeId, authorization, idempotencyKey, contentType, contentEncoding,
                    contentLength, body, rawQuery);
        }

        /** No {@code Content-Encoding}, or only {@code identity}. */
        boolean identityEncoded() {
            if (contentEncoding == null) {
                return true;
            }
            for (String coding : contentEncoding.split(",")) {
                String name = coding.strip();
                if (!name.isEmpty() && !name.equalsIgnoreCase("identity")) {
                    return false;
                }
            }
            return true;
        }

        /** A GET (or a HEAD, which is always refused: it would create a lead without showing the answer). */
        public static Post query(Method method, String eventTypeId, String authorization, String idempotencyKey,
                String rawQuery) {
            return new Post(method, eventTypeId, authorization, idempotencyKey, null, null, -1,
                    InputStream.nullInputStream(), rawQuery);
        }

        boolean byQuery() {
            return method != Method.POST;
        }
    }

    public enum Method { POST, GET, HEAD }

    /**
     * An acknowledged lead. {@code waiter} is present when the partner asked to wait and a waiting slot was free:
     * it was registered before the write, and must be released once the answer is given.
     *
     * @param waitFor how long the partner may still wait, counted from the post's arrival; zero without a wait
     */
    public record Accepted(String submissionId, String partnerId, String eventTypeId,
            Optional<OutcomeWaiters.Waiter> waiter, Duration waitFor) {
    }

    public Accepted submit(Post post) {
        long arrived = System.nanoTime();
        try {
            Accepted accepted = accept(post, arrived);
            metrics.accepted(post.eventTypeId());
            return accepted;
        } catch (LeadRejectedException e) {
            metrics.rejected(post.eventTypeId(), e.status().value());
            throw e;
        }
    }

    private Accepted accept(Post post, long arrived) {
        requireConfigLoaded();
        Partner partner = PartnerCredentials.authenticate(post.authorization(), partners::get, bearerCandidates(post))
                .orElseThrow(LeadRejectedException::unauthenticated);
        Duration throttled = rateLimiter.tryAcquire(partner.getId());
        if (!throttled.isZero()) {
            log.debug("Partner {} is over its rate limit", partner.getId()); // counted as rejected{status=429}
            throw LeadRejectedException.rateLimited(throttled);
        }
        EventType eventType = eventTypes.get(post.eventTypeId()).filter(EventType::getActive)
                .orElseThrow(LeadRejectedException::unknownEventType);
        if (!partner.getActive() || partner.getPayouts().stream()
                .noneMatch(term -> term.getEventTypeId().equals(eventType.getId()))) {
            log.info("Partner {} refused for event type {}", partner.getId(), eventType.getId());
            throw LeadRejectedException.notEnabled();
        }
        IngestOptions options = IngestOptions.of(eventType);
        if (post.method() == Method.HEAD || post.method() == Method.GET && !options.allowGet()) {
            throw LeadRejectedException.methodNotAllowed(options.allowGet() ? GET_OR_POST : POST);
        }
        if (!post.identityEncoded()) {
            throw LeadRejectedException.unsupportedContentEncoding();
        }
        int maxBytes = options.maxBodyBytes(properties.maxBodyBytesAsInt(), IngestProperties.MAX_BODY_CEILING);
        LeadBody body = post.byQuery()
                ? parser.parseQuery(post.rawQuery(), maxBytes, WAIT_PARAMETER)
                : parser.parse(post.contentType(), post.contentLength(), post.body(), maxBytes);
        Duration wait = requestedWait(post.rawQuery());

        String idempotencyKey = post.idempotencyKey();
        String keySource = LeadRules.IDEMPOTENCY_KEY_HEADER;
        if (idempotencyKey == null && options.idempotencyKeyField() != null) {
            String value = body.fields().get(options.idempotencyKeyField());
            if (!LeadRules.isBlank(value)) {
                idempotencyKey = value;
                keySource = options.idempotencyKeyField();
            }
        }
        List<FieldProblem> problems = rules.check(eventType, body, idempotencyKey, keySource);
        if (!problems.isEmpty()) {
            log.info("Lead from partner {} for {} refused: {} field problem(s) in {}", partner.getId(),
                    eventType.getId(), problems.size(), loggableFieldNames(eventType, problems, keySource));
            throw LeadRejectedException.invalidFields(problems);
        }
        String submissionId = SubmissionIds.of(partner.getId(), idempotencyKey);
        Instant receivedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        LeadFingerprint fingerprint = null;
        IdempotencyKeys.Check claim = null;
        if (idempotencyKey != null) {
            // a key this instance accepted (or is writing) with another body: say so now, rather than a 202 for a
            // lead the dedupe gate will dead-letter. The same body again is a retry: written again, dropped by the
            // gate. A new key is claimed here, before the write, so a concurrent post with another body sees it.
            fingerprint = LeadFingerprint.of(eventType.getId(), partner.getId(), body.fields());
            claim = acceptedKeys.reserve(submissionId, fingerprint, receivedAt.toEpochMilli());
            if (claim == IdempotencyKeys.Check.DIFFERENT_BODY) {
                log.info("Lead {} from partner {} for {} refused: idempotency key reused with a different body",
                        submissionId, partner.getId(), eventType.getId());
                throw LeadRejectedException.idempotencyKeyReused();
            }
        }
        LeadSubmitted lead = LeadSubmitted.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(eventType.getId())
                .setPartnerId(partner.getId())
                .setIdempotencyKey(idempotencyKey)
                .setFields(body.fields())
                .setReceivedAt(receivedAt)
                .build();

        // registered before the write: the outcome cannot arrive before its waiter
        Optional<OutcomeWaiters.Waiter> waiter = wait.isZero() ? Optional.empty() : waiters.register(submissionId);
        try {
            publisher.publish(lead);
        } catch (LeadNotWrittenException e) {
            waiter.ifPresent(OutcomeWaiters.Waiter::release);
            releaseClaim(claim, submissionId, fingerprint, receivedAt);
            throw LeadRejectedException.unavailable(
                    "The lead was not confirmed as stored in time; it may still be stored. Retry with the same "
                            + "Idempotency-Key: a stored lead is then recognised, not delivered twice.");
        } catch (RuntimeException e) {
            waiter.ifPresent(OutcomeWaiters.Waiter::release);
            releaseClaim(claim, submissionId, fingerprint, receivedAt);
            throw e;
        }
        if (fingerprint != null) { // kept (or put back, when a failed concurrent write withdrew its claim)
            acceptedKeys.accepted(submissionId, fingerprint, receivedAt.toEpochMilli());
        }
        // DEBUG: one line per accepted lead would be the bulk of the log at thousands of posts per second; the
        // leads topic is the record of what was accepted, and the accepted counter counts it
        log.debug("Lead {} accepted from partner {} for {}", submissionId, partner.getId(), eventType.getId());
        Duration left = wait.minusNanos(System.nanoTime() - arrived);
        return new Accepted(submissionId, partner.getId(), eventType.getId(), waiter,
                left.isNegative() ? Duration.ZERO : left);
    }

    /**
     * The failing fields' names for the log: those the event type declares (required, checked, its key field) or
     * the key header; any other name is the partner's free text (a name can be an email address) and is only
     * counted. The 422 answer still names every failing field to the partner who sent it.
     */
    static List<String> loggableFieldNames(EventType eventType, List<FieldProblem> problems, String keySource) {
        Set<String> declared = new HashSet<>(eventType.getRequiredFields());
        if (eventType.getFieldChecks() != null) {
            eventType.getFieldChecks().forEach(check -> declared.add(check.getField()));
        }
        declared.add(LeadRules.IDEMPOTENCY_KEY_HEADER);
        declared.add(keySource);
        List<String> names = new ArrayList<>();
        long undeclared = 0;
        for (FieldProblem problem : problems) {
            if (declared.contains(problem.field())) {
                names.add(problem.field());
            } else {
                undeclared++;
            }
        }
        if (undeclared > 0) {
            names.add(undeclared + " undeclared field(s)");
        }
        return names;
    }

    /** A key this post claimed is free again when its lead was not written (a retry may bring another body). */
    private void releaseClaim(IdempotencyKeys.Check claim, String submissionId, LeadFingerprint fingerprint,
            Instant receivedAt) {
        if (claim == IdempotencyKeys.Check.NEW) {
            acceptedKeys.release(submissionId, fingerprint, receivedAt.toEpochMilli());
        }
    }

    /** Bearer keys name no partner, so every partner is a candidate; Basic looks its partner up by id. */
    private Collection<Partner> bearerCandidates(Post post) {
        String authorization = post.authorization();
        return authorization != null && authorization.strip().regionMatches(true, 0, "Bearer ", 0, 7)
                ? partners.snapshot().values() : List.of();
    }

    /** {@code ?wait=PT10S}: an ISO-8601 duration, cut to {@code datapost.ingest.max-wait}; zero when absent. */
    private Duration requestedWait(String rawQuery) {
        String value = parser.queryParameter(rawQuery, WAIT_PARAMETER);
        if (value == null) {
            return Duration.ZERO;
        }
        Duration wait;
        try {
            wait = Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw LeadRejectedException.malformed("The wait parameter must be an ISO-8601 duration such as PT10S.");
        }
        if (wait.isNegative()) {
            throw LeadRejectedException.malformed("The wait parameter must not be negative.");
        }
        return wait.compareTo(properties.maxWait()) > 0 ? properties.maxWait() : wait;
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
