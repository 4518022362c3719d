package io.datapost.ingest.web;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import io.datapost.ingest.server.ProblemJson;
import io.datapost.ingest.service.LeadRejectedException;
import io.datapost.ingest.web.BodyDeadlineInputStream.BodyTimedOutException;

/**
 * Every error is {@code application/problem+json}: ours from {@link LeadRejectedException} (with the headers
 * that belong to the status: WWW-Authenticate, Retry-After, Allow), Spring MVC's own (405 for other methods,
 * unknown paths...) through {@link ResponseEntityExceptionHandler}. The content type is set explicitly so a
 * partner's Accept header cannot turn an error into a 406. A body that stops arriving is a 408 that closes the
 * connection; any other exception a 500 that names nothing of it (its class and stack are logged, its message,
 * which may quote input, is not). Errors outside Spring MVC: {@link ProblemErrorController} and
 * {@link io.datapost.ingest.server.ProblemErrorReportValve}.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    @ExceptionHandler(LeadRejectedException.class)
    public ResponseEntity<ProblemDetail> rejected(LeadRejectedException e) {
        HttpStatus status = e.status();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        if (e.type() != null) {
            problem.setType(e.type());
        }
        if (e.title() != null) {
            problem.setTitle(e.title());
        }
        if (!e.errors().isEmpty()) {
            problem.setProperty("errors", e.errors());
        }
        HttpHeaders headers = new HttpHeaders();
        e.headers().forEach(headers::set);
        return ResponseEntity.status(status).headers(headers).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    @ExceptionHandler(BodyTimedOutException.class)
    public ResponseEntity<byte[]> bodyTimedOut(HttpServletRequest request) {
        log.debug("Body of a post to {} did not arrive in time", request.getRequestURI());
        // a fixed length, not chunked: the connection is closed right after it (see ProblemErrorReportValve), and
        // no Connection header of ours: Tomcat adds "close" to a 408 itself
        byte[] body = ProblemJson.body(HttpStatus.REQUEST_TIMEOUT.value(), request.getRequestURI());
        return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .contentLength(body.length).body(body);
    }

    /** Not Spring's "No static resource {path}.": the detail never repeats what the client sent. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ProblemJson.detail(404));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("Unexpected {} answering {} {}", e.getClass().getName(), request.getMethod(), request.getRequestURI(),
                withoutMessages(e));
        return fixed(HttpStatus.INTERNAL_SERVER_ERROR).body(problem(HttpStatus.INTERNAL_SERVER_ERROR, request));
    }

    private static ResponseEntity.BodyBuilder fixed(HttpStatus status) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private static ProblemDetail problem(HttpStatus status, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, ProblemJson.detail(status.value()));
        problem.setInstance(java.net.URI.create(request.getRequestURI()));
        return problem;
    }

    /** The exception's chain of classes and stack frames, without the messages (they may quote a lead). */
    static Throwable withoutMessages(Throwable e) {
        Throwable cause = e.getCause() == null || e.getCause() == e ? null : withoutMessages(e.getCause());
        Throwable copy = new Throwable(e.getClass().getName(), cause);
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }
}
