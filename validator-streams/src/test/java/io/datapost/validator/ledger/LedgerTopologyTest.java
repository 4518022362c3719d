package io.datapost.validator.ledger;

import static io.datapost.validator.Fixtures.json;
import static io.datapost.validator.Fixtures.lead;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.VerdictRule;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.Fixtures;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;

/** The ledger topology driven with explicit record timestamps: no broker, no sleeping. */
class LedgerTopologyTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant WALL_CLOCK = Instant.parse("2026-01-01T00:00:05Z");
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    /** receivedAt + timeout x attempts + grace. */
    private static final Instant DEADLINE =
            T0.plusMillis((long) Fixtures.TIMEOUT_MILLIS * Fixtures.MAX_ATTEMPTS).plus(GRACE);
    private static final String ACCEPTED_BODY = "{\"status\":\"accepted\",\"lead_id\":\"L-311\",\"price\":\"25.00\"}";

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, LeadSubmitted> leads;
    private TestInputTopic<String, AdvertiserResponse> responses;
    private TestInputTopic<String, EventType> eventTypes;
    private TestInputTopic<String, Partner> partners;
    private TestOutputTopic<String, LeadOutcome> outcomes;
    private TestOutputTopic<String, ConversionRecorded> conversions;
    private TestOutputTopic<String, PayoutEvent> payouts;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void startDriver() {
        ValidatorProperties settings = new ValidatorProperties(1, stateDir.toString(), GRACE, CHECK_INTERVAL,
                Duration.ofSeconds(5), Map.of());
        Properties props = StreamsProperties.of("unused:9092", settings, null);
        driver = new TopologyTestDriver(
                LedgerTopology.build(new LedgerSettings(GRACE, CHECK_INTERVAL, new LedgerMetrics(registry))),
                props, WALL_CLOCK);
        leads = input(Topics.LEADS);
        responses = input(Topics.ADVERTISER_RESPONSES);
        eventTypes = input(Topics.EVENT_TYPES);
        partners = input(Topics.PARTNERS);
        outcomes = output(Topics.LEAD_OUTCOMES);
        conversions = output(Topics.CONVERSIONS);
        payouts = output(Topics.PAYOUTS);
        deadLetters = output(Topics.DEAD_LETTERS);

        eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build(), T0);
        partners.pipeInput(Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.FIXED, "4.00"), T0);
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void leadAndFinalResponseEmitOneOutcomeOneConversionAndOnePayout() {
        // Given
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        // When
        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(2));

        // Then
        List<TestRecord<String, LeadOutcome>> decided = outcomes.readRecordsToList();
        assertThat(decided).hasSize(1);
        LeadOutcome outcome = decided.get(0).value();
        assertThat(decided.get(0).key()).isEqualTo("s-1");
        assertThat(outcome.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(outcome.getRevision()).isEqualTo(1);
        assertThat(outcome.getOrderId()).isEqualTo("L-311");
        assertThat(outcome.getAmount()).isEqualTo(Fixtures.money("25.00"));
        assertThat(outcome.getCurrency()).isEqualTo("USD");
        assertThat(outcome.getPayout()).isEqualTo(Fixtures.money("4.00"));
        assertThat(outcome.getAttempts()).isEqualTo(1);
        assertThat(outcome.getFailureClass()).isEqualTo(FailureClass.NONE);
        assertThat(outcome.getReceivedAt()).isEqualTo(T0);
        assertThat(outcome.getDecidedAt()).isEqualTo(WALL_CLOCK);

        List<TestRecord<String, ConversionRecorded>> recorded = conversions.readRecordsToList();
        assertThat(recorded).hasSize(1);
        assertThat(recorded.get(0).key()).isEqualTo("s-1");
        assertThat(recorded.get(0).value().getConversionId()).isEqualTo("s-1:1");
        assertThat(recorded.get(0).value().getOrderId()).isEqualTo("L-311");
        assertThat(recorded.get(0).value().getAmount()).isEqualTo(Fixtures.money("25.00"));

        List<TestRecord<String, PayoutEvent>> paid = payouts.readRecordsToList();
        assertThat(paid).hasSize(1);
        PayoutEvent payout = paid.get(0).value();
        assertThat(paid.get(0).key()).isEqualTo("s-1");
        assertThat(payout.getPayoutId()).isEqualTo("s-1:1");
        assertThat(payout.getKind()).isEqualTo(PayoutKind.PAYMENT);
        assertThat(payout.getAmount()).isEqualTo(Fixtures.money("4.00"));
        assertThat(payout.getCurrency()).isEqualTo("USD");
        assertThat(payout.getPartnerId()).isEqualTo(Fixtures.PARTNER);
        assertThat(counter(LedgerMetrics.OUTCOMES, "verdict", "ACCEPTED")).isEqualTo(1.0);
    }

    @Test
    void rejectedLeadGetsAnOutcomeButNoConversionNorPayout() {
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        responses.pipeInput("s-1", json("s-1", 1, true, 200, "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}")
                .build(), T0.plusSeconds(1));

        LeadOutcome outcome = outcomes.readValue();
        assertThat(outcome.getVerdict()).isEqualTo(Verdict.REJECTED);
        assertThat(outcome.getReason()).isEqualTo("Duplicate lead");
        assertThat(outcome.getPayout()).isNull();
        assertThat(outcomes.isEmpty()).isTrue();
        assertThat(conversions.isEmpty()).isTrue();
        assertThat(payouts.isEmpty()).isTrue();
    }

    @Test
    void nonFinalAttemptNeverDecides() {
        // Given
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        // When: a retryable failure, then time passes up to just before the deadline
        responses.pipeInput("s-1", Fixtures.response("s-1", 1, false, FailureClass.TIMEOUT).build(), T0.plusSeconds(5));
        advanceStreamTimeTo(DEADLINE.minusMillis(1));

        // Then
        assertThat(outcomes.isEmpty()).isTrue();

        // and the final attempt decides, counting both attempts
        responses.pipeInput("s-1", json("s-1", 2, true, 200, ACCEPTED_BODY).build(), DEADLINE.minusMillis(1));
        LeadOutcome outcome = outcomes.readValue();
        assertThat(outcome.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(outcome.getAttempts()).isEqualTo(2);
    }

    @Test
    void repeatedLeadIsDroppedAndPaidOnce() {
        // Given: a partner retry with the same Idempotency-Key lands as the same submission id
        leads.pipeInput("s-1", lead("s-1", T0), T0);
        leads.pipeInput("s-1", lead("s-1", T0), T0.plusMillis(10));

        // When
        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(1));
        leads.pipeInput("s-1", lead("s-1", T0), T0.plusSeconds(2));

        // Then
        assertThat(outcomes.readRecordsToList()).hasSize(1);
        assertThat(payouts.readRecordsToList()).hasSize(1);
        assertThat(conversions.readRecordsToList()).hasSize(1);
        assertThat(counter(LedgerMetrics.DUPLICATES, "kind", "lead")).isEqualTo(2.0);
    }

    @Test
    void repeatedFinalResponseDoesNotDecideOrPayAgain() {
        leads.pipeInput("s-1", lead("s-1", T0), T0);
        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(1));

        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(2));

        assertThat(outcomes.readRecordsToList()).hasSize(1);
        assertThat(payouts.readRecordsToList()).hasSize(1);
        assertThat(counter(LedgerMetrics.DUPLICATES, "kind", "final-response")).isEqualTo(1.0);
    }

    @Test
    void responseBeforeLeadDecidesOnceTheLeadArrives() {
        // Given
        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(1));
        assertThat(outcomes.isEmpty()).isTrue();

        // When
        leads.pipeInput("s-1", lead("s-1", T0), T0.plusSeconds(1));

        // Then
        assertThat(outcomes.readValue().getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(payouts.readRecordsToList()).hasSize(1);
        assertThat(outcomes.isEmpty()).isTrue();
    }

    @Test
    void noResponseOnlyAfterTheDeadline() {
        // Given
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        // When: stream time reaches just before the deadline
        advanceStreamTimeTo(DEADLINE.minusMillis(1));

        // Then
        assertThat(outcomes.isEmpty()).isTrue();

        // When: stream time passes it (by at most one check interval)
        advanceStreamTimeTo(DEADLINE.plus(CHECK_INTERVAL));

        // Then
        List<LeadOutcome> decided = outcomes.readValuesToList();
        assertThat(decided).hasSize(1);
        assertThat(decided.get(0).getVerdict()).isEqualTo(Verdict.NO_RESPONSE);
        assertThat(decided.get(0).getRevision()).isEqualTo(1);
        assertThat(decided.get(0).getReceivedAt()).isEqualTo(T0);
        assertThat(decided.get(0).getPayout()).isNull();
        assertThat(payouts.isEmpty()).isTrue();

        // and stays decided
        advanceStreamTimeTo(DEADLINE.plusSeconds(60));
        assertThat(outcomes.isEmpty()).isTrue();
    }

    @Test
    void finalResponseAfterNoResponseEmitsRevisionTwoAndExactlyOnePayment() {
        // Given
        leads.pipeInput("s-1", lead("s-1", T0), T0);
        advanceStreamTimeTo(DEADLINE.plus(CHECK_INTERVAL));
        assertThat(outcomes.readValue().getVerdict()).isEqualTo(Verdict.NO_RESPONSE);

        // When: the answer arrives late, then once more
        Instant late = DEADLINE.plusSeconds(30);
        responses.pipeInput("s-1", json("s-1", 3, true, 200, ACCEPTED_BODY).build(), late);
        responses.pipeInput("s-1", json("s-1", 3, true, 200, ACCEPTED_BODY).build(), late.plusSeconds(1));

        // Then
        List<LeadOutcome> corrections = outcomes.readValuesToList();
        assertThat(corrections).hasSize(1);
        assertThat(corrections.get(0).getRevision()).isEqualTo(2);
        assertThat(corrections.get(0).getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(corrections.get(0).getPayout()).isEqualTo(Fixtures.money("4.00"));
        List<PayoutEvent> paid = payouts.readValuesToList();
        assertThat(paid).hasSize(1);
        assertThat(paid.get(0).getPayoutId()).isEqualTo("s-1:2");
        assertThat(paid.get(0).getRevision()).isEqualTo(2);
        assertThat(conversions.readValue().getConversionId()).isEqualTo("s-1:2");
        assertThat(counter(LedgerMetrics.OUTCOMES, "correction", "true")).isEqualTo(1.0);
    }

    @Test
    void percentPayoutIsRoundedHalfEvenToTheCurrencyMinorUnit() {
        // Given: 10% of 10.25 = 1.025, which HALF_EVEN rounds to 1.02 (HALF_UP would pay 1.03)
        partners.pipeInput(Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.PERCENT, "10"), T0);
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        // When
        responses.pipeInput("s-1", json("s-1", 1, true, 200, "{\"status\":\"accepted\",\"price\":10.25}").build(),
                T0.plusSeconds(1));

        // Then
        assertThat(payouts.readValue().getAmount()).isEqualTo(Fixtures.money("1.02"));
        assertThat(outcomes.readValue().getPayout()).isEqualTo(Fixtures.money("1.02"));
    }

    @Test
    void ruleChangesOnTheConfigTopicApplyToTheNextDecision() {
        // Given: the advertiser now answers {"code":2000}
        eventTypes.pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote()
                .setRule(VerdictRule.newBuilder().setJsonPath("$.code").setEquals("2000").build()).build(), T0);
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        // When
        responses.pipeInput("s-1", json("s-1", 1, true, 200, "{\"code\":2000}").build(), T0.plusSeconds(1));

        // Then
        assertThat(outcomes.readValue().getVerdict()).isEqualTo(Verdict.ACCEPTED);
    }

    @Test
    void undecodableLeadGoesToDeadLettersAndTheNextRecordIsStillProcessed() {
        // Given
        TestInputTopic<byte[], byte[]> rawLeads = driver.createInputTopic(Topics.LEADS.name(),
                new ByteArraySerializer(), new ByteArraySerializer());
        byte[] garbage = "not an avro record".getBytes(StandardCharsets.UTF_8);

        // When
        rawLeads.pipeInput("s-bad".getBytes(StandardCharsets.UTF_8), garbage, T0);
        leads.pipeInput("s-1", lead("s-1", T0), T0);
        responses.pipeInput("s-1", json("s-1", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(1));

        // Then
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).key()).asString(StandardCharsets.UTF_8).isEqualTo("s-bad");
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        Headers headers = dead.get(0).headers();
        assertThat(header(headers, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.LEADS.name());
        assertThat(header(headers, DeadLetters.ORIGINAL_OFFSET)).isEqualTo("0");
        assertThat(header(headers, DeadLetters.SERVICE)).isEqualTo("validator-streams");
        assertThat(header(headers, DeadLetters.CAUSE_CLASS)).isEqualTo(SerializationException.class.getName());
        assertThat(header(headers, DeadLetters.CAUSE_MESSAGE)).contains("Cannot decode LeadSubmitted");
        assertThat(outcomes.readValue().getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(counter(LedgerMetrics.DEAD_LETTERS, "topic", Topics.LEADS.name())).isEqualTo(1.0);
    }

    @Test
    void responseWhoseKeyIsNotItsSubmissionIdGoesToDeadLetters() {
        leads.pipeInput("s-1", lead("s-1", T0), T0);

        responses.pipeInput("s-1", json("s-2", 1, true, 200, ACCEPTED_BODY).build(), T0.plusSeconds(1));

        assertThat(header(deadLetters.readRecord().headers(), DeadLetters.CAUSE_CLASS))
                .isEqualTo(IllegalArgumentException.class.getName());
        assertThat(outcomes.isEmpty()).isTrue();
    }

    /** Stream time moves only with records: an attempt of an unrelated submission (it sets no deadline). */
    private void advanceStreamTimeTo(Instant time) {
        responses.pipeInput("clock", Fixtures.response("clock", 1, false, FailureClass.TIMEOUT).build(), time);
    }

    private double counter(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String header(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerializer(), topic.valueSerializer());
    }

    private <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keyDeserializer(), topic.valueDeserializer());
    }
}
