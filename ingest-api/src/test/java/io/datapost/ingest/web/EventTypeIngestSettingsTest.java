package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.BULK_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.PIXEL_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.PIXEL_QUOTE_MAX_BYTES;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.datapost.ingest.service.SubmissionIds;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.schemas.LeadSubmitted;

/**
 * What an event type's {@code ingest} settings change: GET with the fields in the query string
 * (pixel-quote), its own size limit (pixel-quote 1 KiB, bulk-quote 256 KiB, the default 64 KiB), and the body
 * field that carries the idempotency key (pixel-quote: lead_id).
 */
class EventTypeIngestSettingsTest extends RunningIngestApi {

    private static final String DEMO = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);
    private static final String LEAD_QUERY = "email=jos%C3%A9%40example.org&phone=5550102233&first_name=Jos%C3%A9"
            + "&last_name=N%C3%BA%C3%B1ez+Lee&zip=10001";

    private static String lead(String extraJson) {
        return "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\",\"first_name\":\"Ana\","
                + "\"last_name\":\"Silva\",\"zip\":\"30301\"" + extraJson + "}";
    }

    private static List<String> errorFields(Answer answer) {
        List<String> fields = new ArrayList<>();
        answer.json().path("errors").forEach(e -> fields.add(e.path("field").asString()));
        return fields;
    }

    @Test
    void getWithTheLeadInTheQueryStringIsAcceptedWhereTheEventTypeAllowsIt() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer answer = partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY + "&wait=PT0S",
                "Authorization", DEMO);

        // Then
        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        String id = answer.json().path("submissionId").asString();
        assertThat(leads.since(mark)).singleElement().satisfies(record -> {
            assertThat(record.key()).isEqualTo(id);
            assertThat(record.value().getEventTypeId()).isEqualTo(PIXEL_QUOTE);
            assertThat(record.value().getFields()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "email", "josé@example.org", "phone", "5550102233", "first_name", "José",
                    "last_name", "Núñez Lee", "zip", "10001"));
        });
    }

    @Test
    void getLeadsPassTheSameFieldRulesAsPosts() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer missingPhone = partner.send("GET", "/v1/leads/" + PIXEL_QUOTE
                + "?email=a%40example.org&first_name=Ana%0D%0AX-Injected:+1&last_name=Lee&zip=10001", "Authorization", DEMO);

        // Then
        assertThat(missingPhone.status()).isEqualTo(422);
        assertThat(errorFields(missingPhone)).containsExactlyInAnyOrder("phone", "first_name");
        assertThat(missingPhone.body()).doesNotContain("example.org", "X-Injected");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void queryStringLongerThanTheEventTypesLimitIsUriTooLong() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String padding = "&note=" + "x".repeat(PIXEL_QUOTE_MAX_BYTES);

        // When
        Answer answer = partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY + padding, "Authorization", DEMO);

        // Then
        assertThat(answer.status()).isEqualTo(414);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void eventTypesOwnSizeLimitReplacesTheDefaultDownAndUp() {
        // Given a 2 KiB lead (over pixel-quote's 1 KiB) and a 100 KiB lead (over the 64 KiB default)
        String twoKib = lead(",\"note\":\"" + "x".repeat(2 * 1024) + "\"");
        String hundredKib = lead(",\"note\":\"" + "x".repeat(100 * 1024) + "\"");

        // When / Then
        assertThat(partner.post(PIXEL_QUOTE).authorization(DEMO).body("application/json", twoKib).send().status())
                .isEqualTo(413);
        assertThat(partner.post(INSURANCE_QUOTE).authorization(DEMO).body("application/json", twoKib).send().status())
                .isEqualTo(202);
        assertThat(partner.post(INSURANCE_QUOTE).authorization(DEMO).body("application/json", hundredKib).send()
                .status()).isEqualTo(413);
        assertThat(partner.post(BULK_QUOTE).authorization(DEMO).body("application/json", hundredKib).send().status())
                .isEqualTo(202);
        assertThat(partner.post(BULK_QUOTE).authorization(DEMO).body("application/json", hundredKib).chunked().send()
                .status()).as("without Content-Length too").isEqualTo(202);
    }

    @Test
    void repeatedLeadWithTheSameKeyFieldGetsTheSameSubmissionIdWithoutAHeader() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String leadId = "crm-" + UUID.randomUUID();
        String body = lead(",\"lead_id\":\"" + leadId + "\"");

        // When the partner posts the same lead twice (a retry) and another lead once
        Answer first = partner.post(PIXEL_QUOTE).authorization(DEMO).body("application/json", body).send();
        Answer retry = partner.post(PIXEL_QUOTE).authorization(DEMO).body("application/json", body).send();
        Answer other = partner.post(PIXEL_QUOTE).authorization(DEMO)
                .body("application/json", lead(",\"lead_id\":\"crm-" + UUID.randomUUID() + "\"")).send();

        // Then the repeat has the id derived from partner and key, like a header key would give
        String expected = SubmissionIds.of(DEMO_PARTNER, leadId);
        assertThat(first.json().path("submissionId").asString()).isEqualTo(expected);
        assertThat(retry.json().path("submissionId").asString()).isEqualTo(expected);
        assertThat(other.json().path("submissionId").asString()).isNotEqualTo(expected);
        List<ConsumerRecord<String, LeadSubmitted>> written = leads.since(mark);
        assertThat(written).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(expected, expected,
                other.json().path("submissionId").asString());
        assertThat(written).filteredOn(record -> record.key().equals(expected))
                .allSatisfy(record -> assertThat(record.value().getIdempotencyKey()).isEqualTo(leadId));
    }

    @Test
    void idempotencyKeyHeaderWinsOverTheKeyField() {
        String headerKey = "header-" + UUID.randomUUID();

        Answer answer = partner.post(PIXEL_QUOTE).authorization(DEMO).header("Idempotency-Key", headerKey)
                .body("application/json", lead(",\"lead_id\":\"crm-" + UUID.randomUUID() + "\"")).send();

        assertThat(answer.json().path("submissionId").asString()).isEqualTo(SubmissionIds.of(DEMO_PARTNER, headerKey));
    }

    @Test
    void keyFieldLongerThanAnIdempotencyKeyMayBeIsAFieldProblem() {
        Answer answer = partner.post(PIXEL_QUOTE).authorization(DEMO)
                .body("application/json", lead(",\"lead_id\":\"" + "k".repeat(201) + "\"")).send();

        assertThat(answer.status()).isEqualTo(422);
        assertThat(errorFields(answer)).containsExactly("lead_id");
    }
}
