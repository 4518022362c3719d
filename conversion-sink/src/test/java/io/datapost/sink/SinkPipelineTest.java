package io.datapost.sink;

import static io.datapost.sink.support.KafkaTestClient.header;
import static io.datapost.sink.support.TestRecords.DEMO_PARTNER;
import static io.datapost.sink.support.TestRecords.money;
import static io.datapost.sink.support.TestRecords.newSubmissionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.kafka.SinkMetrics;
import io.datapost.sink.support.EmbeddedInfrastructure;
import io.datapost.sink.support.KafkaTestClient;
import io.datapost.sink.support.TestRecords;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/** Kafka to PostgreSQL on a real broker and a real database. */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "spring.config.name=conversion-sink",
        "datapost.sink.retry.initial-interval=100ms",
        "datapost.sink.retry.max-interval=200ms",
        "datapost.sink.retry.max-attempts=" + SinkPipelineTest.RETRY_ATTEMPTS })
@DirtiesContext
class SinkPipelineTest {

    static final int RETRY_ATTEMPTS = 3;
    private static final String GROUP = "datapost-sink";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final byte[] GARBAGE = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);

    static final EmbeddedPostgres POSTGRES = EmbeddedInfrastructure.postgres();
    static final EmbeddedKafkaKraftBroker KAFKA = EmbeddedInfrastructure.kafka();
    static KafkaTestClient kafka;

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> EmbeddedInfrastructure.jdbcUrl(POSTGRES));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "postgres");
        registry.add("spring.kafka.bootstrap-servers", KAFKA::getBrokersAsString);
    }

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient(KAFKA.getBrokersAsString());
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void flywayCreatesTheTablesAndTheCurrentOutcomesView() {
        // Given the service started against an empty database
        // When Flyway ran at start-up
        List<String> tables = jdbc.queryForList("""
                SELECT table_name FROM information_schema.tables
                WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""", String.class);
        List<String> views = jdbc.queryForList(
                "SELECT table_name FROM information_schema.views WHERE table_schema = 'public'", String.class);
        Integer applied = jdbc.queryForObject(
                "SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success", Integer.class);

        // Then
        assertThat(tables).contains("lead_outcomes", "conversions", "conversion_reversals", "payouts");
        assertThat(views).containsExactlyInAnyOrder("current_outcomes", "standing_conversions");
        assertThat(applied).isEqualTo(1);
    }

    @Test
    void writesOneRowPerOutcomeConversionAndPayout() {
        // Given
        String id = newSubmissionId();
        Instant decidedAt = Instant.parse("2030-05-01T10:15:30.123Z");

        // When
        kafka.send(Topics.LEAD_OUTCOMES, id, TestRecords.accepted(id, DEMO_PARTNER, 1, "4.00", decidedAt));
        kafka.send(Topics.CONVERSIONS, id, TestRecords.conversion(id, DEMO_PARTNER, 1, decidedAt));
        kafka.send(Topics.PAYOUTS, id, TestRecords.payout(id, DEMO_PARTNER, 1, "4.00", PayoutKind.PAYMENT, decidedAt));

        // Then
        await().atMost(WAIT).untilAsserted(() -> assertThat(rows(id)).isEqualTo(Map.of(
                "lead_outcomes", 1L, "conversions", 1L, "payouts", 1L)));
        Map<String, Object> outcome = jdbc.queryForMap("""
                SELECT verdict, order_id, amount, currency, payout, payout_currency, extras->>'plan' AS plan,
                       failure_class, decided_at, partner_id, cause, request_id
                FROM current_outcomes WHERE submission_id = ?""", id);
        assertThat(outcome).containsEntry("verdict", "ACCEPTED").containsEntry("order_id", "order-1")
                .containsEntry("amount", money("12.50")).containsEntry("currency", "USD")
                .containsEntry("payout", money("4.00")).containsEntry("payout_currency", "USD")
                .containsEntry("plan", "gold").containsEntry("failure_class", "NONE")
                .containsEntry("partner_id", DEMO_PARTNER).containsEntry("cause", "FINAL_RESPONSE")
                .containsEntry("request_id", null);
        assertThat(jdbc.queryForObject("SELECT decided_at FROM lead_outcomes WHERE submission_id = ?",
                OffsetDateTime.class, id).toInstant()).isEqualTo(decidedAt);
        assertThat(jdbc.queryForObject("SELECT kind FROM payouts WHERE payout_id = ?", String.class, id + ":1"))
                .isEqualTo("PAYMENT");
        assertThat(meters.counter(SinkMetrics.ROWS_WRITTEN, "table", "payouts").count()).isPositive();
    }

    @Test
    void replayedRecordsLeaveExactlyOneRowEachAndPayoutSumsUnchanged() {
        // Given records that were written once
        String id = newSubmissionId();
        Instant at = Instant.parse("2030-05-02T08:00:00Z");
        publishOutcomeConversionPayout(id, at);
        await().atMost(WAIT).until(() -> rows(id).values().stream().allMatch(n -> n == 1L));
        double duplicatesBefore = meters.counter(SinkMetrics.ROWS_DUPLICATE, "table", "payouts").count();

        // When the same records are published again (a replay) and have been consumed
        List<RecordMetadata> replayed = publishOutcomeConversionPayout(id, at);
        replayed.forEach(this::awaitCommittedPast);

        // Then
        assertThat(rows(id)).isEqualTo(Map.of("lead_outcomes", 1L, "conversions", 1L, "payouts", 1L));
        assertThat(jdbc.queryForObject("SELECT sum(amount) FROM payouts WHERE submission_id = ?", BigDecimal.class,
                id)).isEqualTo(money("4.00"));
        assertThat(meters.counter(SinkMetrics.ROWS_DUPLICATE, "table", "payouts").count())
                .isGreaterThan(duplicatesBefore);
    }

    @Test
    void reversalIsWrittenOnceAndTheConversionNoLongerStands() {
        // Given a conversion that was written
        String id = newSubmissionId();
        Instant at = Instant.parse("2030-05-05T08:00:00Z");
        kafka.send(Topics.CONVERSIONS, id, TestRecords.conversion(id, DEMO_PARTNER, 1, at));
        await().atMost(WAIT).until(() -> count("conversions", id) == 1L);

        // When a correction reverses it, and the reversal is delivered twice
        kafka.send(Topics.CONVERSION_REVERSALS, id, TestRecords.reversal(id, DEMO_PARTNER, 1, 2, at.plusSeconds(60)));
        RecordMetadata again = kafka.send(Topics.CONVERSION_REVERSALS, id,
                TestRecords.reversal(id, DEMO_PARTNER, 1, 2, at.plusSeconds(60)));
        awaitCommittedPast(again);

        // Then one reversal row, and the conversion is not among the standing ones
        assertThat(jdbc.queryForMap("SELECT conversion_id, revision, amount, reason FROM conversion_reversals"
                + " WHERE submission_id = ?", id))
                .containsEntry("conversion_id", id + ":1").containsEntry("revision", 2)
                .containsEntry("amount", money("12.50")).containsEntry("reason", "Verdict is now REJECTED");
        assertThat(count("conversion_reversals", id)).isEqualTo(1L);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM standing_conversions WHERE submission_id = ?",
                Long.class, id)).isZero();
    }

    static Stream<Arguments> sinkTopics() {
        Instant at = Instant.parse("2030-05-03T09:00:00Z");
        return Stream.of(
                Arguments.of(Topics.LEAD_OUTCOMES, "lead_outcomes", (Function<String, byte[]>) id ->
                        encode(Topics.LEAD_OUTCOMES, TestRecords.accepted(id, DEMO_PARTNER, 1, "4.00", at))),
                Arguments.of(Topics.CONVERSIONS, "conversions", (Function<String, byte[]>) id ->
                        encode(Topics.CONVERSIONS, TestRecords.conversion(id, DEMO_PARTNER, 1, at))),
                Arguments.of(Topics.PAYOUTS, "payouts", (Function<String, byte[]>) id -> encode(Topics.PAYOUTS,
                        TestRecords.payout(id, DEMO_PARTNER, 1, "4.00", PayoutKind.PAYMENT, at))),
                Arguments.of(Topics.CONVERSION_REVERSALS, "conversion_reversals", (Function<String, byte[]>) id ->
                        encode(Topics.CONVERSION_REVERSALS, TestRecords.reversal(id, DEMO_PARTNER, 1, 2, at))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sinkTopics")
    void undecodableValueIsDeadLetteredOnceAndTheNextRecordIsStillWritten(Topic<String, ?> topic, String table,
            Function<String, byte[]> validRecord) {
        // Given a value that is not a datapost record, followed by a valid one on the same partition
        String garbageKey = newSubmissionId();
        String id = newSubmissionId();
        RecordMetadata garbage = kafka.sendRaw(topic, garbageKey, GARBAGE);
        RecordMetadata valid = kafka.sendRaw(topic, garbageKey, validRecord.apply(id));

        // When both have been consumed and their offsets committed
        awaitCommittedPast(valid);

        // Then the valid record was written and the garbage was dead-lettered once, as sent, with its cause
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + table + " WHERE submission_id = ?", Long.class, id))
                .isEqualTo(1L);
        List<ConsumerRecord<byte[], byte[]>> deadLetters = kafka.deadLettersFor(garbageKey);
        assertThat(deadLetters).hasSize(1);
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters.get(0);
        assertThat(deadLetter.value()).isEqualTo(GARBAGE);
        assertThat(header(deadLetter, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(topic.name());
        assertThat(header(deadLetter, DeadLetters.ORIGINAL_PARTITION)).isEqualTo(
                Integer.toString(garbage.partition()));
        assertThat(header(deadLetter, DeadLetters.ORIGINAL_OFFSET)).isEqualTo(Long.toString(garbage.offset()));
        assertThat(header(deadLetter, DeadLetters.SERVICE)).isEqualTo("conversion-sink");
        assertThat(header(deadLetter, DeadLetters.CAUSE_CLASS))
                .isEqualTo("org.apache.kafka.common.errors.SerializationException");
        assertThat(header(deadLetter, DeadLetters.CAUSE_MESSAGE)).startsWith("Cannot decode");
    }

    @Test
    void payoutThatFailsInTheDatabaseIsRetriedUntilWrittenNeverSkipped() {
        // Given the payouts table is unavailable
        String id = newSubmissionId();
        long failuresBefore = failedPayoutBatches();
        jdbc.execute("ALTER TABLE payouts RENAME TO payouts_unavailable");
        RecordMetadata sent;
        try {
            // When a payout arrives and its batch fails beyond the in-memory retries
            sent = kafka.send(Topics.PAYOUTS, id,
                    TestRecords.payout(id, DEMO_PARTNER, 1, "4.00", PayoutKind.PAYMENT, Instant.now()));
            await().atMost(WAIT).until(() -> failedPayoutBatches() - failuresBefore >= RETRY_ATTEMPTS + 2);

            // Then it was neither dead-lettered nor committed
            assertThat(kafka.deadLettersFor(id)).isEmpty();
            assertThat(kafka.committedOffset(GROUP, sent)).isLessThanOrEqualTo(sent.offset());
        } finally {
            jdbc.execute("ALTER TABLE payouts_unavailable RENAME TO payouts");
        }

        // And once the database is back, it is written
        awaitCommittedPast(sent);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM payouts WHERE payout_id = ?", Long.class, id + ":1"))
                .isEqualTo(1L);
        assertThat(kafka.deadLettersFor(id)).isEmpty();
    }

    @Test
    void payoutFromAnAbortedTransactionIsNotPersisted() {
        // Given a payout the validator published in a transaction it then aborted
        String id = newSubmissionId();
        Instant at = Instant.parse("2030-05-04T09:00:00Z");
        kafka.sendAborted(Topics.PAYOUTS, id, TestRecords.payout(id, DEMO_PARTNER, 1, "4.00", PayoutKind.PAYMENT, at));

        // When a committed payout follows it on the same partition and is consumed
        RecordMetadata committed = kafka.send(Topics.PAYOUTS, id,
                TestRecords.payout(id, DEMO_PARTNER, 2, "1.00", PayoutKind.ADJUSTMENT, at));
        awaitCommittedPast(committed);

        // Then only the committed one is in the table
        assertThat(jdbc.queryForList("SELECT payout_id FROM payouts WHERE submission_id = ?", String.class, id))
                .containsExactly(id + ":2");
    }

    private List<RecordMetadata> publishOutcomeConversionPayout(String id, Instant at) {
        return List.of(
                kafka.send(Topics.LEAD_OUTCOMES, id, TestRecords.accepted(id, DEMO_PARTNER, 1, "4.00", at)),
                kafka.send(Topics.CONVERSIONS, id, TestRecords.conversion(id, DEMO_PARTNER, 1, at)),
                kafka.send(Topics.PAYOUTS, id, TestRecords.payout(id, DEMO_PARTNER, 1, "4.00", PayoutKind.PAYMENT, at)));
    }

    private Map<String, Long> rows(String submissionId) {
        return Map.of(
                "lead_outcomes", count("lead_outcomes", submissionId),
                "conversions", count("conversions", submissionId),
                "payouts", count("payouts", submissionId));
    }

    private long count(String table, String submissionId) {
        Long n = jdbc.queryForObject("SELECT count(*) FROM " + table + " WHERE submission_id = ?", Long.class,
                submissionId);
        return n == null ? 0 : n;
    }

    private long failedPayoutBatches() {
        Timer timer = meters.find(SinkMetrics.BATCH).tags("topic", Topics.PAYOUTS.name(), "outcome", "failure")
                .timer();
        return timer == null ? 0 : timer.count();
    }

    private void awaitCommittedPast(RecordMetadata record) {
        await().atMost(WAIT).until(() -> kafka.committedOffset(GROUP, record) > record.offset());
    }

    private static <V> byte[] encode(Topic<String, V> topic, V value) {
        return topic.valueSerializer().serialize(topic.name(), value);
    }
}
