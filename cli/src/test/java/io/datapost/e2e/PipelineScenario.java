package io.datapost.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigPublisher;
import io.datapost.cli.config.ConfigSet;
import io.datapost.forwarder.ForwarderApplication;
import io.datapost.ingest.IngestApiApplication;
import io.datapost.schemas.EventType;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * The walking skeleton with every hop real: a Kafka broker, a PostgreSQL server, an HTTP advertiser and the
 * four services (in this JVM, each its own Spring application). 50 leads in through the ingest API; every
 * one must end with exactly one outcome row, and conversions and payouts must match the accepted leads.
 * Subclasses say where the broker and the database come from.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PipelineScenario {

    static final int LEADS = 50;
    static final String DEMO_AUTH = "Basic " + Base64.getEncoder()
            .encodeToString("demo-partner:demo-key-1".getBytes(StandardCharsets.UTF_8));
    static final Pattern EMAIL = Pattern.compile("\"email\"\\s*:\\s*\"([^\"]*)\"");

    MockWebServer advertiser;
    final Map<String, Integer> callsByIdempotencyKey = new ConcurrentHashMap<>();
    final List<ConfigurableApplicationContext> services = new ArrayList<>();
    int ingestPort;

    /** Starts the broker and returns its bootstrap servers. */
    abstract String startKafka() throws Exception;

    /** Starts PostgreSQL. */
    abstract void startDatabase() throws Exception;

    abstract String jdbcUrl();

    abstract String jdbcUser();

    abstract String jdbcPassword();

    abstract DataSource database() throws SQLException;

    abstract void stopInfrastructure() throws Exception;

    @BeforeAll
    void startEverything() throws Exception {
        String bootstrap = startKafka();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }

        startDatabase();

        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String key = request.getHeaders().get("Idempotency-Key");
                callsByIdempotencyKey.merge(String.valueOf(key), 1, Integer::sum);
                String body = request.getBody() == null ? "" : request.getBody().utf8();
                Matcher email = EMAIL.matcher(body);
                boolean invalid = !email.find() || !email.group(1).contains("@");
                String answer = invalid
                        ? "{\"status\":\"rejected\",\"reason\":\"Invalid email\"}"
                        : "{\"status\":\"accepted\",\"lead_id\":\"adv-" + Math.abs(body.hashCode()) + "\",\"price\":12.5}";
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                        .body(answer).build();
            }
        });
        advertiser.start();

        ConfigSet config = new ConfigLoader().load(Path.of("..", "config"));
        assertThat(config.problems()).isEmpty();
        List<EventType> pointedAtMock = config.eventTypes().stream().map(e -> {
            EventType copy = EventType.newBuilder(e).build();
            copy.getRequest().setUrl(advertiser.url("/v1/leads").toString());
            return copy;
        }).toList();
        ConfigPublisher.forBootstrap(bootstrap)
                .publish(new ConfigSet(pointedAtMock, config.partners(), List.of()));

        String kafkaArg = "--spring.kafka.bootstrap-servers=" + bootstrap;
        services.add(ConversionSinkApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.datasource.url=" + jdbcUrl(),
                "--spring.datasource.username=" + jdbcUser(), "--spring.datasource.password=" + jdbcPassword()));
        String noDatabase = "--spring.autoconfigure.exclude="
                + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";
        services.add(ValidatorApplication.builder().run(kafkaArg, "--server.port=0", noDatabase,
                "--datapost.validator.state-dir=" + Path.of("target", "e2e-state-" + System.nanoTime()).toAbsolutePath()));
        services.add(ForwarderApplication.builder().run(kafkaArg, "--server.port=0", noDatabase));
        ConfigurableApplicationContext ingest = IngestApiApplication.builder().run(kafkaArg, "--server.port=0",
                noDatabase);
        services.add(ingest);
        ingestPort = Integer.parseInt(ingest.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (advertiser != null) {
            advertiser.close();
        }
        stopInfrastructure();
    }

    @Test
    void everyPostedLeadEndsWithExactlyOneOutcomeRowAndAcceptedLeadsArePaidOnce() throws Exception {
        // Given 50 leads, every 5th with an email the advertiser rejects
        HttpClient http = HttpClient.newHttpClient();
        Set<String> submissions = ConcurrentHashMap.newKeySet();
        int expectedAccepted = 0;

        // When a partner posts them through the ingest API
        for (int i = 0; i < LEADS; i++) {
            boolean invalidEmail = i % 5 == 0;
            if (!invalidEmail) {
                expectedAccepted++;
            }
            String json = "{\"email\":\"" + (invalidEmail ? "not-an-email" : "lead" + i + "@example.org")
                    + "\",\"phone\":\"555010" + String.format("%04d", i) + "\",\"first_name\":\"Ana\","
                    + "\"last_name\":\"Test" + i + "\",\"zip\":\"30301\"}";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + ingestPort + "/v1/leads/insurance-quote"))
                    .header("Authorization", DEMO_AUTH).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            Matcher id = Pattern.compile("\"submissionId\"\\s*:\\s*\"([^\"]+)\"").matcher(response.body());
            assertThat(id.find()).isTrue();
            submissions.add(id.group(1));
        }
        assertThat(submissions).hasSize(LEADS);

        // Then every submission has exactly one outcome row in PostgreSQL
        DataSource db = database();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(distinct submission_id) from lead_outcomes") == LEADS);
        assertThat(count(db, "select count(*) from lead_outcomes")).isEqualTo(LEADS);
        assertThat(queryStrings(db, "select submission_id from lead_outcomes")).containsExactlyInAnyOrderElementsOf(submissions);

        // and the verdicts, conversions and payouts match what the advertiser said
        final int accepted = expectedAccepted;
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from payouts") == accepted
                        && count(db, "select count(*) from conversions") == accepted);
        assertThat(count(db, "select count(*) from lead_outcomes where verdict = 'ACCEPTED'")).isEqualTo(accepted);
        assertThat(count(db, "select count(*) from lead_outcomes where verdict = 'REJECTED' and reason = 'Invalid email'"))
                .isEqualTo(LEADS - accepted);
        assertThat(decimal(db, "select sum(amount) from payouts where partner_id = 'demo-partner'"))
                .isEqualByComparingTo(new BigDecimal("4.00").multiply(BigDecimal.valueOf(accepted)));
        assertThat(decimal(db, "select sum(amount) from conversions")).isEqualByComparingTo(
                new BigDecimal("12.50").multiply(BigDecimal.valueOf(accepted)));

        // and the advertiser was called exactly once per lead, with the lead's idempotency key
        assertThat(callsByIdempotencyKey).hasSize(LEADS);
        assertThat(callsByIdempotencyKey.values()).allMatch(calls -> calls == 1);
    }

    static long count(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static BigDecimal decimal(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBigDecimal(1);
        }
    }

    static List<String> queryStrings(DataSource db, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
