package io.datapost.sink.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** The API's errors, rendered as {@code application/problem+json} by {@link ApiExceptionHandler}. */
final class ApiProblems {

    static final String CHALLENGE = "Basic realm=\"datapost\", Bearer realm=\"datapost\"";

    private ApiProblems() {
    }

    static ErrorResponseException problem(HttpStatus status, String detail) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        return new ErrorResponseException(status, body, null);
    }

    /** The same answer for a missing, malformed, unknown or disabled credential. */
    static ErrorResponseException unauthorized() {
        ErrorResponseException e = problem(HttpStatus.UNAUTHORIZED, "Valid partner credentials are required.");
        e.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        return e;
    }

    static ErrorResponseException partnersLoading() {
        ErrorResponseException e = problem(HttpStatus.SERVICE_UNAVAILABLE,
                "The partner directory is still loading; retry shortly.");
        e.getHeaders().set(HttpHeaders.RETRY_AFTER, "2");
        return e;
    }

    static ErrorResponseException forbidden(String detail) {
        return problem(HttpStatus.FORBIDDEN, detail);
    }

    static ErrorResponseException notFound(String detail) {
        return problem(HttpStatus.NOT_FOUND, detail);
    }

    static ErrorResponseException badRequest(String detail) {
        return problem(HttpStatus.BAD_REQUEST, detail);
    }
}
