package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.DORMANT_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DORMANT_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.OTHER_KEY;
import static io.datapost.ingest.support.ConfigFixtures.OTHER_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.RETIRED_QUOTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.schemas.LeadSubmitted;

/** The behaviours the shared cases do not spell out: check order, auth variants, limits, metrics, log hygiene. */
@ExtendWith(OutputCaptureExtension.class)
class LeadIntakeHttpTest extends RunningIngestApi {

    private static final String JSON = "application/json";
    private static final String COMPLETE = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String DEMO = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);

    private PartnerClient.Post post(String eventTypeId, String authorization) {
        PartnerClient.Post post = partner.post(eventTypeId);
        return authorization == null ? post : post.authorization(authorization);
    }

    private static List<String> errorFields(Answer answer) {
        List<String> fields = new ArrayList<>();
        answer.json().path("errors").forEach(e -> fields.add(e.path("field").asString()));
        return fields;
    }

    @Test
    void everyAuthenticationFailureGetsTheSameChallengeAndBody() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        List<String> failing = new ArrayList<>();
        failing.add(null);
        failing.add(PartnerClient.basic(DEMO_PARTNER, "wrong-key"));
        failing.add(PartnerClient.basic("no-such-partner", DEMO_KEY));
        failing.add(PartnerClient.basic(DEMO_PARTNER, ""));
        failing.add(PartnerClient.bearer("wrong-key"));
        failing.add("Basic not-base64!");
        failing.add("Digest username=\"demo-partner\"");

        // When
        List<Answer> answers = failing.stream().map(auth -> post(INSURANCE_QUOTE, auth).body(JSON, COMPLETE).send()).toList();

        // Then
        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.contentType()).startsWith("application/problem+json");
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"datapost\"");
            assertThat(answer.body()).isEqualTo(answers.get(0).body()).doesNotContain("wrong-key", "no-such-partner");
        });
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void bearerKeyAuthenticatesThePartnerItBelongsTo() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer answer = post(INSURANCE_QUOTE, PartnerClient.bearer(DEMO_KEY)).body(JSON, COMPLETE).send();

        // Then
        assertThat(answer.status()).isEqualTo(202);
        assertThat(leads.since(mark)).singleElement()
                .satisfies(record -> assertThat(record.value().getPartnerId()).isEqualTo(DEMO_PARTNER));
    }

    @Test
    void credentialsAreCheckedBeforeTheEventType() {
        assertThat(post("no-such-type", PartnerClient.basic(DEMO_PARTNER, "wrong-key")).body(JSON, COMPLETE).send().status())
                .isEqualTo(401);
    }

    @Test
    void unknownAndInactiveEventTypesAreNotFoundBeforeAnyPermissionCheck() {
        assertThat(post("no-such-type", PartnerClient.basic(OTHER_PARTNER, OTHER_KEY)).body(JSON, COMPLETE).send().status())
                .isEqualTo(404);
        assertThat(post(RETIRED_QUOTE, DEMO).body(JSON, COMPLETE).send().status()).isEqualTo(404);
    }

    @Test
    void inactivePartnerIsForbiddenEvenWithAPayoutTerm() {
        assertThat(post(INSURANCE_QUOTE, PartnerClient.basic(DORMANT_PARTNER, DORMANT_KEY)).body(JSON, COMPLETE).send()
                .status()).isEqualTo(403);
    }

    @Test
    void permissionIsCheckedBeforeTheBodyAndMediaTypeBeforeSize() {
        byte[] large = new byte[200 * 1024];

        assertThat(post(INSURANCE_QUOTE, PartnerClient.basic(OTHER_PARTNER, OTHER_KEY)).body("text/csv", large).send()
                .status()).isEqualTo(403);
        assertThat(post(INSURANCE_QUOTE, DEMO).body("text/csv", large).send().status()).isEqualTo(415);
        assertThat(post(INSURANCE_QUOTE, DEMO).send().status()).as("no content type").isEqualTo(415);
    }

    @Test
    void oversizedBodyWithoutContentLengthIsRefused() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String body = "{\"email\":\"a@example.org\",\"note\":\"" + "x".repeat(70 * 1024) + "\"}";

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body(JSON, body).chunked().send();

        // Then
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void everyFailingFieldIsListedAndNoValueIsEchoed() {
        // Given
        String body = "{\"email\":\"ana.silva@example.org\",\"first_name\":\"Ana\\u0000\",\"last_name\":\"Silva\","
                + "\"zip\":\" \",\"address\":{\"city\":\"Atlanta\"}}";

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body(JSON, body).header("Accept", "application/xml").send();

        // Then
        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(errorFields(answer)).containsExactlyInAnyOrder("address", "first_name", "phone", "zip");
        assertThat(answer.body()).doesNotContain("example.org", "Ana", "Silva", "Atlanta");
    }

    @Test
    void aCompressedBodyIs415SayingIdentityAndAnIdentityBodyIsAccepted() throws Exception {
        // Given a lead gzip-compressed, and one labelled br
        Map<TopicPartition, Long> mark = leads.mark();
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(COMPLETE.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        // When they are posted with their Content-Encoding
        Answer gzip = post(INSURANCE_QUOTE, DEMO).header("Content-Encoding", "gzip")
                .body(JSON, gzipped.toByteArray()).send();
        Answer br = post(INSURANCE_QUOTE, DEMO).header("Content-Encoding", "br").body(JSON, COMPLETE).send();
        Answer identity = post(INSURANCE_QUOTE, DEMO).header("Content-Encoding", "identity").body(JSON, COMPLETE)
                .send();

        // Then the compressed ones are 415 naming the coding we take, and only the identity one is written
        for (Answer refused : List.of(gzip, br)) {
            assertThat(refused.status()).as(refused.body()).isEqualTo(415);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.headers().firstValue("Accept-Encoding")).hasValue("identity");
        }
        assertThat(identity.status()).as(identity.body()).isEqualTo(202);
        assertThat(leads.since(mark)).hasSize(1);
    }

    @Test
    void twoIdempotencyKeyHeadersAreA400AndNothingIsWritten() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When a post carries two different keys
        Answer answer = post(INSURANCE_QUOTE, DEMO).header("Idempotency-Key", "key-a")
                .addHeader("Idempotency-Key", "key-b").body(JSON, COMPLETE).send();

        // Then
        assertThat(answer.status()).as(answer.body()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body()).doesNotContain("key-a", "key-b");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void anUnpairedSurrogateEscapeIsRefusedNotStoredAsAQuestionMark() {
        // Given JSON whose last_name is "Silva" and a lone high surrogate escape (no character at all)
        Map<TopicPartition, Long> mark = leads.mark();
        String body = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\",\"first_name\":\"Ana\","
                + "\"last_name\":\"Silva\\ud800\",\"zip\":\"30301\"}";

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body(JSON, body).send();

        // Then it is a field problem, and nothing is written
        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(errorFields(answer)).containsExactly("last_name");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void valuesThatFailTheEventTypesFieldChecksAreListedAndNothingIsWritten() {
        // Given insurance-quote checks email, phone and zip
        Map<TopicPartition, Long> mark = leads.mark();
        String body = "{\"email\":\"ana.silva.at.example.org\",\"phone\":\"55\",\"first_name\":\"Ana\","
                + "\"last_name\":\"Silva\",\"zip\":\"ABCDE\"}";

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body(JSON, body).send();

        // Then
        assertThat(answer.status()).isEqualTo(422);
        assertThat(errorFields(answer)).containsExactlyInAnyOrder("email", "phone", "zip");
        assertThat(answer.body()).doesNotContain("ana.silva", "ABCDE");
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void idempotencyKeyOverTwoHundredCharactersIsRefused() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer tooLong = post(INSURANCE_QUOTE, DEMO).header("Idempotency-Key", "k".repeat(201)).body(JSON, COMPLETE).send();
        Answer longest = post(INSURANCE_QUOTE, DEMO).header("Idempotency-Key", "k".repeat(200)).body(JSON, COMPLETE).send();

        // Then
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(errorFields(tooLong)).containsExactly("Idempotency-Key");
        assertThat(longest.status()).isEqualTo(202);
        String expectedId = UUID.nameUUIDFromBytes((DEMO_PARTNER + "\n" + "k".repeat(200))
                .getBytes(StandardCharsets.UTF_8)).toString();
        assertThat(longest.json().path("submissionId").asString()).isEqualTo(expectedId);
        assertThat(leads.since(mark)).extracting(ConsumerRecord::key).containsExactly(expectedId);
    }

    @Test
    void xmlEntityIsRefusedAndItsTextAppearsNowhere(CapturedOutput output) {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String canary = "XXE-HTTP-CANARY-2024";
        String body = "<?xml version=\"1.0\"?><!DOCTYPE lead [<!ENTITY xxe \"" + canary + "\">]><lead>"
                + "<email>&xxe;</email><phone>5550102233</phone><first_name>&xxe;</first_name>"
                + "<last_name>Lee</last_name><zip>94105</zip></lead>";

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body("application/xml", body).send();

        // Then
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.body()).doesNotContain(canary);
        List<ConsumerRecord<String, LeadSubmitted>> written = leads.since(mark);
        assertThat(written).isEmpty();
        assertThat(output.getAll()).doesNotContain(canary);
    }

    @Test
    void formWithoutCharsetIsReadAsUtf8() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).body("application/x-www-form-urlencoded",
                "email=a%40example.org&phone=5550102233&first_name=Jos%C3%A9&last_name=N%C3%BA%C3%B1ez&zip=10001").send();

        // Then
        assertThat(answer.status()).isEqualTo(202);
        assertThat(leads.since(mark)).singleElement().satisfies(record -> assertThat(record.value().getFields())
                .containsEntry("first_name", "José").containsEntry("last_name", "Núñez"));
    }

    @Test
    void springMvcErrorsAreProblemJsonToo() {
        Answer wrongMethod = partner.send("DELETE", "/v1/leads/" + INSURANCE_QUOTE, "Authorization", DEMO);
        Answer unknownPath = partner.get("/v2/nothing-here");

        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.contentType()).startsWith("application/problem+json");
        assertThat(wrongMethod.headers().firstValue("Allow").orElse("")).contains("POST");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.contentType()).startsWith("application/problem+json");
    }

    @Test
    void getIsRefusedForEventTypesThatTakeOnlyPostAndNothingIsWritten() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String query = "/v1/leads/" + INSURANCE_QUOTE
                + "?email=ana.silva%40example.org&phone=5550102233&first_name=Ana&last_name=Silva&zip=30301";

        // When
        Answer get = partner.send("GET", query, "Authorization", DEMO);
        Answer head = partner.send("HEAD", query, "Authorization", DEMO);
        Answer anonymous = partner.send("GET", query);

        // Then
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.contentType()).startsWith("application/problem+json");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(get.body()).doesNotContain("example.org", "Ana");
        assertThat(head.status()).isEqualTo(405);
        assertThat(anonymous.status()).as("credentials are checked first").isEqualTo(401);
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void malformedWaitParameterIsBadRequestAndNothingIsWritten() {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).query("wait=ten-seconds").body(JSON, COMPLETE).send();
        Answer negative = post(INSURANCE_QUOTE, DEMO).query("wait=-PT1S").body(JSON, COMPLETE).send();

        // Then
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.json().path("detail").asString()).contains("ISO-8601");
        assertThat(negative.status()).isEqualTo(400);
        assertThat(leads.since(mark)).isEmpty();
    }

    @Test
    void formBodyIsReadByUsEvenWithAQueryString() {
        // Given a form post that also carries a query string: the container must not consume the body
        Map<TopicPartition, Long> mark = leads.mark();

        // When
        Answer answer = post(INSURANCE_QUOTE, DEMO).query("wait=PT0S&utm_source=x").body("application/x-www-form-urlencoded",
                "email=a%40example.org&phone=5550102233&first_name=Jos%C3%A9&last_name=Lee&zip=10001").send();

        // Then
        assertThat(answer.status()).isEqualTo(202);
        assertThat(leads.since(mark)).singleElement().satisfies(record -> assertThat(record.value().getFields())
                .containsEntry("first_name", "José").doesNotContainKeys("wait", "utm_source"));
    }

    @Test
    void logsNameIdsButNeverValuesOrKeys(CapturedOutput output) {
        // When
        Answer accepted = post(INSURANCE_QUOTE, DEMO).body(JSON, COMPLETE).send();
        Answer refused = post(INSURANCE_QUOTE, DEMO).body(JSON, "{\"email\":\"ana.silva@example.org\",\"first_name\":\"Ana\\r\\n\"}").send();

        // Then
        assertThat(accepted.status()).isEqualTo(202);
        assertThat(refused.status()).isEqualTo(422);
        assertThat(output.getAll()).contains(accepted.json().path("submissionId").asString())
                .doesNotContain("ana.silva@example.org", "5550102233", "Silva", DEMO_KEY, DEMO.substring(6));
    }

    @Test
    void actuatorExposesHealthAndPrometheusWithLeadCountersOnly() {
        // Given
        post(INSURANCE_QUOTE, DEMO).body(JSON, COMPLETE).send();
        post(INSURANCE_QUOTE, DEMO).body(JSON, "{}").send();
        post("made-up-" + UUID.randomUUID(), DEMO).body(JSON, COMPLETE).send();

        // When
        Answer health = partner.get("/actuator/health");
        Answer readiness = partner.get("/actuator/health/readiness");
        Answer prometheus = partner.get("/actuator/prometheus");
        Answer env = partner.get("/actuator/env");

        // Then
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).contains("\"UP\"");
        assertThat(readiness.status()).as(readiness.body()).isEqualTo(200); // config loaded: configTables is UP
        assertThat(env.status()).isEqualTo(404);
        assertThat(prometheus.status()).isEqualTo(200);
        assertThat(prometheus.body())
                .containsPattern("datapost_ingest_leads_accepted_total\\{[^}]*event_type=\"insurance-quote\"[^}]*} [1-9]")
                .containsPattern("datapost_ingest_leads_rejected_total\\{[^}]*event_type=\"insurance-quote\"[^}]*status=\"422\"")
                .containsPattern("datapost_ingest_leads_rejected_total\\{[^}]*event_type=\"unknown\"[^}]*status=\"404\"")
                .doesNotContain("made-up-");
    }
}
