package io.datapost.sink;

import static io.datapost.sink.support.Http.basic;
import static io.datapost.sink.support.Http.bearer;
import static io.datapost.sink.support.Http.contentType;
import static io.datapost.sink.support.Http.json;
import static io.datapost.sink.support.TestRecords.DEMO_KEY;
import static io.datapost.sink.support.TestRecords.DEMO_PARTNER;
import static io.datapost.sink.support.TestRecords.OTHER_KEY;
import static io.datapost.sink.support.TestRecords.OTHER_PARTNER;
import static io.datapost.sink.support.TestRecords.newSubmissionId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.config.LiveTable;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.support.EmbeddedInfrastructure;
import io.datapost.sink.support.Http;
import io.datapost.sink.support.KafkaTestClient;
import io.datapost.sink.support.TestRecords;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import tools.jackson.databind.JsonNode;

/** The read API over rows the sink wrote from Kafka, with partner credentials and the operator token. */
@Tag("integration")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=conversion-sink",
        "datapost.sink.operator-token=" + ReadApiTest.OPERATOR_TOKEN })
@DirtiesContext
class ReadApiTest {

    static final String OPERATOR_TOKEN = "operator-token-for-tests-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PROBLEM_JSON = "application/problem+json";

    static final EmbeddedPostgres POSTGRES = EmbeddedInfrastructure.postgres();
    static final EmbeddedKafkaKraftBroker KAFKA = EmbeddedInfrastructure.kafka();
    static KafkaTestClient kafka;

    /** A lead accepted (revision 1, paid 4.00) and then corrected to rejected (revision 2). */
    static final String CORRECTED_LEAD = newSubmissionId();

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

    Http http;

