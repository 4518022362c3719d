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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
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
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.ValidatorApplication;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Issue 3, item 8: a changed event type takes effect in the running services within seconds, without a restart.
 * Ingest, forwarder and validator run on an embedded broker; insurance-quote is applied as in config/ (JSON POST,
 * JSONPath rule), a lead goes through, then version 2 is applied (form POST to another path with a new header,
 * XML answers read by XPath). The next leads must reach the advertiser in the new shape and be judged by the new
 * rule, with no service restarted.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventTypeChangeTest {

    private static final String AUTH = "Basic " + Base64.getEncoder()
            .encodeToString("demo-partner:demo-key-1".getBytes(StandardCharsets.UTF_8));
    private static final Pattern SUBMISSION = Pattern.compile("\"submissionId\"\\s*:\\s*\"([^\"]+)\"");

    private EmbeddedKafkaKraftBroker kafka;
    private MockWebServer advertiser;
    private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();
    private final Map<String, LeadOutcome> outcomes = new ConcurrentHashMap<>();
    private KafkaConsumer<String, LeadOutcome> outcomeReader;
    private String bootstrap;
    private int ingestPort;

    @BeforeAll
    void start() throws Exception {
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

        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                received.add(request);
                if (request.getTarget().startsWith("/v2/")) {
                    return new MockResponse.Builder().code(200).addHeader("Content-Type", "text/xml")
                            .body("<result><code>0</code><leadid>V2-" + received.size()
                                    + "</leadid><price>3.25</price></result>").build();
                }
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                        .body("{\"status\":\"accepted\",\"lead_id\":\"V1-" + received.size() + "\",\"price\":12.5}")
                        .build();
            }
        });
        advertiser.start();

        ConfigSet config = new ConfigLoader().load(Path.of("..", "config"));
        assertThat(config.problems()).isEmpty();
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(
                config.eventTypes().stream().map(e -> pointedAtAdvertiser(e, "/v1/leads")).toList(),
                config.partners(), List.of()));

        String kafkaArg = "--spring.kafka.bootstrap-servers=" + bootstrap;
        String noDatabase = "--spring.autoconfigure.exclude="
                + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";
        services.add(ValidatorApplication.builder().run(kafkaArg, "--server.port=0", noDatabase,
                "--datapost.validator.state-dir=" + Path.of("target", "live-change-" + System.nanoTime())
                        .toAbsolutePath()));
        services.add(ForwarderApplication.builder().run(kafkaArg, "--server.port=0", noDatabase));
        ConfigurableApplicationContext ingest = IngestApiApplication.builder().run(kafkaArg, "--server.port=0",
                noDatabase);
        services.add(ingest);
        ingestPort = Integer.parseInt(ingest.getEnvironment().getProperty("local.server.port"));

        outcomeReader = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "live-change-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase()),
                Topics.LEAD_OUTCOMES.keyDeserializer(), Topics.LEAD_OUTCOMES.valueDeserializer());
        outcomeReader.subscribe(List.of(Topics.LEAD_OUTCOMES.name()));
    }

    @AfterAll
    void stop() {
        if (outcomeReader != null) {
            outcomeReader.close();
        }
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (advertiser != null) {
            advertiser.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void changedEventTypeTakesEffectInTheRunningServicesWithinSeconds() throws Exception {
        // Given a lead delivered and judged under version 1
        String first = post("first@example.org");
        LeadOutcome v1 = outcomeOf(first, Duration.ofSeconds(60));
        assertThat(v1.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(v1.getOrderId()).startsWith("V1-");
        assertThat(received.get(0).getTarget()).isEqualTo("/v1/leads");

        // When version 2 is applied while everything runs
        ConfigSet v2 = new ConfigLoader().load(Path.of(getClass().getResource("/config-live-change").toURI()));
        assertThat(v2.problems()).isEmpty();
        long applied = System.nanoTime();
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(
                v2.eventTypes().stream().map(e -> pointedAtAdvertiser(e, "/v2/leads")).toList(), List.of(), List.of()));

        // Then, within seconds, new leads go out in the new shape...
        List<String> posted = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300)).until(() -> {
            posted.add(post("lead" + posted.size() + "@example.org"));
            return received.stream().anyMatch(r -> r.getTarget().equals("/v2/leads"));
        });
        double seconds = (System.nanoTime() - applied) / 1e9;
        RecordedRequest changed = received.stream().filter(r -> r.getTarget().equals("/v2/leads")).findFirst()
                .orElseThrow();
        assertThat(changed.getHeaders().get("X-Config-Version")).isEqualTo("2");
        assertThat(changed.getHeaders().get("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(changed.getBody().utf8()).startsWith("Email=lead").endsWith("&Zip=30301");

        // ...and the validator judges their XML answers by the new rule
        String last = post("last@example.org");
        LeadOutcome judged = outcomeOf(last, Duration.ofSeconds(30));
        assertThat(judged.getVerdict()).isEqualTo(Verdict.ACCEPTED);
        assertThat(judged.getOrderId()).startsWith("V2-");
        assertThat(judged.getAmount()).isEqualByComparingTo(new BigDecimal("3.25"));
        assertThat(seconds).as("seconds from apply to the first request in the new shape").isLessThan(10);
    }

    private String post(String email) throws Exception {
        String json = "{\"email\":\"" + email + "\",\"phone\":\"5550100000\",\"first_name\":\"Ana\","
                + "\"last_name\":\"Test\",\"zip\":\"30301\"}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ingestPort + "/v1/leads/insurance-quote"))
                .header("Authorization", AUTH).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        Matcher id = SUBMISSION.matcher(response.body());
        assertThat(id.find()).isTrue();
        return id.group(1);
    }

    private LeadOutcome outcomeOf(String submissionId, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> {
            outcomeReader.poll(Duration.ofMillis(200)).forEach(r -> outcomes.put(r.key(), r.value()));
            return outcomes.containsKey(submissionId);
        });
        return outcomes.get(submissionId);
    }

    private EventType pointedAtAdvertiser(EventType eventType, String path) {
        EventType copy = EventType.newBuilder(eventType).build();
        copy.getRequest().setUrl(advertiser.url(path).toString());
        return copy;
    }
}
