package io.datapost.sink;

import static io.datapost.sink.support.Http.basic;
import static io.datapost.sink.support.Http.bearer;
import static io.datapost.sink.support.TestRecords.DEMO_KEY;
import static io.datapost.sink.support.TestRecords.DEMO_PARTNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.support.EmbeddedInfrastructure;
import io.datapost.sink.support.Http;
import io.datapost.sink.support.KafkaTestClient;
import io.datapost.sink.support.TestRecords;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Without an operator token configured, no bearer token opens a partner's reports. This context starts through
 * {@link ConversionSinkApplication#main}, so it also proves that {@code builder()} finds {@code conversion-sink.yml}.
 */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        useMainMethod = SpringBootTest.UseMainMethod.ALWAYS,
        properties = "datapost.sink.operator-token=")
@DirtiesContext
class OperatorAccessDisabledTest {

    private static final String PATH = "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-02";

    static final EmbeddedPostgres POSTGRES = EmbeddedInfrastructure.postgres();
    static final EmbeddedKafkaKraftBroker KAFKA = EmbeddedInfrastructure.kafka();

    @DynamicPropertySource
    static void infrastructure(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> EmbeddedInfrastructure.jdbcUrl(POSTGRES));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "postgres");
        registry.add("spring.kafka.bootstrap-servers", KAFKA::getBrokersAsString);
    }

    @LocalServerPort
    int port;

    @Autowired
    LiveTable<Partner> partners;

    @BeforeAll
    static void publishPartner() {
        try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.getBrokersAsString())) {
            kafka.send(Topics.PARTNERS, DEMO_PARTNER, TestRecords.partner(DEMO_PARTNER, DEMO_KEY));
        }
    }

    @BeforeEach
    void partnerLoaded() {
        await().atMost(Duration.ofSeconds(30)).until(() -> partners.get(DEMO_PARTNER).isPresent());
    }

    @Test
    void startsWithItsOwnConfigFile(@Autowired org.springframework.core.env.Environment environment) {
        // Then settings only conversion-sink.yml holds are in force
        assertThat(environment.getProperty("management.endpoints.web.exposure.include"))
                .isEqualTo("health,prometheus");
        assertThat(environment.getProperty("spring.application.name")).isEqualTo("conversion-sink");
    }

    @Test
    void tokenUsedByOperatorsElsewhereIsRefused() {
        // When
        HttpResponse<String> response = new Http(port).get(PATH, bearer(ReadApiTest.OPERATOR_TOKEN));

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void emptyBearerTokenIsRefused() {
        // When
        HttpResponse<String> response = new Http(port).get(PATH, "Bearer ");

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void partnerStillReadsItsOwnTotals() {
        // When
        HttpResponse<String> response = new Http(port).get(PATH, basic(DEMO_PARTNER, DEMO_KEY));

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
    }
}
