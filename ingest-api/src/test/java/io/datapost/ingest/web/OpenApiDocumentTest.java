package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.OTHER_KEY;
import static io.datapost.ingest.support.ConfigFixtures.OTHER_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.PIXEL_QUOTE;
import static io.datapost.ingest.support.ConfigFixtures.THROTTLED_KEY;
import static io.datapost.ingest.support.ConfigFixtures.THROTTLED_PARTNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import io.datapost.ingest.service.OutcomeWaiters;
import io.datapost.ingest.service.SubmissionIds;
import io.datapost.ingest.support.OutcomesOnTopic;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.ingest.support.SharedBroker;
import io.datapost.schemas.Verdict;

/**
 * The served OpenAPI document is the file in the repo, lists exactly the operations the app maps, and, for each
 * operation, exactly the statuses that real requests get from it.
 */
class OpenApiDocumentTest extends RunningIngestApi {

    private static final String LEADS = "/v1/leads/{eventTypeId}";
    private static final String DEMO = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);
    private static final String OTHER = PartnerClient.basic(OTHER_PARTNER, OTHER_KEY);
    private static final String JSON = "application/json";
    private static final String COMPLETE = "{\"email\":\"ana.silva@example.org\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String LEAD_QUERY = "email=a%40example.org&phone=5550102233&first_name=Ana&last_name=Lee&zip=1";
    /** Per operation, statuses a shared, healthy app cannot produce here, and the test class that produces them. */
    private static final Map<String, Map<String, String>> PRODUCED_ELSEWHERE = Map.of(
            "POST " + LEADS, Map.of("503", "BrokerUnavailableTest", "408", "EdgeErrorsTest (raw socket, stalled body)",
                    "431", "EdgeErrorsTest (raw socket, header section over 8 KB)"),
            "GET " + LEADS, Map.of("503", "BrokerUnavailableTest",
                    "431", "EdgeErrorsTest (raw socket, header section over 8 KB)"));

    private static OutcomesOnTopic outcomes;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;
    @Autowired
    OutcomeWaiters waiters;

    @BeforeAll
    static void start() {
        outcomes = new OutcomesOnTopic(SharedBroker.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        outcomes.close();
    }

    private static Map<String, Object> document(String yaml) {
        return new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> paths(Map<String, Object> document) {
        return (Map<String, Map<String, Object>>) document.get("paths");
    }

    /** "GET /v1/openapi.yaml" -> documented statuses. */
    @SuppressWarnings("unchecked")
    private static Map<String, Set<String>> documentedOperations(Map<String, Object> document) {
        Map<String, Set<String>> operations = new TreeMap<>();
        paths(document).forEach((path, item) -> item.forEach((method, operation) -> {
            if (Set.of("get", "put", "post", "delete", "patch", "head", "options").contains(method)) {
                Map<Object, Object> responses = (Map<Object, Object>) ((Map<String, Object>) operation).get("responses");
                Set<String> statuses = new TreeSet<>();
                responses.keySet().forEach(status -> statuses.add(String.valueOf(status)));
                operations.put(method.toUpperCase(Locale.ROOT) + " " + path, statuses);
            }
        }));
        return operations;
    }

    @Test
    void servedDocumentIsTheOneKeptInTheRepo() throws IOException {
        Answer served = partner.get("/v1/openapi.yaml");

        assertThat(served.status()).isEqualTo(200);
        assertThat(served.contentType()).startsWith("application/yaml");
        try (InputStream kept = getClass().getClassLoader().getResourceAsStream(OpenApiController.DOCUMENT)) {
            assertThat(served.body()).isEqualTo(new String(kept.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(document(served.body())).containsEntry("openapi", "3.1.0");
    }

    @Test
    void documentListsExactlyTheOperationsTheAppMaps() {
        // Given the app's own handler mappings (management endpoints have their own mapping and are not the API)
        Set<String> mapped = new TreeSet<>();
        mappings.getHandlerMethods().forEach((info, handler) -> {
            if (handler.getBeanType().getPackageName().equals(LeadController.class.getPackageName())) {
                for (String path : info.getPatternValues()) {
                    info.getMethodsCondition().getMethods().forEach(method -> mapped.add(method + " " + path));
                }
            }
        });

        // When
        Set<String> documented = documentedOperations(document(partner.get("/v1/openapi.yaml").body())).keySet();

        // Then
        assertThat(mapped).isNotEmpty();
        assertThat(documented).isEqualTo(mapped);
    }

    @Test
    void everyDocumentedStatusIsWhatARealRequestGetsAndNoOther() throws Exception {
        // Given requests that make each operation answer each of its statuses
        Map<String, Map<String, Supplier<Answer>>> requests = new TreeMap<>();
        requests.put("POST " + LEADS, new TreeMap<>(Map.ofEntries(
                Map.entry("200", () -> decided(key -> partner.post(INSURANCE_QUOTE).authorization(DEMO)
                        .header("Idempotency-Key", key).query("wait=PT5S").body(JSON, COMPLETE).send())),
                Map.entry("202", () -> partner.post(INSURANCE_QUOTE).authorization(DEMO).body(JSON, COMPLETE).send()),
                Map.entry("400", () -> partner.post(INSURANCE_QUOTE).authorization(DEMO).body(JSON, "{\"email\":").send()),
                Map.entry("401", () -> partner.post(INSURANCE_QUOTE).body(JSON, COMPLETE).send()),
                Map.entry("403", () -> partner.post(INSURANCE_QUOTE).authorization(OTHER).body(JSON, COMPLETE).send()),
                Map.entry("404", () -> partner.post("no-such-type").authorization(DEMO).body(JSON, COMPLETE).send()),
                Map.entry("413", () -> partner.post(INSURANCE_QUOTE).authorization(DEMO)
                        .body(JSON, new byte[70 * 1024]).send()),
                Map.entry("415", () -> partner.post(INSURANCE_QUOTE).authorization(DEMO).body("text/csv", "a,b").send()),
                Map.entry("422", () -> partner.post(INSURANCE_QUOTE).authorization(DEMO).body(JSON, "{}").send()),
                Map.entry("429", () -> untilThrottled(() -> partner.post(INSURANCE_QUOTE)
                        .authorization(PartnerClient.basic(THROTTLED_PARTNER, THROTTLED_KEY)).body(JSON, COMPLETE).send())))));
        requests.put("GET " + LEADS, new TreeMap<>(Map.ofEntries(
                Map.entry("200", () -> decided(key -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY
                        + "&wait=PT5S", "Authorization", DEMO, "Idempotency-Key", key))),
                Map.entry("202", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY, "Authorization", DEMO)),
                Map.entry("400", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY + "&wait=soon", "Authorization", DEMO)),
                Map.entry("401", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY)),
                Map.entry("403", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY, "Authorization", OTHER)),
                Map.entry("404", () -> partner.send("GET", "/v1/leads/no-such-type?" + LEAD_QUERY, "Authorization", DEMO)),
                Map.entry("405", () -> partner.send("GET", "/v1/leads/" + INSURANCE_QUOTE + "?" + LEAD_QUERY, "Authorization", DEMO)),
                Map.entry("414", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY + "&note="
                        + "x".repeat(2048), "Authorization", DEMO)),
                Map.entry("422", () -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?zip=1", "Authorization", DEMO)),
                Map.entry("429", () -> untilThrottled(() -> partner.send("GET", "/v1/leads/" + PIXEL_QUOTE + "?" + LEAD_QUERY,
                        "Authorization", PartnerClient.basic(THROTTLED_PARTNER, THROTTLED_KEY)))))));
        requests.put("GET /v1/openapi.yaml", Map.of("200", () -> partner.get("/v1/openapi.yaml")));

        // When each is sent
        Map<String, Set<String>> observed = new TreeMap<>();
        for (var operation : requests.entrySet()) {
            Set<String> statuses = new TreeSet<>();
            for (var request : operation.getValue().entrySet()) {
                Answer answer = request.getValue().get();
                assertThat(String.valueOf(answer.status())).as("%s meant to get %s: %s", operation.getKey(),
                        request.getKey(), answer.body()).isEqualTo(request.getKey());
                statuses.add(String.valueOf(answer.status()));
            }
            observed.put(operation.getKey(), statuses);
        }

        // Then the document lists exactly those statuses per operation (and those only other tests can produce)
        Map<String, Set<String>> documented = documentedOperations(document(partner.get("/v1/openapi.yaml").body()));
        Map<String, Set<String>> expected = new TreeMap<>();
        documented.forEach((operation, statuses) -> {
            Set<String> withoutElsewhere = new TreeSet<>(statuses);
            withoutElsewhere.removeAll(PRODUCED_ELSEWHERE.getOrDefault(operation, Map.of()).keySet());
            expected.put(operation, withoutElsewhere);
        });
        assertThat(observed).isEqualTo(expected);
        PRODUCED_ELSEWHERE.forEach((operation, statuses) ->
                assertThat(documented.get(operation)).as(operation).containsAll(statuses.keySet()));
    }

    /** Sends the request with a fresh Idempotency-Key and plays the validator until it is answered. */
    private Answer decided(Function<String, Answer> request) {
        await().atMost(Duration.ofSeconds(30)).until(waiters::following);
        String key = "openapi-" + UUID.randomUUID();
        String id = SubmissionIds.of(DEMO_PARTNER, key);
        Map<TopicPartition, Long> mark = leads.mark();
        CompletableFuture<Answer> answer = CompletableFuture.supplyAsync(() -> request.apply(key));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> leads.since(mark).stream().map(ConsumerRecord::key).anyMatch(id::equals));
        outcomes.publish(OutcomesOnTopic.outcome(id, Verdict.ACCEPTED, null, "adv-1", "4.00"));
        try {
            return answer.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no answer for " + id, e);
        }
    }

    /** The throttled partner's bucket holds 2 posts: at most 3 posts reach a 429, whatever other tests took. */
    private static Answer untilThrottled(Supplier<Answer> request) {
        Answer answer = request.get();
        for (int i = 0; i < 2 && answer.status() != 429; i++) {
            answer = request.get();
        }
        return answer;
    }
}
