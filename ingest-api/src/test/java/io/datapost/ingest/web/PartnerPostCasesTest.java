package io.datapost.ingest.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.MediaType;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import io.datapost.ingest.support.ConfigFixtures;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.PartnerClient.Answer;
import io.datapost.schemas.LeadSubmitted;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every post of {@code cases/partner-posts.yaml} (the shared, data-driven description of how partners
 * post), against the running app and a real broker.
 */
class PartnerPostCasesTest extends RunningIngestApi {

    private static final String WRONG_KEY = "not-the-demo-key";
    /** Field expectations the shared file states only in prose. */
    private static final Map<String, String> ALSO_NAMES_FIELD = Map.of(
            "CRLF smuggled in a field that the event type maps into an advertiser header", "first_name");
    private static final Pattern GENERATED = Pattern.compile("<(\\d+) (.)>");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    record PostCase(String name, String contentType, byte[] body, String authorization, String authenticatedPartner,
            String eventTypeId, int repeat, Map<String, String> headers, Map<String, Object> expect) {

        int expectedStatus() {
            return ((Number) expect.get("status")).intValue();
        }
    }

    static Stream<Named<PostCase>> cases() throws IOException {
        try (InputStream in = PartnerPostCasesTest.class.getResourceAsStream("/cases/partner-posts.yaml")) {
            Map<String, Object> file = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> posts = (List<Map<String, Object>>) file.get("posts");
            assertThat(posts).hasSizeGreaterThanOrEqualTo(14);
            return posts.stream().map(PartnerPostCasesTest::toCase).map(c -> Named.of(c.name(), c));
        }
    }

    @SuppressWarnings("unchecked")
    private static PostCase toCase(Map<String, Object> post) {
        String name = (String) post.get("name");
        String body = post.containsKey("body_generator") ? generate((String) post.get("body_generator"))
                : (String) post.get("body");
        String auth = (String) post.get("auth");
        String authorization;
        String partnerId;
        if (auth == null) {
            authorization = PartnerClient.basic(ConfigFixtures.DEMO_PARTNER, ConfigFixtures.DEMO_KEY);
            partnerId = ConfigFixtures.DEMO_PARTNER;
        } else if (auth.equals("wrong")) {
            authorization = PartnerClient.basic(ConfigFixtures.DEMO_PARTNER, WRONG_KEY);
            partnerId = null;
        } else if (auth.equals(ConfigFixtures.OTHER_PARTNER)) {
            authorization = PartnerClient.basic(ConfigFixtures.OTHER_PARTNER, ConfigFixtures.OTHER_KEY);
            partnerId = ConfigFixtures.OTHER_PARTNER;
        } else {
            throw new IllegalArgumentException("Unknown auth in case " + name + ": " + auth);
        }
        String eventTypeId = (String) post.getOrDefault("path_event_type", ConfigFixtures.INSURANCE_QUOTE);
        int repeat = ((Number) post.getOrDefault("repeat", 1)).intValue();
        Map<String, String> headers = new LinkedHashMap<>();
        ((Map<String, Object>) post.getOrDefault("headers", Map.of())).forEach((k, v) -> headers.put(k, String.valueOf(v)));
        return new PostCase(name, (String) post.get("content_type"), body.getBytes(StandardCharsets.UTF_8),
                authorization, partnerId, eventTypeId, repeat, headers, (Map<String, Object>) post.get("expect"));
    }

