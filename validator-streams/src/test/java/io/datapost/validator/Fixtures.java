package io.datapost.validator;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.VerdictRule;

/** Test data shaped like config/event-types/insurance-quote.yaml and config/partners/demo-partner.yaml. */
public final class Fixtures {

    public static final String EVENT_TYPE = "insurance-quote";
    public static final String PARTNER = "demo-partner";
    public static final int TIMEOUT_MILLIS = 5_000;
    public static final int MAX_ATTEMPTS = 3;

    private Fixtures() {
    }

    /** $.status == accepted; lead_id, price, reason extracted; default price 10.00 USD. */
    public static EventType.Builder insuranceQuote() {
        return EventType.newBuilder()
                .setId(EVENT_TYPE)
                .setCurrency("USD")
                .setDefaultPrice(money("10.00"))
                .setRequest(AdvertiserRequest.newBuilder()
                        .setUrl("http://127.0.0.1:8099/v1/leads")
                        .setTimeoutMillis(TIMEOUT_MILLIS)
                        .setMaxAttempts(MAX_ATTEMPTS)
                        .build())
                .setRule(VerdictRule.newBuilder()
                        .setAcceptStatuses(List.of(200, 201))
                        .setJsonPath("$.status")
                        .setEquals("accepted")
                        .build())
                .setExtraction(Extraction.newBuilder()
                        .setOrderId("$.lead_id")
                        .setAmount("$.price")
                        .setReason("$.reason")
                        .build());
    }

    public static Partner partner(PayoutTermKind kind, String value) {
        return Partner.newBuilder()
                .setId(PARTNER)
                .setName("Demo Partner")
                .setPayouts(List.of(PayoutTerm.newBuilder()
                        .setEventTypeId(EVENT_TYPE)
                        .setKind(kind)
                        .setValue(money(value))
                        .setCurrency("USD")
                        .build()))
                .build();
    }

    public static LeadSubmitted lead(String submissionId, Instant receivedAt) {
        return LeadSubmitted.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(EVENT_TYPE)
                .setPartnerId(PARTNER)
                .setFields(Map.of("email", "someone@example.com"))
                .setReceivedAt(receivedAt)
                .build();
    }

    /** An HTTP answer (failure class NONE). */
    public static AdvertiserResponse.Builder answer(String submissionId, int attempt, boolean isFinal, int status,
            String contentType, String body) {
        return response(submissionId, attempt, isFinal, FailureClass.NONE)
                .setHttpStatus(status)
                .setContentType(contentType)
                .setBody(body == null ? null : bytes(body, StandardCharsets.UTF_8));
    }

    public static AdvertiserResponse.Builder json(String submissionId, int attempt, boolean isFinal, int status,
            String body) {
        return answer(submissionId, attempt, isFinal, status, "application/json", body);
    }

    public static AdvertiserResponse.Builder response(String submissionId, int attempt, boolean isFinal,
            FailureClass failureClass) {
        return AdvertiserResponse.newBuilder()
                .setSubmissionId(submissionId)
                .setEventTypeId(EVENT_TYPE)
                .setPartnerId(PARTNER)
                .setAttempt(attempt)
                .setFinalAttempt(isFinal)
                .setRequestId(submissionId + "-" + attempt)
                .setFailureClass(failureClass)
                .setLatencyMillis(42)
                .setRespondedAt(Instant.parse("2026-01-01T00:00:01Z"));
    }

    public static ByteBuffer bytes(String text, Charset charset) {
        return ByteBuffer.wrap(text.getBytes(charset));
    }

    public static BigDecimal money(String value) {
        return new BigDecimal(value).setScale(4);
    }
}
