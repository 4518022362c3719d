package io.datapost.ingest.web;

import java.io.IOException;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.ingest.server.EdgeProperties;
import io.datapost.ingest.service.LeadIntake;
import io.datapost.ingest.service.LeadIntake.Method;
import io.datapost.ingest.service.LeadIntake.Post;
import io.datapost.ingest.service.LeadRejectedException;
import io.datapost.ingest.service.LeadRules;

/**
 * {@code POST /v1/leads/{eventTypeId}} and, for event types that allow it, {@code GET} with the fields in the
 * query string. Takes the raw body stream and the raw query string itself (no {@code @RequestBody}, no
 * {@code @RequestParam}, no {@code getParameter}: those would let the container consume a form body), so
 * the size limit and the declared charset are ours to enforce. Answers 202 at once, or, with {@code ?wait=},
 * later and without holding a thread (see {@link SynchronousAnswers}). The body must arrive within
 * {@code datapost.ingest.edge.body-deadline} (408 otherwise, see {@link BodyDeadlineInputStream}).
 */
@RestController
public class LeadController {

    static final String LEADS_PATH = "/v1/leads/{eventTypeId}";

    private final LeadIntake intake;
    private final SynchronousAnswers answers;
    private final long bodyDeadlineNanos;

    public LeadController(LeadIntake intake, SynchronousAnswers answers, EdgeProperties edge) {
        this.intake = intake;
        this.answers = answers;
        this.bodyDeadlineNanos = edge.bodyDeadline().toNanos();
    }

    /** @return a {@code ResponseEntity} (202) or a {@code DeferredResult} of one (200 with the verdict, or 202) */
    @PostMapping(LEADS_PATH)
    public Object submit(@PathVariable String eventTypeId, HttpServletRequest request) throws IOException {
        BodyDeadlineInputStream body = new BodyDeadlineInputStream(request.getInputStream(),
                System.nanoTime() + bodyDeadlineNanos);
        return answers.answer(intake.submit(Post.post(eventTypeId, request.getHeader(HttpHeaders.AUTHORIZATION),
                idempotencyKey(request), request.getContentType(),
                String.join(",", Collections.list(request.getHeaders(HttpHeaders.CONTENT_ENCODING))),
                request.getContentLengthLong(), body,
                request.getQueryString())));
    }

    /** Spring MVC routes HEAD here too; the intake refuses it (405) rather than create a lead. */
    @GetMapping(LEADS_PATH)
    public Object submitByQuery(@PathVariable String eventTypeId, HttpServletRequest request) {
        Method method = "HEAD".equalsIgnoreCase(request.getMethod()) ? Method.HEAD : Method.GET;
        return answers.answer(intake.submit(Post.query(method, eventTypeId,
                request.getHeader(HttpHeaders.AUTHORIZATION), idempotencyKey(request), request.getQueryString())));
    }

    /** The one Idempotency-Key header; two are ambiguous (which one would the partner retry with?): 400. */
    private static String idempotencyKey(HttpServletRequest request) {
        List<String> keys = Collections.list(request.getHeaders(LeadRules.IDEMPOTENCY_KEY_HEADER));
        if (keys.size() > 1) {
            throw LeadRejectedException.malformed("Send one Idempotency-Key header, not " + keys.size() + ".");
        }
        return keys.isEmpty() ? null : keys.get(0);
    }
}
