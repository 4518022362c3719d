package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigPublisher;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.ReclassifyRequested;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import picocli.CommandLine;

/**
 * Replay on a real broker and a real PostgreSQL with the validator and conversion-sink running in this JVM:
 * a rule change, a dry run that changes nothing, a replay that corrects exactly the changed submissions, and a
 * second identical replay (and commands delivered again) that change nothing: nobody is paid twice.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayIntegrationTest {

    static final int ACCEPTED = 8;
    static final int PENDING = 12;
    static final BigDecimal FIXED = new BigDecimal("4.00");

    @TempDir
    Path dataDir;

    EmbeddedKafkaKraftBroker kafka;
    EmbeddedPostgres postgres;
    String bootstrap;
    final List<ConfigurableApplicationContext> services = new ArrayList<>();
    ConfigSet config;
    final List<String> submissions = new ArrayList<>();
    Instant start;

    @BeforeAll
    void startEverything() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
        postgres = EmbeddedPostgres.builder().start();
        config = new ConfigLoader(null).load(Path.of("..", "config"));
        assertThat(config.problems()).isEmpty();
        ConfigPublisher.forBootstrap(bootstrap).publish(config);

        String kafkaArg = "--spring.kafka.bootstrap-servers=" + bootstrap;
        services.add(ConversionSinkApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
        services.add(ValidatorApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.autoconfigure.exclude="
                        + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                        + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
                "--datapost.validator.state-dir=" + Path.of("target", "replay-state-" + System.nanoTime())
                        .toAbsolutePath()));
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void aReplayCorrectsOnlyWhatTheNewRuleChangesAndRunningItAgainPaysNobodyTwice() throws Exception {
        // Given 8 answers "accepted" and 12 "pending", decided and paid under the sample rule (status == accepted)
        start = Instant.now().minusSeconds(60);
        produceLeadsAndAnswers();
        DataSource db = postgres.getPostgresDatabase();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(distinct submission_id) from lead_outcomes")
                        == ACCEPTED + PENDING && count(db, "select count(*) from payouts") == ACCEPTED);
        assertThat(sum(db)).isEqualByComparingTo(FIXED.multiply(BigDecimal.valueOf(ACCEPTED)));

        // and the rule is changed: now "pending" is what counts as accepted
        EventType changed = EventType.newBuilder(config.eventTypes().get(0)).build();
        changed.getRule().setEquals("pending");
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(List.of(changed), config.partners(), List.of()));

        // When a dry run previews the replay
        Run dry = replay("reclassify", "--from", start.toString(), "--dry-run");

        // Then it shows every change and the money, and writes nothing
        assertThat(dry.exit).as(dry.out + dry.err).isZero();
        assertThat(dry.out).contains("ACCEPTED -> REJECTED", "REJECTED -> ACCEPTED")
                .containsPattern("ACCEPTED -> REJECTED\\s+" + ACCEPTED + "\\b")
                .containsPattern("REJECTED -> ACCEPTED\\s+" + PENDING + "\\b")
                .containsPattern("demo-partner\\s+\\+16\\.0000 USD")
                .contains("commands written: none");
        assertThat(count(db, "select count(*) from payouts")).isEqualTo(ACCEPTED);

        // When the replay runs for real
        Run real = replay("reclassify", "--from", start.toString());

        // Then the validator reverses the 8 payments and pays the 12 newly accepted, once each
        assertThat(real.exit).as(real.out + real.err).isZero();
        assertThat(real.out).contains("commands written: " + (ACCEPTED + PENDING) + " ReclassifyRequested");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from payouts") == 2L * ACCEPTED + PENDING);
        assertThat(sum(db)).isEqualByComparingTo(FIXED.multiply(BigDecimal.valueOf(PENDING)));
        assertThat(count(db, "select count(*) from payouts where kind = 'REVERSAL'")).isEqualTo(ACCEPTED);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from lead_outcomes where revision = 2") == ACCEPTED + PENDING);

        // When the same replay runs a second time, and every command of the first is delivered again
        Run again = replay("reclassify", "--from", start.toString());
        redeliverCommands();

        // Then nothing changes: no command, no payout event, the same total
        assertThat(again.exit).as(again.out + again.err).isZero();
        assertThat(again.out).contains("0 would change").contains("commands written: 0 ReclassifyRequested");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from payouts") == 2L * ACCEPTED + PENDING);
        assertThat(sum(db)).isEqualByComparingTo(FIXED.multiply(BigDecimal.valueOf(PENDING)));
        assertThat(count(db, "select count(*) from lead_outcomes where revision > 2")).isZero();

        // and the history lists the three replays with who ran them
        Run list = replay("list");
        assertThat(list.out.lines().filter(l -> l.startsWith("reclassify-")).count()).isEqualTo(3);
        assertThat(list.out).contains(ReclassifyCommand.user()).contains("reclassify*");
    }

    private void produceLeadsAndAnswers() {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < ACCEPTED + PENDING; i++) {
                String id = "replay-it-" + i;
                submissions.add(id);
                Instant now = Instant.now();
                send(producer, Topics.LEADS, id, LeadSubmitted.newBuilder().setSubmissionId(id)
                        .setEventTypeId("insurance-quote").setPartnerId("demo-partner").setIdempotencyKey(id)
                        .setFields(Map.of("email", "x")).setReceivedAt(now).build());
                String status = i < ACCEPTED ? "accepted" : "pending";
                send(producer, Topics.ADVERTISER_RESPONSES, id, AdvertiserResponse.newBuilder().setSubmissionId(id)
                        .setEventTypeId("insurance-quote").setPartnerId("demo-partner").setAttempt(1)
                        .setFinalAttempt(true).setRequestId(id + "-1").setFailureClass(FailureClass.NONE).setHttpStatus(200)
                        .setContentType("application/json").setHeaders(new HashMap<>())
                        .setBody(java.nio.ByteBuffer.wrap(("{\"status\":\"" + status + "\",\"lead_id\":\"adv-" + i
                                + "\",\"price\":12.5}").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .setLatencyMillis(5).setRespondedAt(now).build());
            }
        }
    }

    private void redeliverCommands() {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (String id : submissions) {
                send(producer, Topics.RECLASSIFY_REQUESTS, id, ReclassifyRequested.newBuilder().setSubmissionId(id)
                        .setRequestId("redelivered").setRequestedAt(Instant.now()).build());
            }
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)));
    }

    record Run(int exit, String out, String err) {
    }

    private Run replay(String... args) {
        List<String> all = new ArrayList<>(List.of("replay"));
        all.addAll(List.of(args));
        if (!args[0].equals("list")) {
            all.addAll(List.of("--bootstrap-servers", bootstrap));
        }
        all.addAll(List.of("--data-dir", dataDir.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Datapost.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    static long count(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static BigDecimal sum(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("select coalesce(sum(amount), 0) from payouts")) {
            rs.next();
            return rs.getBigDecimal(1);
        }
    }
}
