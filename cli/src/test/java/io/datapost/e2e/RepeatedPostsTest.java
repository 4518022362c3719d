package io.datapost.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigPublisher;
import io.datapost.cli.config.ConfigSet;
import io.datapost.forwarder.ForwarderApplication;
import io.datapost.ingest.IngestApiApplication;
import io.datapost.schemas.EventType;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import io.datapost.validator.gate.GateMetrics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Issue 5 item 5 across instances and restarts: two ingest-api instances, one partner retrying one lead under one
 * Idempotency-Key to both, before and after the forwarder and the validator (with its dedupe gate) are restarted.
 * The advertiser must be called once, the lead decided once and paid once, every answer must carry the same
 * submission id; the same key with another body, posted to a restarted ingest that does not know the key, must
 * end as a dead letter naming the cause, not as a second call.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepeatedPostsTest {

    private static final Duration BOUND = Duration.ofSeconds(45);
    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString("demo-partner:demo-key-1".getBytes(StandardCharsets.UTF_8));
    private static final Pattern SUBMISSION = Pattern.compile("\"submissionId\"\\s*:\\s*\"([^\"]+)\"");
    private static final String LEAD = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String OTHER_LEAD = "{\"email\":\"bo.berg@example.org\",\"phone\":\"5550109999\","
            + "\"first_name\":\"Bo\",\"last_name\":\"Berg\",\"zip\":\"30301\"}";
    private static final String NO_DATABASE = "--spring.autoconfigure.exclude="
            + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
            + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Integer> callsByIdempotencyKey = new ConcurrentHashMap<>();
    private final List<ConfigurableApplicationContext> others = new ArrayList<>();
    private EmbeddedKafkaKraftBroker kafka;
    private EmbeddedPostgres postgres;
    private MockWebServer advertiser;
    private String kafkaArg;
    private Path validatorState;
    private ConfigurableApplicationContext validator;
    private ConfigurableApplicationContext forwarder;
    private ConfigurableApplicationContext ingestA;
    private ConfigurableApplicationContext ingestB;

    @BeforeAll
    void start() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        String bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
        postgres = EmbeddedPostgres.builder().start();

        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                callsByIdempotencyKey.merge(String.valueOf(request.getHeaders().get("Idempotency-Key")), 1,
                        Integer::sum);
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                        .body("{\"status\":\"accepted\",\"lead_id\":\"adv-1\",\"price\":12.5}").build();
            }
        });
        advertiser.start();

        ConfigSet config = new ConfigLoader().load(Path.of("..", "config"));
        assertThat(config.problems()).isEmpty();
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(config.eventTypes().stream().map(e -> {
            EventType copy = EventType.newBuilder(e).build();
            copy.getRequest().setUrl(advertiser.url("/v1/leads").toString());
            return copy;
        }).toList(), config.partners(), List.of()));

        kafkaArg = "--spring.kafka.bootstrap-servers=" + bootstrap;
        others.add(ConversionSinkApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
        validatorState = Path.of("target", "repeated-posts-" + System.nanoTime()).toAbsolutePath();
        validator = startValidator();
        forwarder = startForwarder();
        ingestA = startIngest();
        ingestB = startIngest();
    }

    @AfterAll
    void stop() throws Exception {
        for (ConfigurableApplicationContext context : List.of(ingestA, ingestB, forwarder, validator)) {
            if (context != null) {
                context.close();
            }
        }
        others.forEach(ConfigurableApplicationContext::close);
        if (advertiser != null) {
            advertiser.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void repeatedKeyCallsTheAdvertiserOncePaysOnceAcrossInstancesAndRestartsAndAnotherBodyIsADeadLetter()
            throws Exception {
        // Given a partner posting one lead under one key to both ingest instances
        String key = "retry-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>();
        ids.add(accepted(post(ingestA, key, LEAD)));
        ids.add(accepted(post(ingestB, key, LEAD)));
        String submissionId = ids.get(0);
        String advertiserKey = "dp-" + submissionId;

        // Then the lead is decided and paid once, and the gate dropped the second copy
        await().atMost(BOUND).pollInterval(Duration.ofMillis(200))
                .until(() -> count("select count(*) from payouts where submission_id = ?", submissionId) == 1);
        await().atMost(BOUND).until(() -> repeatsDropped(validator) == 1);

        // When the forwarder and the validator are restarted, and the partner posts the lead again to both
        forwarder.close();
        validator.close();
        validator = startValidator();
        forwarder = startForwarder();
        ids.add(accepted(post(ingestA, key, LEAD)));
        ids.add(accepted(post(ingestB, key, LEAD)));

        // Then the restarted gate drops both copies (its memory is in Kafka, not in a process)
        await().atMost(BOUND).until(() -> repeatsDropped(validator) == 2);

        // When an ingest instance that never saw the key (restarted) takes another lead under it
        ingestA.close();
        ingestA = startIngest();
        ids.add(accepted(post(ingestA, key, OTHER_LEAD)));
        // while the instance that accepted the first lead refuses it at once
        HttpResponse<String> refused = post(ingestB, key, OTHER_LEAD);

        // Then the other lead ends as a dead letter with its cause, not as an advertiser call
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        ConsumerRecord<byte[], byte[]> deadLetter = awaitDeadLetter(submissionId);
        assertThat(header(deadLetter, DeadLetters.CAUSE_MESSAGE)).isEqualTo("Idempotency-Key reused with a different body");
        assertThat(header(deadLetter, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.SUBMISSIONS.name());

        // and, in the end: one submission id in every 202, one advertiser call, one outcome row, one payout
        assertThat(ids).hasSize(5).containsOnly(submissionId);
        assertThat(callsByIdempotencyKey).containsEntry(advertiserKey, 1);
        assertThat(count("select count(*) from lead_outcomes where submission_id = ?", submissionId)).isEqualTo(1);
        assertThat(count("select count(*) from payouts where submission_id = ?", submissionId)).isEqualTo(1);
    }

    private ConfigurableApplicationContext startValidator() {
        return ValidatorApplication.builder().run(kafkaArg, "--server.port=0", NO_DATABASE,
                "--datapost.validator.state-dir=" + validatorState);
    }

    private ConfigurableApplicationContext startForwarder() {
        return ForwarderApplication.builder().run(kafkaArg, "--server.port=0", NO_DATABASE);
    }

    private ConfigurableApplicationContext startIngest() {
        return IngestApiApplication.builder().run(kafkaArg, "--server.port=0", NO_DATABASE);
    }

    private static double repeatsDropped(ConfigurableApplicationContext validator) {
        return validator.getBean(GateMetrics.class).registry().get(GateMetrics.REPEATS).counter().count();
    }

    private HttpResponse<String> post(ConfigurableApplicationContext ingest, String key, String json)
            throws Exception {
        int port = Integer.parseInt(ingest.getEnvironment().getProperty("local.server.port"));
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/leads/insurance-quote"))
                        .header("Authorization", AUTH).header("Content-Type", "application/json")
                        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        Matcher id = SUBMISSION.matcher(response.body());
        assertThat(id.find()).as(response.body()).isTrue();
        return id.group(1);
    }

    private ConsumerRecord<byte[], byte[]> awaitDeadLetter(String submissionId) {
        List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ConsumerConfig.GROUP_ID_CONFIG, "repeated-posts-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT)),
                Topics.DEAD_LETTERS.keyDeserializer(), Topics.DEAD_LETTERS.valueDeserializer())) {
            reader.subscribe(List.of(Topics.DEAD_LETTERS.name()));
            await().atMost(BOUND).until(() -> {
                reader.poll(Duration.ofMillis(200)).forEach(record -> {
                    if (record.key() != null && new String(record.key(), StandardCharsets.UTF_8).equals(submissionId)) {
                        found.add(record);
                    }
                });
                return !found.isEmpty();
            });
        }
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private long count(String sql, String submissionId) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                PreparedStatement statement = c.prepareStatement(sql)) {
            statement.setString(1, submissionId);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
