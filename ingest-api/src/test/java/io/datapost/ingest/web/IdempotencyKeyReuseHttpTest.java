package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.PIXEL_QUOTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;

/**
 * One instance refuses an idempotency key it accepted with another body (422) and keeps answering the identical
 * retry with 202 and the same submission id; the lead it accepted first is the only one written.
 */
class IdempotencyKeyReuseHttpTest extends RunningIngestApi {

    private static final String JSON = "application/json";
    private static final String FIRST = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String SAME_FIELDS_OTHER_ORDER = "{\"zip\":\"30301\",\"last_name\":\"Silva\","
            + "\"first_name\":\"Ana\",\"phone\":\"5550102233\",\"email\":\"ana.silva@example.org\"}";
    private static final String OTHER = "{\"email\":\"bo.berg@example.org\",\"phone\":\"5550109999\","
            + "\"first_name\":\"Bo\",\"last_name\":\"Berg\",\"zip\":\"30301\"}";
    private static final String DEMO = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);

    @Test
    void identicalRetryGets202WithTheSameIdAndAnotherBodyUnderTheKeyGets422() {
        // Given a lead accepted under a key
        String key = "reuse-" + UUID.randomUUID();
        Map<TopicPartition, Long> mark = leads.mark();
        Answer first = send(key, FIRST);

        // When the partner retries it (fields in another order), then posts another lead under the same key
        Answer retry = send(key, SAME_FIELDS_OTHER_ORDER);
        Answer reused = send(key, OTHER);

        // Then the retry is accepted as the same submission
        assertThat(first.status()).isEqualTo(202);
        assertThat(retry.status()).isEqualTo(202);
        assertThat(retry.json().path("submissionId").asString())
                .isEqualTo(first.json().path("submissionId").asString());

        // and the other body is refused as a reused key, naming nothing of either lead
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.contentType()).startsWith("application/problem+json");
        assertThat(reused.json().path("detail").asString()).contains("already accepted under this idempotency key");
        assertThat(reused.json().path("type").asString()).isEqualTo("/problems/idempotency-key-reused");
        assertThat(reused.json().path("title").asString()).isEqualTo("Idempotency-Key already used with a different body");
        assertThat(reused.body()).doesNotContain("bo.berg", "ana.silva", key);

        // and only the accepted copies were written, both with the first body's fields
        assertThat(leads.since(mark)).hasSize(2).allSatisfy(record -> {
            assertThat(record.key()).isEqualTo(first.json().path("submissionId").asString());
            assertThat(record.value().getFields()).containsEntry("email", "ana.silva@example.org");
        });

        // and the first body is still the one that counts: the identical retry is still a 202
        assertThat(send(key, FIRST).status()).isEqualTo(202);
    }

    @Test
    void keyFromTheEventTypesKeyFieldIsCheckedTheSameWay() {
        // Given a lead whose key is its lead_id field
        String leadId = "field-" + UUID.randomUUID();
        Answer first = partner.post(PIXEL_QUOTE).authorization(DEMO)
                .body(JSON, withLeadId(FIRST, leadId)).send();

        // When the same lead_id comes with another email
        Answer reused = partner.post(PIXEL_QUOTE).authorization(DEMO)
                .body(JSON, withLeadId(OTHER, leadId)).send();

        // Then
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(reused.status()).isEqualTo(422);
        assertThat(reused.json().path("detail").asString()).contains("already accepted under this idempotency key");
    }

    @Test
    void ofTwoConcurrentPostsOfOneKeyWithDifferentBodiesOneIsAcceptedAndWrittenAndTheOtherGets422() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 12; round++) {
                // Given two posts of one key with different bodies, sent at the same moment
                String key = "race-" + round + "-" + UUID.randomUUID();
                Map<TopicPartition, Long> mark = leads.mark();
                CyclicBarrier together = new CyclicBarrier(2);
                Future<Answer> first = pool.submit(() -> {
                    together.await();
                    return send(key, FIRST);
                });
                Future<Answer> other = pool.submit(() -> {
                    together.await();
                    return send(key, OTHER);
                });
                Answer a = first.get(30, TimeUnit.SECONDS);
                Answer b = other.get(30, TimeUnit.SECONDS);

                // Then exactly one is accepted, the other is refused as a reused key
                assertThat(List.of(a.status(), b.status())).as("round " + round)
                        .containsExactlyInAnyOrder(202, 422);
                // and the one lead written is the accepted one: no 202 for a lead the gate would drop
                String acceptedEmail = a.status() == 202 ? "ana.silva@example.org" : "bo.berg@example.org";
                assertThat(leads.since(mark)).as("round " + round).singleElement()
                        .satisfies(r -> assertThat(r.value().getFields()).containsEntry("email", acceptedEmail));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String withLeadId(String json, String leadId) {
        return "{\"lead_id\":\"" + leadId + "\"," + json.substring(1);
    }

    private Answer send(String key, String body) {
        return partner.post(INSURANCE_QUOTE).authorization(DEMO).header("Idempotency-Key", key).body(JSON, body).send();
    }
}
