package io.datapost.cli.reconcile;

import static io.datapost.cli.reconcile.LedgerRecords.conversion;
import static io.datapost.cli.reconcile.LedgerRecords.outcome;
import static io.datapost.cli.reconcile.LedgerRecords.payout;
import static io.datapost.cli.reconcile.LedgerRecords.reversal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.cli.ExitCodes;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * {@code datapost reconcile} against a real broker and the database a real conversion-sink filled from it:
 * clean books pass, a tampered row fails naming the submission.
 */
@Tag("integration")
class ReconcileCommandTest {

    private static final String ACCEPTED = "acc-" + UUID.randomUUID();
    private static final String REJECTED = "rej-" + UUID.randomUUID();
    private static final String CORRECTED = "cor-" + UUID.randomUUID();

    private static EmbeddedKafkaKraftBroker kafka;
    private static EmbeddedPostgres postgres;
    private static ConfigurableApplicationContext sink;

    @BeforeAll
    static void validatorOutputStoredBySink() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        kafka.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(kafka.getBrokersAsString(), Duration.ofSeconds(30));
        postgres = EmbeddedPostgres.builder().start();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            send(producer, Topics.LEAD_OUTCOMES, ACCEPTED, outcome(ACCEPTED, 1, Verdict.ACCEPTED, "4.00"));
            send(producer, Topics.CONVERSIONS, ACCEPTED, conversion(ACCEPTED, 1));
            send(producer, Topics.PAYOUTS, ACCEPTED, payout(ACCEPTED, 1, "4.00", PayoutKind.PAYMENT));

            send(producer, Topics.LEAD_OUTCOMES, REJECTED, outcome(REJECTED, 1, Verdict.REJECTED, null));

            send(producer, Topics.LEAD_OUTCOMES, CORRECTED, outcome(CORRECTED, 1, Verdict.ACCEPTED, "4.00"));
            send(producer, Topics.CONVERSIONS, CORRECTED, conversion(CORRECTED, 1));
            send(producer, Topics.PAYOUTS, CORRECTED, payout(CORRECTED, 1, "4.00", PayoutKind.PAYMENT));
            send(producer, Topics.LEAD_OUTCOMES, CORRECTED, outcome(CORRECTED, 2, Verdict.REJECTED, null));
            send(producer, Topics.CONVERSION_REVERSALS, CORRECTED, reversal(CORRECTED, 1, 2));
            send(producer, Topics.PAYOUTS, CORRECTED, payout(CORRECTED, 2, "-4.00", PayoutKind.REVERSAL));
            producer.flush();
        }

        sink = ConversionSinkApplication.builder().run("--spring.kafka.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--server.port=0", "--spring.datasource.url=" + jdbcUrl(), "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres");
        await().atMost(Duration.ofSeconds(60)).until(() -> count("lead_outcomes") == 4 && count("conversions") == 2
                && count("conversion_reversals") == 1 && count("payouts") == 3);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sink != null) {
            sink.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void booksThatAgreePassWithExitZero() {
        // When
        Run run = reconcile();

        // Then
        assertThat(run.exitCode()).as(run.out()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("topics:   10 records (0 undecodable)", ": 3 submissions")
                .contains("OK: 3 submissions checked, 0 disagree").doesNotContain("DISAGREE");
    }

    @Test
    void tamperedPayoutRowFailsNamingTheSubmission() throws Exception {
        // Given someone changed a stored payment
        execute("UPDATE payouts SET amount = 5 WHERE payout_id = '" + ACCEPTED + ":1'");
        try {
            // When
            Run run = reconcile();

            // Then
            assertThat(run.exitCode()).isEqualTo(ExitCodes.CHECK_FAILED);
            assertThat(run.out()).contains("DISAGREE " + ACCEPTED + " payout: topics 4.0000 USD, database 5.0000 USD")
                    .contains("MISMATCH: 3 submissions checked, 1 disagree {payout=1}")
                    .doesNotContain("note:"); // the sink has stored everything: not lag

            // and seen from a group that stored nothing, the same disagreement may be lag: it says so
            Run asIfBehind = run("reconcile", "--bootstrap-servers", kafka.getBrokersAsString(), "--jdbc-url",
                    jdbcUrl(), "--jdbc-user", "postgres", "--jdbc-password", "postgres", "--sink-group",
                    "a-group-that-read-nothing");
            assertThat(asIfBehind.exitCode()).isEqualTo(ExitCodes.CHECK_FAILED);
            assertThat(asIfBehind.out()).contains("note: consumer group a-group-that-read-nothing has not stored "
                    + "the last records of");
        } finally {
            execute("UPDATE payouts SET amount = 4 WHERE payout_id = '" + ACCEPTED + ":1'");
        }
    }

    @Test
    void lostReversalAndLostCorrectionAreBothReported() throws Exception {
        // Given the reversal row and the correcting outcome row are gone
        execute("CREATE TABLE saved_reversals AS SELECT * FROM conversion_reversals");
        execute("CREATE TABLE saved_outcomes AS SELECT * FROM lead_outcomes WHERE revision = 2");
        execute("DELETE FROM conversion_reversals");
        execute("DELETE FROM lead_outcomes WHERE revision = 2");
        try {
            // When
            Run run = reconcile();

            // Then
            assertThat(run.exitCode()).isEqualTo(ExitCodes.CHECK_FAILED);
            assertThat(run.out())
                    .contains("DISAGREE " + CORRECTED + " outcome: topics revision 2 REJECTED, database revision 1 "
                            + "ACCEPTED")
                    .contains("DISAGREE " + CORRECTED + " conversion: topics no standing conversion, database "
                            + "standing " + CORRECTED + ":1")
                    .doesNotContain("DISAGREE " + ACCEPTED).doesNotContain("DISAGREE " + REJECTED);
        } finally {
            execute("INSERT INTO conversion_reversals SELECT * FROM saved_reversals");
            execute("INSERT INTO lead_outcomes SELECT * FROM saved_outcomes");
            execute("DROP TABLE saved_reversals, saved_outcomes");
        }
    }

    @Test
    void unreachableDatabaseIsUnavailableNotADisagreement() {
        // When
        Run run = run("reconcile", "--bootstrap-servers", kafka.getBrokersAsString(), "--jdbc-url",
                "jdbc:postgresql://127.0.0.1:1/none", "--jdbc-user", "postgres", "--timeout", "30");

        // Then
        assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(run.err()).startsWith("datapost reconcile: ");
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run reconcile() {
        return run("reconcile", "--bootstrap-servers", kafka.getBrokersAsString(), "--jdbc-url", jdbcUrl(),
                "--jdbc-user", "postgres", "--jdbc-password", "postgres", "--timeout", "30");
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Datapost.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key,
            V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)));
    }

    private static long count(String table) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
