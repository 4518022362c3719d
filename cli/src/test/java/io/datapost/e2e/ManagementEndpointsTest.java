package io.datapost.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.forwarder.ForwarderApplication;
import io.datapost.ingest.IngestApiApplication;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * On every one of the four services, the only management endpoints on the web port are health and prometheus:
 * no environment, beans, configuration, heap or thread dumps, loggers or shutdown.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementEndpointsTest {

    private static final List<String> HIDDEN = List.of("env", "beans", "configprops", "heapdump", "threaddump",
            "loggers", "metrics", "mappings", "conditions", "scheduledtasks", "caches", "info", "shutdown",
            "startup", "sbom");

    private EmbeddedKafkaKraftBroker kafka;
    private EmbeddedPostgres postgres;
    private final List<ConfigurableApplicationContext> services = new ArrayList<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();

    @BeforeAll
    void startTheFourServices() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        kafka.afterPropertiesSet();
        kafka.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(kafka.getBrokersAsString(), Duration.ofSeconds(30));
        postgres = EmbeddedPostgres.builder().start();

        String kafkaArg = "--spring.kafka.bootstrap-servers=" + kafka.getBrokersAsString();
        String noDatabase = "--spring.autoconfigure.exclude="
                + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";
        start("conversion-sink", ConversionSinkApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
        start("validator-streams", ValidatorApplication.builder().run(kafkaArg, "--server.port=0", noDatabase,
                "--datapost.validator.state-dir="
                        + Path.of("target", "management-state-" + System.nanoTime()).toAbsolutePath()));
        start("forwarder-worker", ForwarderApplication.builder().run(kafkaArg, "--server.port=0", noDatabase));
        start("ingest-api", IngestApiApplication.builder().run(kafkaArg, "--server.port=0", noDatabase));
    }

    private void start(String name, ConfigurableApplicationContext context) {
        services.add(context);
        ports.put(name, Integer.parseInt(context.getEnvironment().getProperty("local.server.port")));
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

    List<String> services() {
        return List.of("conversion-sink", "validator-streams", "forwarder-worker", "ingest-api");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("services")
    void onlyHealthAndPrometheusAreExposed(String service) throws Exception {
        // Given
        int port = ports.get(service);

        // When / Then
        for (String endpoint : HIDDEN) {
            assertThat(status(port, "/actuator/" + endpoint)).as("%s /actuator/%s", service, endpoint)
                    .isEqualTo(404);
        }
        assertThat(status(port, "/actuator/health")).as("%s health", service).isIn(200, 503);
        assertThat(status(port, "/actuator/prometheus")).as("%s prometheus", service).isEqualTo(200);
    }

    private static int status(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
