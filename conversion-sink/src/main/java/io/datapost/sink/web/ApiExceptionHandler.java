package io.datapost.sink.web;

import java.time.LocalDate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the API (ours, Spring MVC's such as a bad date or an unknown path, and storage failures) as
 * {@code application/problem+json}.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    /** A value that does not convert (a date that is no date): named by its parameter, never echoed. */
    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException mismatch ? mismatch.getName()
                : ex.getPropertyName();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, "The parameter '" + name
                + "' has a value of the wrong form" + (ex.getRequiredType() == LocalDate.class
                        ? " (expected a date such as 2026-12-04)." : "."));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @ExceptionHandler(DataAccessException.class)
    ProblemDetail storageFailed(DataAccessException e) {
        log.error("Read query failed", e);
        return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The conversion store is unavailable; retry later.");
    }
}
