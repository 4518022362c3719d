package io.datapost.ingest.service;

import java.util.List;

import org.springframework.http.HttpStatus;

/**
 * A post that is not accepted, with the status and a detail that is safe to show the partner: no field
 * values, no credentials, no parser messages (they can quote the body).
 */
public class LeadRejectedException extends RuntimeException {

    private final HttpStatus status;
    private final List<FieldProblem> errors;

    public LeadRejectedException(HttpStatus status, String detail) {
        this(status, detail, List.of());
    }

    public LeadRejectedException(HttpStatus status, String detail, List<FieldProblem> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    public HttpStatus status() {
        return status;
    }

    /** For 422: every failing field. */
    public List<FieldProblem> errors() {
        return errors;
    }

    public static LeadRejectedException unauthenticated() {
        return new LeadRejectedException(HttpStatus.UNAUTHORIZED, "Missing or invalid partner credentials.");
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

    public static LeadRejectedException unavailable(String detail) {
        return new LeadRejectedException(HttpStatus.SERVICE_UNAVAILABLE, detail);
    }
}
