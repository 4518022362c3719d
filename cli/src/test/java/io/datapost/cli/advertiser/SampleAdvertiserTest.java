package io.datapost.cli.advertiser;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SampleAdvertiserTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ANA = """
            {"email":"ana.silva@example.org","phone":"(555) 010-2233","first_name":"Ana","last_name":"Silva",\
            "zip":"30301"}""";

    private final HttpClient http = HttpClient.newHttpClient();
    private SampleAdvertiser advertiser;

    @AfterEach
    void stop() {
        if (advertiser != null) {
            advertiser.close();
        }
    }

    private void start(SampleAdvertiser.Behaviour behaviour) throws IOException {
        advertiser = SampleAdvertiser.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), behaviour);
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(advertiser.leadsUri())
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header(SampleAdvertiser.IDEMPOTENCY_HEADER, key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    @Test
    void acceptsAValidLeadWithLeadIdAndPrice() throws Exception {
        // Given a reliable advertiser
        start(SampleAdvertiser.Behaviour.reliable());

        // When a valid lead is posted
        HttpResponse<String> response = post("k-1", ANA);

        // Then it is accepted with an id and a price with cents
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode answer = json(response);
        assertThat(answer.get("status").asString()).isEqualTo("accepted");
        assertThat(answer.get("lead_id").asString()).matches("SA-[0-9A-F]{12}");
        assertThat(answer.get("price").decimalValue()).isBetween(new java.math.BigDecimal("5.00"),
                new java.math.BigDecimal("25.00"));
        assertThat(advertiser.stats().accepted()).isEqualTo(1);
    }

    @Test
    void rejectsAnInvalidEmail() throws Exception {
        start(SampleAdvertiser.Behaviour.reliable());

        HttpResponse<String> response = post("k-1", ANA.replace("ana.silva@example.org", "ana.silva@example"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"status\":\"rejected\",\"reason\":\"Invalid email\"}");
        assertThat(advertiser.stats().rejectedByReason()).isEqualTo(Map.of("Invalid email", 1L));
    }

    @Test
    void rejectsALeadWhoseEmailAndPhoneWereAlreadyAccepted() throws Exception {
        // Given a lead already accepted
        start(SampleAdvertiser.Behaviour.reliable());
        assertThat(json(post("k-1", ANA)).get("status").asString()).isEqualTo("accepted");

        // When the same person comes again under another key, with the email in capitals and the phone reformatted
        HttpResponse<String> again = post("k-2", ANA.replace("ana.silva@example.org", "Ana.Silva@Example.org")
                .replace("(555) 010-2233", "555-010-2233"));

        // Then it is a duplicate
        assertThat(again.body()).isEqualTo("{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}");
        assertThat(advertiser.stats().accepted()).isEqualTo(1);
    }

    @Test
    void collapsesRepeatsOfAnIdempotencyKeyIntoOneAnswerCountedOnce() throws Exception {
        // Given a lead accepted under key k-1
        start(SampleAdvertiser.Behaviour.reliable());
        String first = post("k-1", ANA).body();

        // When the caller repeats the same key twice (a retry after a timeout)
        String second = post("k-1", ANA).body();
        String third = post("k-1", ANA).body();

        // Then it gets the same answer, not "Duplicate lead", and the lead counts once
        assertThat(second).isEqualTo(first).contains("accepted");
        assertThat(third).isEqualTo(first);
        SampleAdvertiser.Stats stats = advertiser.stats();
        assertThat(stats.requests()).isEqualTo(3);
        assertThat(stats.distinctKeys()).isEqualTo(1);
        assertThat(stats.repeats()).isEqualTo(2);
        assertThat(stats.accepted()).isEqualTo(1);
        assertThat(stats.rejectedByReason()).isEmpty();
    }

    @Test
    void rejectsALeadWithoutARequiredField() throws Exception {
        start(SampleAdvertiser.Behaviour.reliable());

        HttpResponse<String> response = post("k-1", "{\"email\":\"kim@example.org\",\"first_name\":\"Kim\"}");

        assertThat(json(response).get("reason").asString()).isEqualTo("Missing field phone");
    }

    @Test
    void answers503ForTheSameKeysAndAttemptsOnEveryRunAndNeverFromTheThirdAttempt() throws Exception {
        // Given an advertiser that is unavailable half of the time
        start(new SampleAdvertiser.Behaviour(50, 0, Duration.ZERO, Duration.ZERO));

        // When 40 keys are each tried until they get a real answer
        List<Integer> firstRun = attemptsUntilAnswered(40);
        advertiser.close();
        start(new SampleAdvertiser.Behaviour(50, 0, Duration.ZERO, Duration.ZERO));
        List<Integer> secondRun = attemptsUntilAnswered(40);

        // Then some needed retries, none needed more than three, and both runs saw exactly the same 503s
        assertThat(firstRun).anyMatch(attempts -> attempts > 1).allMatch(attempts -> attempts <= 3);
        assertThat(secondRun).isEqualTo(firstRun);
        long unavailable = firstRun.stream().mapToInt(a -> a - 1).sum();
        assertThat(advertiser.stats().unavailable()).isEqualTo(unavailable);
        assertThat(advertiser.stats().distinctKeys()).isEqualTo(40);
    }

    private List<Integer> attemptsUntilAnswered(int keys) throws Exception {
        List<Integer> attempts = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            String body = ANA.replace("ana.silva", "person" + i);
            int attempt = 1;
            while (post("key-" + i, body).statusCode() == 503) {
                attempt++;
                assertThat(attempt).as("attempts of key-%d", i).isLessThanOrEqualTo(3);
            }
            attempts.add(attempt);
        }
        return attempts;
    }
}
