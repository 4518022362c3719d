package io.datapost.ingest.service;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * A post that is not accepted, with the status and a detail that is safe to show the partner: no field
 * values, no credentials, no parser messages (they can quote the body).
 */
public class LeadRejectedException extends RuntimeException {

    /** Seconds a partner is told to wait after a 503 (broker or configuration not there). */
    public static final long UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

    /** Problem type of a 422 for an Idempotency-Key this instance accepted with another body. */
    public static final URI IDEMPOTENCY_KEY_REUSED_TYPE = URI.create("/problems/idempotency-key-reused");
    public static final String IDEMPOTENCY_KEY_REUSED_TITLE = "Idempotency-Key already used with a different body";

    private final HttpStatus status;
    private final List<FieldProblem> errors;
    private final Map<String, String> headers;
    private final URI type;
    private final String title;

    public LeadRejectedException(HttpStatus status, String detail) {
        this(status, detail, List.of(), Map.of());
    }

    public LeadRejectedException(HttpStatus status, String detail, List<FieldProblem> errors) {
        this(status, detail, errors, Map.of());
    }

    private LeadRejectedException(HttpStatus status, String detail, List<FieldProblem> errors,
            Map<String, String> headers) {
        this(status, detail, errors, headers, null, null);
    }

    private LeadRejectedException(HttpStatus status, String detail, List<FieldProblem> errors,
            Map<String, String> headers, URI type, String title) {
        super(detail, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
        this.type = type;
        this.title = title;
    }

    /** The problem's {@code type} when this refusal has its own, else null ({@code about:blank}). */
    public URI type() {
        return type;
    }

    /** The problem's {@code title} when it is not the status's reason phrase, else null. */
    public String title() {
        return title;
    }

    /** Response headers that belong to this answer (Retry-After, Allow, WWW-Authenticate). */
    public Map<String, String> headers() {
        return headers;
    }

    public HttpStatus status() {
        return status;
    }

    /** For 422: every failing field. */
    public List<FieldProblem> errors() {
        return errors;
    }

    public static LeadRejectedException unauthenticated() {
        return new LeadRejectedException(HttpStatus.UNAUTHORIZED, "Missing or invalid partner credentials.", List.of(),
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"datapost\""));
    }

    /** 429: the partner's token bucket is empty; Retry-After is the whole seconds until it holds a token again. */
    public static LeadRejectedException rateLimited(Duration untilNextToken) {
        long seconds = Math.max(1, (untilNextToken.toMillis() + 999) / 1000);
        return new LeadRejectedException(HttpStatus.TOO_MANY_REQUESTS,
                "Too many posts from this partner. Retry after " + seconds + " second(s).", List.of(),
                Map.of(HttpHeaders.RETRY_AFTER, Long.toString(seconds)));
    }

    /** 405 for a GET to an event type that takes only POST (and for HEAD anywhere). */
    public static LeadRejectedException methodNotAllowed(String allow) {
        return new LeadRejectedException(HttpStatus.METHOD_NOT_ALLOWED,
                "This event type takes leads only by " + allow + ".", List.of(), Map.of(HttpHeaders.ALLOW, allow));
    }

    /** 414: a GET whose query string (the lead) is longer than the event type's size limit. */
    public static LeadRejectedException queryTooLong(int maxBytes) {
        return new LeadRejectedException(HttpStatus.URI_TOO_LONG,
                "The query string is longer than " + maxBytes + " bytes.");
    }

    public static LeadRejectedException unknownEventType() {
        return new LeadRejectedException(HttpStatus.NOT_FOUND, "No active event type with this id.");
    }

    public static LeadRejectedException notEnabled() {
        return new LeadRejectedException(HttpStatus.FORBIDDEN, "This partner may not post leads of this event type.");
    }

    public static LeadRejectedException unsupportedMediaType() {
        return new LeadRejectedException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "Post application/json, application/x-www-form-urlencoded (with an ASCII-compatible charset), "
                        + "application/xml or text/xml.");
    }

    /**
     * 415 for a body in a content coding we do not decode (gzip, br...), RFC 9110 section 15.5.16; the answer's
     * {@code Accept-Encoding: identity} says what we take (RFC 7694).
     */
    public static LeadRejectedException unsupportedContentEncoding() {
        return new LeadRejectedException(HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                "Post the body without a Content-Encoding (identity): compressed bodies are not accepted.", List.of(),
                Map.of(HttpHeaders.ACCEPT_ENCODING, "identity"));
    }

    public static LeadRejectedException tooLarge(int maxBytes) {
        return new LeadRejectedException(HttpStatus.CONTENT_TOO_LARGE,
                "The body is larger than " + maxBytes + " bytes.");
    }

    public static LeadRejectedException malformed(String detail) {
        return new LeadRejectedException(HttpStatus.BAD_REQUEST, detail);
    }

    public static LeadRejectedException invalidFields(List<FieldProblem> errors) {
        return new LeadRejectedException(HttpStatus.UNPROCESSABLE_CONTENT, "Some fields of the lead are invalid.",
                errors);
    }

    /**
     * 422: this instance accepted a lead under the same Idempotency-Key (or key field) with another body, within
     * the window. The first lead stands; the partner must use a new key for another lead.
     */
    public static LeadRejectedException idempotencyKeyReused() {
        return new LeadRejectedException(HttpStatus.UNPROCESSABLE_CONTENT,
                "A lead with another body was already accepted under this idempotency key; that lead stands. "
                        + "Post a different lead with a new key.", List.of(), Map.of(), IDEMPOTENCY_KEY_REUSED_TYPE,
                IDEMPOTENCY_KEY_REUSED_TITLE);
    }

    public static LeadRejectedException unavailable(String detail) {
        return new LeadRejectedException(HttpStatus.SERVICE_UNAVAILABLE, detail, List.of(),
                Map.of(HttpHeaders.RETRY_AFTER, Long.toString(UNAVAILABLE_RETRY_AFTER_SECONDS)));
    }
}
