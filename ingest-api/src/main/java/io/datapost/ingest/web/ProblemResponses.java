package io.datapost.ingest.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import io.datapost.ingest.service.LeadRejectedException;

/**
 * Every error is {@code application/problem+json}: ours from {@link LeadRejectedException}, Spring MVC's own
 * (405, unknown paths...) through {@link ResponseEntityExceptionHandler}. The content type is set
 * explicitly so a partner's Accept header cannot turn an error into a 406.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

    static final String REALM = "Basic realm=\"datapost\"";
    static final String RETRY_AFTER_SECONDS = "5";

    @ExceptionHandler(LeadRejectedException.class)
    public ResponseEntity<ProblemDetail> rejected(LeadRejectedException e) {
        HttpStatus status = e.status();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        if (!e.errors().isEmpty()) {
            problem.setProperty("errors", e.errors());
        }
        HttpHeaders headers = new HttpHeaders();
        if (status == HttpStatus.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, REALM);
        }
        if (status == HttpStatus.SERVICE_UNAVAILABLE) {
            headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
