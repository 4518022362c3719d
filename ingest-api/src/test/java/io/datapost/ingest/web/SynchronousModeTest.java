package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.datapost.ingest.service.OutcomeWaiters;
import io.datapost.ingest.service.SubmissionIds;
import io.datapost.ingest.support.OutcomesOnTopic;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.ingest.support.SharedBroker;
import io.datapost.schemas.Verdict;
import tools.jackson.databind.JsonNode;

/**
 * {@code ?wait=}: the test plays the validator, writing the outcome of a lead once it is on the leads topic,
 * and the waiting post must answer with it; without an outcome in time the answer is the normal 202.
 */
class SynchronousModeTest extends RunningIngestApi {

    private static final String JSON = "application/json";
    private static final String COMPLETE = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String DEMO = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);
    private static final Duration MAX_WAIT = Duration.parse(RunningIngestApi.MAX_WAIT);
    /** Time an answer may take beyond its wait (scheduling, a loaded 2-core machine). */
    private static final Duration MARGIN = Duration.ofMillis(1500);

    private static OutcomesOnTopic outcomes;
    private static ExecutorService partners;

    @Autowired
    OutcomeWaiters waiters;

    @BeforeAll
    static void start() {
        outcomes = new OutcomesOnTopic(SharedBroker.bootstrapServers());
        partners = Executors.newFixedThreadPool(MAX_WAITING + 2);
    }

    @AfterAll
    static void stop() {
        partners.shutdownNow();
        outcomes.close();
    }

    @BeforeEach
    void followingOutcomes() {
        await().atMost(Duration.ofSeconds(30)).until(waiters::following);
    }

    private CompletableFuture<Answer> postWaiting(String idempotencyKey, String wait) {
        return CompletableFuture.supplyAsync(() -> partner.post(INSURANCE_QUOTE).authorization(DEMO)
                .header("Idempotency-Key", idempotencyKey).query("wait=" + wait).body(JSON, COMPLETE).send(), partners);
    }

    private static String key() {
        return "sync-" + UUID.randomUUID();
    }

    private static String id(String idempotencyKey) {
        return SubmissionIds.of(DEMO_PARTNER, idempotencyKey);
    }

    private void awaitOnLeadsTopic(Map<TopicPartition, Long> mark, List<String> submissionIds) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> leads.since(mark)
                .stream().map(ConsumerRecord::key).toList().containsAll(submissionIds));
    }

    @Test
    void acceptedVerdictThatArrivesInTimeIsTheAnswerWithOrderIdAndPayout() throws Exception {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String key = key();

        // When the partner waits and the verdict arrives while it does
        CompletableFuture<Answer> waiting = postWaiting(key, "PT5S");
        awaitOnLeadsTopic(mark, List.of(id(key)));
        outcomes.publish(OutcomesOnTopic.outcome(id(key), Verdict.ACCEPTED, null, "adv-4711", "4.00"));
        Answer answer = waiting.get(10, TimeUnit.SECONDS);

        // Then
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.contentType()).startsWith(JSON);
        JsonNode json = answer.json();
        assertThat(json.path("submissionId").asString()).isEqualTo(id(key));
        assertThat(json.path("statusUrl").asString()).isEqualTo(STATUS_BASE + "/v1/leads/" + id(key));
        assertThat(answer.headers().firstValue("Location")).hasValue(STATUS_BASE + "/v1/leads/" + id(key));
        assertThat(json.path("verdict").asString()).isEqualTo("ACCEPTED");
        assertThat(json.path("orderId").asString()).isEqualTo("adv-4711");
        assertThat(json.path("payout").asString()).isEqualTo("4.0000");
        assertThat(json.path("payoutCurrency").asString()).isEqualTo("USD");
        assertThat(json.path("revision").asInt()).isEqualTo(1);
        assertThat(answer.took()).isLessThan(MAX_WAIT);
        assertThat(waiters.waiting()).isZero();
    }

    @Test
    void rejectedVerdictIsAnsweredWithItsReasonAndNoPayout() throws Exception {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String key = key();

        // When
        CompletableFuture<Answer> waiting = postWaiting(key, "PT5S");
        awaitOnLeadsTopic(mark, List.of(id(key)));
        outcomes.publish(OutcomesOnTopic.outcome(id(key), Verdict.REJECTED, "Invalid email", null, null));
        Answer answer = waiting.get(10, TimeUnit.SECONDS);

        // Then
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        JsonNode json = answer.json();
        assertThat(json.path("verdict").asString()).isEqualTo("REJECTED");
        assertThat(json.path("reason").asString()).isEqualTo("Invalid email");
        assertThat(json.path("payout").isNull()).isTrue();
        assertThat(json.path("payoutCurrency").isNull()).isTrue();
    }

    @Test
    void withoutItsOutcomeInTimeThePostGetsTheNormal202WhenTheWaitIsOver() throws Exception {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        String key = key();

        // When only another submission's outcome arrives during the wait
        CompletableFuture<Answer> waiting = postWaiting(key, "PT1S");
        awaitOnLeadsTopic(mark, List.of(id(key)));
        outcomes.publish(OutcomesOnTopic.outcome(id(key()), Verdict.ACCEPTED, null, "not-this-one", "4.00"));
        Answer answer = waiting.get(10, TimeUnit.SECONDS);

        // Then
        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        assertThat(answer.json().path("submissionId").asString()).isEqualTo(id(key));
        assertThat(answer.json().has("verdict")).isFalse();
        assertThat(answer.took()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(1).plus(MARGIN));
        await().atMost(Duration.ofSeconds(2)).until(() -> waiters.waiting() == 0);
    }

    @Test
    void waitLongerThanTheConfiguredMaximumIsCutToIt() throws Exception {
        // When
        Answer answer = postWaiting(key(), "PT1M").get(MAX_WAIT.toSeconds() + 10, TimeUnit.SECONDS);

        // Then
        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.took()).isBetween(MAX_WAIT, MAX_WAIT.plus(MARGIN));
    }

    @Test
    void waitingPostsHoldNoRequestThreadAndBeyondTheBoundAreAnswered202AtOnce() throws Exception {
        // Given more waiting posts than the server has request threads, filling the waiting room
        Map<TopicPartition, Long> mark = leads.mark();
        List<String> keys = new ArrayList<>();
        List<CompletableFuture<Answer>> waiting = new ArrayList<>();
        for (int i = 0; i < MAX_WAITING; i++) {
            keys.add(key());
            waiting.add(postWaiting(keys.get(i), "PT5S"));
        }
        assertThat(MAX_WAITING).isGreaterThan(REQUEST_THREADS);
        await().atMost(Duration.ofSeconds(4)).until(() -> waiters.waiting() == MAX_WAITING);

        // When one more partner post asks to wait
        String extraKey = key();
        Answer extra = postWaiting(extraKey, "PT5S").get(10, TimeUnit.SECONDS);

        // Then it is stored and answered 202 without waiting
        assertThat(extra.status()).isEqualTo(202);
        assertThat(extra.took()).isLessThan(Duration.ofSeconds(2));

        // and every waiting post gets its own verdict once it arrives
        List<String> ids = keys.stream().map(SynchronousModeTest::id).toList();
        awaitOnLeadsTopic(mark, ids);
        for (String id : ids) {
            outcomes.publish(OutcomesOnTopic.outcome(id, Verdict.ACCEPTED, null, "order-" + id, "4.00"));
        }
        for (int i = 0; i < MAX_WAITING; i++) {
            Answer answer = waiting.get(i).get(10, TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.json().path("orderId").asString()).isEqualTo("order-" + ids.get(i));
        }
        assertThat(leads.since(mark)).extracting(ConsumerRecord::key).contains(id(extraKey));
    }
}