    @BeforeAll
    static void publishPartnersAndData(@Autowired JdbcTemplate jdbc) {
        kafka = new KafkaTestClient(KAFKA.getBrokersAsString());
        kafka.send(Topics.PARTNERS, DEMO_PARTNER, TestRecords.partner(DEMO_PARTNER, DEMO_KEY));
        kafka.send(Topics.PARTNERS, OTHER_PARTNER, TestRecords.partner(OTHER_PARTNER, OTHER_KEY));

        Instant accepted = Instant.parse("2031-02-01T10:00:00Z");
        kafka.send(Topics.LEAD_OUTCOMES, CORRECTED_LEAD,
                TestRecords.accepted(CORRECTED_LEAD, DEMO_PARTNER, 1, "4.00", accepted));
        kafka.send(Topics.LEAD_OUTCOMES, CORRECTED_LEAD,
                TestRecords.rejected(CORRECTED_LEAD, DEMO_PARTNER, 2, "duplicate lead", accepted.plusSeconds(60)));

        List<String> payoutIds = new ArrayList<>();
        payoutIds.add(payout(DEMO_PARTNER, 1, "4.00", "USD", PayoutKind.PAYMENT, "2031-03-01T00:00:00Z"));
        String reversed = newSubmissionId();
        payoutIds.add(payout(reversed, DEMO_PARTNER, 1, "4.00", "USD", PayoutKind.PAYMENT, "2031-03-01T23:59:59Z"));
        payoutIds.add(payout(reversed, DEMO_PARTNER, 2, "-4.00", "USD", PayoutKind.REVERSAL, "2031-03-02T00:00:01Z"));
        payoutIds.add(payout(DEMO_PARTNER, 1, "2.50", "EUR", PayoutKind.PAYMENT, "2031-03-02T08:00:00Z"));
        payoutIds.add(payout(DEMO_PARTNER, 1, "4.00", "USD", PayoutKind.PAYMENT, "2031-03-03T00:00:00Z")); // after
        payoutIds.add(payout(DEMO_PARTNER, 1, "4.00", "USD", PayoutKind.PAYMENT, "2031-02-28T23:59:59Z")); // before
        payoutIds.add(payout(OTHER_PARTNER, 1, "9.00", "USD", PayoutKind.PAYMENT, "2031-03-01T12:00:00Z"));

        for (String day : List.of("2031-04-01", "2031-04-02", "2031-04-03")) {
            String id = newSubmissionId();
            kafka.send(Topics.CONVERSIONS, id,
                    TestRecords.conversion(id, DEMO_PARTNER, 1, Instant.parse(day + "T12:00:00Z")));
            if (day.equals("2031-04-02")) {
                kafka.send(Topics.CONVERSION_REVERSALS, id, TestRecords.reversal(id, DEMO_PARTNER, 1, 2,
                        Instant.parse("2031-04-05T09:00:00Z")));
            }
        }
        String otherConversion = newSubmissionId();
        kafka.send(Topics.CONVERSIONS, otherConversion,
                TestRecords.conversion(otherConversion, OTHER_PARTNER, 1, Instant.parse("2031-04-02T12:00:00Z")));

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("SELECT count(*) FROM lead_outcomes", Long.class)).isEqualTo(2L);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM payouts", Long.class)).isEqualTo(payoutIds.size());
            assertThat(jdbc.queryForObject("SELECT count(*) FROM conversions", Long.class)).isEqualTo(4L);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM conversion_reversals", Long.class)).isEqualTo(1L);
        });
    }

    private static String payout(String partnerId, int revision, String amount, String currency, PayoutKind kind,
            String createdAt) {
        return payout(newSubmissionId(), partnerId, revision, amount, currency, kind, createdAt);
    }

    private static String payout(String submissionId, String partnerId, int revision, String amount,
            String currency, PayoutKind kind, String createdAt) {
        var event = TestRecords.payout(submissionId, partnerId, revision, amount, kind, Instant.parse(createdAt));
        event.setCurrency(currency);
        kafka.send(Topics.PAYOUTS, submissionId, event);
        return event.getPayoutId();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @BeforeEach
    void partnersLoaded() {
        http = new Http(port);
        await().atMost(WAIT).until(() -> partners.get(DEMO_PARTNER).isPresent()
                && partners.get(OTHER_PARTNER).isPresent());
    }

    @Test
    void ownerGetsTheCurrentOutcomeAndItsHistory() {
        // Given a lead of demo-partner decided twice
        // When its owner asks for its status
        HttpResponse<String> response = http.get("/v1/leads/" + CORRECTED_LEAD, basic(DEMO_PARTNER, DEMO_KEY));

        // Then the current revision answers, with every revision oldest first
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode status = json(response);
        assertThat(status.get("submissionId").asString()).isEqualTo(CORRECTED_LEAD);
        assertThat(status.get("revision").asInt()).isEqualTo(2);
        assertThat(status.get("verdict").asString()).isEqualTo("REJECTED");
        assertThat(status.get("reason").asString()).isEqualTo("duplicate lead");
        assertThat(status.get("payout").isNull()).isTrue();
        assertThat(status.get("decidedAt").asString()).isEqualTo("2031-02-01T10:01:00Z");
        JsonNode history = status.get("history");
        assertThat(history).hasSize(2);
        assertThat(history.get(0).get("revision").asInt()).isEqualTo(1);
        assertThat(history.get(0).get("verdict").asString()).isEqualTo("ACCEPTED");
        assertThat(history.get(0).get("orderId").asString()).isEqualTo("order-1");
        assertThat(history.get(0).get("amount").asString()).isEqualTo("12.5000");
        assertThat(history.get(0).get("currency").asString()).isEqualTo("USD");
        assertThat(history.get(0).get("payout").asString()).isEqualTo("4.0000");
        assertThat(history.get(1).get("verdict").asString()).isEqualTo("REJECTED");
        assertThat(history.get(0).get("cause").asString()).isEqualTo("FINAL_RESPONSE");
        assertThat(history.get(1).get("cause").asString()).isEqualTo("NEW_RESPONSE");
        assertThat(status.get("cause").asString()).isEqualTo("NEW_RESPONSE");
    }

    @Test
    void ownerMayAuthenticateWithItsApiKeyAsBearer() {
        // When
        HttpResponse<String> response = http.get("/v1/leads/" + CORRECTED_LEAD, bearer(DEMO_KEY));

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("verdict").asString()).isEqualTo("REJECTED");
    }

    @Test
    void anotherPartnerGetsTheSameNotFoundAsForAnUnknownId() {
        // Given other-partner with its own valid key, and an id nobody has
        String unknown = newSubmissionId();

        // When it asks for demo-partner's lead, and for the unknown one
        HttpResponse<String> foreign = http.get("/v1/leads/" + CORRECTED_LEAD, basic(OTHER_PARTNER, OTHER_KEY));
        HttpResponse<String> missing = http.get("/v1/leads/" + unknown, basic(OTHER_PARTNER, OTHER_KEY));

        // Then both are the same 404 problem: guessing ids tells nothing
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(contentType(foreign)).startsWith(PROBLEM_JSON);
        assertThat(foreign.body()).doesNotContain("REJECTED", "duplicate lead", DEMO_PARTNER);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(foreign).get("detail")).isEqualTo(json(missing).get("detail"));
        assertThat(json(foreign).get("title")).isEqualTo(json(missing).get("title"));
    }

    @Test
    void wrongApiKeyIsUnauthorized() {
        // When
        HttpResponse<String> response = http.get("/v1/leads/" + CORRECTED_LEAD, basic(DEMO_PARTNER, OTHER_KEY));

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                challenge -> assertThat(challenge).contains("Basic"));
        assertThat(response.body()).doesNotContain("REJECTED");
    }

    @Test
    void missingCredentialsAreUnauthorized() {
        // When
        HttpResponse<String> response = http.get("/v1/leads/" + CORRECTED_LEAD, null);

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
    }

    @Test
    void ownerGetsDailyPayoutTotalsPerUtcDayAndCurrency() {
        // When
        HttpResponse<String> response = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-02",
                basic(DEMO_PARTNER, DEMO_KEY));

        // Then payments and the reversal are summed per day, other days and other partners left out
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(dailyTotals(json(response))).containsExactly(
                "2031-03-01 USD 8.0000 2",
                "2031-03-02 EUR 2.5000 1",
                "2031-03-02 USD -4.0000 1");
    }

    @Test
    void operatorTokenOpensAnyPartnersTotals() {
        // When
        HttpResponse<String> demo = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-01",
                bearer(OPERATOR_TOKEN));
        HttpResponse<String> other = http.get(
                "/v1/partners/" + OTHER_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-01",
                bearer(OPERATOR_TOKEN));

        // Then
        assertThat(demo.statusCode()).isEqualTo(200);
        assertThat(dailyTotals(json(demo))).containsExactly("2031-03-01 USD 8.0000 2");
        assertThat(other.statusCode()).isEqualTo(200);
        assertThat(dailyTotals(json(other))).containsExactly("2031-03-01 USD 9.0000 1");
    }

    @Test
    void wrongOperatorTokenIsUnauthorized() {
        // When
        HttpResponse<String> response = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-01",
                bearer(OPERATOR_TOKEN + "x"));

        // Then
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
    }

    @Test
    void partnerCannotReadAnotherPartnersTotals() {
        // When other-partner asks for demo-partner's totals
        HttpResponse<String> response = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-01&to=2031-03-02",
                basic(OTHER_PARTNER, OTHER_KEY));

        // Then
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
        assertThat(response.body()).doesNotContain("8.0000");
    }

    @Test
    void conversionsArePagedNewestFirst() {
        // When
        String path = "/v1/partners/" + DEMO_PARTNER + "/conversions?from=2031-04-01&to=2031-04-30&size=2";
        HttpResponse<String> first = http.get(path + "&page=0", basic(DEMO_PARTNER, DEMO_KEY));
        HttpResponse<String> second = http.get(path + "&page=1", basic(DEMO_PARTNER, DEMO_KEY));

        // Then
        assertThat(first.statusCode()).isEqualTo(200);
        JsonNode page0 = json(first);
        assertThat(page0.get("totalItems").asLong()).isEqualTo(3);
        assertThat(page0.get("totalPages").asInt()).isEqualTo(2);
        assertThat(recordedDays(page0)).containsExactly("2031-04-03", "2031-04-02");
        assertThat(page0.get("items").get(0).get("amount").asString()).isEqualTo("12.5000");
        assertThat(page0.get("items").get(0).get("reversed").asBoolean()).isFalse();
        assertThat(page0.get("items").get(1).get("reversed").asBoolean()).isTrue();
        assertThat(page0.get("items").get(1).get("reversedAt").asString()).isEqualTo("2031-04-05T09:00:00Z");
        assertThat(recordedDays(json(second))).containsExactly("2031-04-01");
    }

    @Test
    void reversedDateRangeIsABadRequestProblem() {
        // When
        HttpResponse<String> response = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=2031-03-02&to=2031-03-01",
                basic(DEMO_PARTNER, DEMO_KEY));

        // Then
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
    }

    @Test
    void aStrangerGets401BeforeTheReportsParametersAreChecked() {
        // When a report is asked for without credentials, with a missing and with a malformed date
        HttpResponse<String> missing = http.get("/v1/partners/" + DEMO_PARTNER + "/payouts/daily", null);
        HttpResponse<String> malformed = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=March&to=2031-03-01", null);

        // Then both are 401: nothing about what the report takes
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(401);
        assertThat(malformed.statusCode()).as(malformed.body()).isEqualTo(401);
        assertThat(missing.body() + malformed.body()).doesNotContain("from");
    }

    @Test
    void malformedDateIsABadRequestProblem() {
        // When
        HttpResponse<String> response = http.get(
                "/v1/partners/" + DEMO_PARTNER + "/payouts/daily?from=March&to=2031-03-01",
                basic(DEMO_PARTNER, DEMO_KEY));

        // Then the parameter is named and the value not echoed
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(contentType(response)).startsWith(PROBLEM_JSON);
        assertThat(response.body()).contains("'from'").doesNotContain("March");
    }

    private static List<String> dailyTotals(JsonNode body) {
        List<String> lines = new ArrayList<>();
        body.get("days").forEach(d -> lines.add(d.get("date").asString() + " " + d.get("currency").asString() + " "
                + d.get("total").asString() + " " + d.get("events").asLong()));
        return lines;
    }

    private static List<String> recordedDays(JsonNode page) {
        List<String> days = new ArrayList<>();
        page.get("items").forEach(i -> days.add(i.get("recordedAt").asString().substring(0, 10)));
        return days;
    }

    /** Only health and prometheus are exposed on the management endpoints. */
    @Nested
    class ManagementEndpoints {

        @Test
        void noManagementEndpointButHealthAndPrometheusIsExposed() {
            // When / Then: not even the operator token opens them
            for (String endpoint : List.of("env", "beans", "heapdump", "threaddump", "configprops", "loggers",
                    "metrics", "mappings", "conditions", "scheduledtasks", "shutdown")) {
                assertThat(http.get("/actuator/" + endpoint, null).statusCode()).as(endpoint).isEqualTo(404);
                assertThat(http.get("/actuator/" + endpoint, bearer(OPERATOR_TOKEN)).statusCode()).as(endpoint)
                        .isEqualTo(404);
            }
        }

        @Test
        void healthIsUp() {
            // When
            HttpResponse<String> response = http.get("/actuator/health", null);

            // Then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response).get("status").asString()).isEqualTo("UP");
        }

        @Test
        void prometheusShowsTheSinkMeters() {
            // When
            HttpResponse<String> response = http.get("/actuator/prometheus", null);

            // Then
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("datapost_sink_rows_written_total{table=\"payouts\"}",
                    "datapost_sink_rows_written_total{table=\"conversion_reversals\"}",
                    "datapost_sink_batch_seconds_count",
                    // consumer lag, from the listeners' Kafka consumers
                    "kafka_consumer_fetch_manager_records_lag_max");
        }
    }
}
