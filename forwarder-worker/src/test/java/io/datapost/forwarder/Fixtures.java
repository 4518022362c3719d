package io.datapost.forwarder;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.VerdictRule;

/** Test data builders. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A POST JSON request to the URL with the schema's defaults otherwise. */
    public static AdvertiserRequest.Builder request(String url) {
        return AdvertiserRequest.newBuilder()
                .setUrl(url)
                .setMethod("POST")
                .setBodyFormat("JSON")
                .setFieldMapping(Map.of())
                .setHeaders(Map.of())
                .setIdempotencyHeader("Idempotency-Key")
                .setConnectTimeoutMillis(1000)
                .setTimeoutMillis(5000)
                .setIdempotent(false)
                .setMaxAttempts(3);
    }

    public static EventType eventType(String id, AdvertiserRequest request) {
        return EventType.newBuilder()
                .setId(id)
                .setActive(true)
                .setCurrency("USD")
                .setRequiredFields(List.of())
                .setRequest(request)
                .setRule(VerdictRule.newBuilder().setAcceptStatuses(List.of(200, 201)).build())
                .setExtraction(Extraction.newBuilder().build())
                .build();
    }

    public static LeadSubmitted lead(String submissionId, String eventTypeId, Map<String, String> fields) {
        return LeadSubmitted.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(eventTypeId)
                .setPartnerId("demo-partner")
                .setFields(fields)
                .setReceivedAt(Instant.parse("2026-01-02T03:04:05Z"))
                .build();
    }
}
