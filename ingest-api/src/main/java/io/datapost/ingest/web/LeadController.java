package io.datapost.ingest.web;

import java.io.IOException;
import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.service.LeadIntake;
import io.datapost.ingest.service.LeadRules;

/**
 * {@code POST /v1/leads/{eventTypeId}}. Takes the raw body stream itself (no {@code @RequestBody}, no
 * {@code getParameter}) so the size limit and the declared charset are ours to enforce.
 */
@RestController
public class LeadController {

    private final LeadIntake intake;
    private final String statusBaseUrl;

    public LeadController(LeadIntake intake, IngestProperties properties) {
        this.intake = intake;
        this.statusBaseUrl = properties.statusBaseUrl();
    }

    public record SubmissionAccepted(String submissionId, String statusUrl) {
    }

    @PostMapping("/v1/leads/{eventTypeId}")
    public ResponseEntity<SubmissionAccepted> submit(@PathVariable String eventTypeId, HttpServletRequest request)
            throws IOException {
        LeadIntake.Accepted accepted = intake.submit(new LeadIntake.Post(eventTypeId,
                request.getHeader(HttpHeaders.AUTHORIZATION), request.getHeader(LeadRules.IDEMPOTENCY_KEY_HEADER),
                request.getContentType(), request.getContentLengthLong(), request.getInputStream()));
        String statusUrl = statusBaseUrl + "/v1/leads/" + accepted.submissionId();
        return ResponseEntity.accepted().location(URI.create(statusUrl)).contentType(MediaType.APPLICATION_JSON)
                .body(new SubmissionAccepted(accepted.submissionId(), statusUrl));
    }
}