    /** {@code <N c>} stands for N times the character c. */
    private static String generate(String template) {
        Matcher m = GENERATED.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2).repeat(Integer.parseInt(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void partnerGetsTheExpectedAnswerAndTheLeadIsOnTheTopicExactlyWhenAccepted(PostCase post) {
        // Given
        Map<TopicPartition, Long> mark = leads.mark();
        Instant before = Instant.now().minusSeconds(1);

        // When
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < post.repeat(); i++) {
            PartnerClient.Post request = partner.post(post.eventTypeId()).authorization(post.authorization())
                    .body(post.contentType(), post.body());
            post.headers().forEach(request::header);
            answers.add(request.send());
        }

        // Then
        List<ConsumerRecord<String, LeadSubmitted>> written = leads.since(mark);
        for (Answer answer : answers) {
            assertThat(answer.status()).as(answer.body()).isEqualTo(post.expectedStatus());
        }
        if (post.expectedStatus() == 202) {
            assertThat(post.expect().getOrDefault("on_topic", true)).isEqualTo(true);
            assertAccepted(post, answers, written, before);
        } else {
            assertThat(post.expect().get("on_topic")).isEqualTo(false);
            assertThat(written).as("leads written for a %d answer", post.expectedStatus()).isEmpty();
            for (Answer answer : answers) {
                assertProblem(post, answer);
            }
        }
    }

    private void assertAccepted(PostCase post, List<Answer> answers, List<ConsumerRecord<String, LeadSubmitted>> written,
            Instant before) {
        List<String> ids = new ArrayList<>();
        for (Answer answer : answers) {
            assertThat(answer.contentType()).startsWith(MediaType.APPLICATION_JSON_VALUE);
            JsonNode json = answer.json();
            String id = json.path("submissionId").asString();
            assertThat(UUID.fromString(id).toString()).isEqualTo(id);
            assertThat(json.path("statusUrl").asString()).isEqualTo(STATUS_BASE + "/v1/leads/" + id);
            assertThat(answer.headers().firstValue("Location")).hasValue(STATUS_BASE + "/v1/leads/" + id);
            ids.add(id);
        }
        String idempotencyKey = post.headers().get("Idempotency-Key");
        if (Boolean.TRUE.equals(post.expect().get("same_submission_id"))) {
            String derived = UUID.nameUUIDFromBytes((post.authenticatedPartner() + "\n" + idempotencyKey)
                    .getBytes(StandardCharsets.UTF_8)).toString();
            assertThat(ids).hasSize(post.repeat()).containsOnly(derived);
        }

        // the repeat is written again under the same key; downstream drops it by submission id
        assertThat(written).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(ids);
        Map<String, String> expectedFields = expectedFields(post);
        for (ConsumerRecord<String, LeadSubmitted> record : written) {
            LeadSubmitted lead = record.value();
            assertThat(lead.getSubmissionId()).isEqualTo(record.key());
            assertThat(lead.getPartnerId()).isEqualTo(post.authenticatedPartner());
            assertThat(lead.getEventTypeId()).isEqualTo(post.eventTypeId());
            assertThat(lead.getIdempotencyKey()).isEqualTo(idempotencyKey);
            assertThat(lead.getReceivedAt()).isBetween(before, Instant.now().plus(Duration.ofSeconds(1)));
            if (expectedFields != null) {
                assertThat(lead.getFields()).isEqualTo(expectedFields);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> exact = (Map<String, Object>) post.expect().getOrDefault("field", Map.of());
            exact.forEach((name, value) -> assertThat(lead.getFields()).containsEntry(name, (String) value));
            assertThat(lead.getFields()).containsKeys("email", "phone", "first_name", "last_name", "zip");
        }
    }

    /** What the fields must be, decoded independently of the app; null for formats checked field by field. */
    private static Map<String, String> expectedFields(PostCase post) {
        MediaType type = MediaType.parseMediaType(post.contentType());
        Map<String, String> fields = new HashMap<>();
        if (type.equalsTypeAndSubtype(MediaType.APPLICATION_JSON)) {
            JSON.readTree(post.body()).properties().forEach(e -> fields.put(e.getKey(), e.getValue().asString()));
            return fields;
        }
        if (type.equalsTypeAndSubtype(MediaType.APPLICATION_FORM_URLENCODED)) {
            Charset charset = type.getCharset() == null ? StandardCharsets.UTF_8 : type.getCharset();
            for (String pair : new String(post.body(), StandardCharsets.US_ASCII).split("&")) {
                String[] nv = pair.split("=", 2);
                fields.put(URLDecoder.decode(nv[0], charset), URLDecoder.decode(nv[1], charset));
            }
            return fields;
        }
        return null;
    }

    private static void assertProblem(PostCase post, Answer answer) {
        assertThat(answer.contentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JsonNode problem = answer.json();
        assertThat(problem.path("status").asInt()).isEqualTo(post.expectedStatus());
        assertThat(problem.path("title").asString()).isNotBlank();
        // never an echo of lead values or credentials
        assertThat(answer.body()).doesNotContain("example.org", "Ana", "X-Injected", ConfigFixtures.DEMO_KEY,
                ConfigFixtures.OTHER_KEY, WRONG_KEY, "xxxxxxxx");
        if (post.expectedStatus() == 401) {
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"datapost\"");
        }
        List<String> named = new ArrayList<>();
        if (post.expect().get("error_names_field") != null) {
            named.add((String) post.expect().get("error_names_field"));
        }
        if (ALSO_NAMES_FIELD.containsKey(post.name())) {
            named.add(ALSO_NAMES_FIELD.get(post.name()));
        }
        if (!named.isEmpty()) {
            assertThat(post.expectedStatus()).isEqualTo(422);
            List<String> fields = new ArrayList<>();
            problem.path("errors").forEach(error -> fields.add(error.path("field").asString()));
            assertThat(fields).containsAll(named);
        }
    }
}
