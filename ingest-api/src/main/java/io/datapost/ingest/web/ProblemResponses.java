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
 * Every error is {@code application/problem+json}: ours from {@link LeadRejectedException} (with the headers
 * that belong to the status: WWW-Authenticate, Retry-After, Allow), Spring MVC's own (405 for other methods,
 * unknown paths...) through {@link ResponseEntityExceptionHandler}. The content type is set explicitly so a
 * partner's Accept header cannot turn an error into a 406.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

    @ExceptionHandler(LeadRejectedException.class)
    public ResponseEntity<ProblemDetail> rejected(LeadRejectedException e) {
        HttpStatus status = e.status();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        if (!e.errors().isEmpty()) {
            problem.setProperty("errors", e.errors());
        }
        HttpHeaders headers = new HttpHeaders();
        e.headers().forEach(headers::set);
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
