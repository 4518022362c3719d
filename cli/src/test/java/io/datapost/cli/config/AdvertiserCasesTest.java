package io.datapost.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.CallResult;
import io.datapost.forwarder.http.RenderedRequest;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Verdict;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.ResponseText;
import io.datapost.validator.rules.VerdictClassifier;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Every response of every advertiser in {@code cases/advertisers.yaml} (the shared acceptance cases), through
 * that advertiser's event type file under {@code advertisers/event-types/} exactly as {@code datapost config
 * apply} reads it: the forwarder's renderer and HTTP client send the lead to a MockWebServer, which checks what
 * the advertiser receives (method, target, content type, headers, body bytes and their encoding,
 * {@code advertisers/requests.yaml}) and answers with the case's response; the validator's classifier then
 * reads that answer. Verdict, order id, amount and reason must be exactly the case's.
 */
class AdvertiserCasesTest {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static Map<String, EventType> eventTypes;
    private static Map<String, Object> requests;

    private final VerdictClassifier classifier = new VerdictClassifier();
    private MockWebServer advertiser;
    private AdvertiserClient client;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void loadEventTypes() throws Exception {
        requests = read("/advertisers/requests.yaml");
        Map<String, String> environment = (Map<String, String>) requests.get("environment");
        ConfigSet config = new ConfigLoader(environment::get).load(resource("/advertisers"));
        assertThat(config.problems()).as("the advertisers' event type files are valid").isEmpty();
        eventTypes = new java.util.HashMap<>();
        config.eventTypes().forEach(type -> eventTypes.put(type.getId(), type));
    }

    @BeforeEach
    void startAdvertiser() throws IOException {
        advertiser = new MockWebServer();
        advertiser.start();
        client = new AdvertiserClient(AdvertiserClient.newSharedClient(), 262_144, List.of("Content-Type"));
    }

    @AfterEach
    void stopAdvertiser() {
        client.close();
        advertiser.close();
    }

    @Test
    void everyAdvertiserOfTheCasesHasAnEventTypeFileAndARequestExpectation() throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> expected = (Map<String, Object>) requests.get("requests");
        List<Object> ids = advertisers().stream().map(a -> a.get("id")).toList();

        assertThat(ids).hasSize(11);
        assertThat(eventTypes.keySet()).containsExactlyInAnyOrderElementsOf(ids.stream().map(String::valueOf).toList());
        assertThat(expected.keySet()).containsExactlyInAnyOrderElementsOf(eventTypes.keySet());
    }

    @ParameterizedTest(name = "{0} #{1}: {3}")
    @MethodSource("cases")
    @SuppressWarnings("unchecked")
    void sendsTheRequestTheAdvertiserWantsAndReadsItsAnswerRight(String id, int index, Map<String, Object> response,
            String verdict, Map<String, Object> expect) throws Exception {
        // Given the advertiser's event type, pointed at the mock advertiser, and the case's answer
        EventType eventType = pointedAt(eventTypes.get(id), advertiser.url("/").toString());
        String contentType = (String) response.get("content_type");
        Charset charset = ResponseText.charset(contentType);
        advertiser.enqueue(new MockResponse.Builder().code((Integer) response.get("status"))
                .addHeader("Content-Type", contentType)
                .body(new Buffer().write(((String) response.get("body")).getBytes(charset))).build());
        Map<String, String> environment = (Map<String, String>) requests.get("environment");
        AdvertiserRequestRenderer renderer = new AdvertiserRequestRenderer(environment::get);
        LeadSubmitted lead = LeadSubmitted.newBuilder().setSubmissionId((String) requests.get("submissionId"))
                .setEventTypeId(id).setPartnerId("demo-partner")
                .setFields((Map<String, String>) requests.get("lead")).setReceivedAt(Instant.EPOCH).build();

        // When the forwarder sends the lead and the validator reads the answer
        RenderedRequest request = renderer.render(lead, eventType, (String) requests.get("requestId"));
        CallResult result = client.call(request, eventType.getRequest());
        RecordedRequest received = advertiser.takeRequest();
        Classification classification = classifier.classify(eventType, answer(lead, request, result));

        // Then the advertiser received exactly what it wants
        Map<String, Object> wanted = (Map<String, Object>) ((Map<String, Object>) requests.get("requests")).get(id);
        assertThat(received.getMethod()).isEqualTo(wanted.get("method"));
        assertThat(received.getTarget()).isEqualTo(wanted.get("target"));
        assertThat(received.getHeaders().get("Content-Type")).isEqualTo(wanted.get("contentType"));
        ((Map<String, String>) requests.get("headers")).forEach((name, value) ->
                assertThat(received.getHeaders().get(name)).as(name).isEqualTo(value));
        ((Map<String, String>) wanted.getOrDefault("headers", Map.of())).forEach((name, value) ->
                assertThat(received.getHeaders().get(name)).as(name).isEqualTo(value));
        byte[] body = received.getBody() == null ? new byte[0] : received.getBody().toByteArray();
        String wantedBody = (String) wanted.get("body");
        if (wantedBody == null) {
            assertThat(body).as("no body for a %s", wanted.get("method")).isEmpty();
        } else {
            // UTF-8 on the wire, as the Content-Type says (form bodies are ASCII: UTF-8 percent-encoded)
            assertThat(ResponseText.charset((String) wanted.get("contentType"))).isEqualTo(StandardCharsets.UTF_8);
            assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo(wantedBody);
            assertThat(body).isEqualTo(wantedBody.getBytes(StandardCharsets.UTF_8));
        }

        // And the verdict and the extracted values are exactly the case's
        assertThat(classification.verdict()).isEqualTo(Verdict.valueOf(verdict));
        assertThat(classification.orderId()).as("order id").isEqualTo(expect.get("order_id"));
        if ("default".equals(expect.get("amount"))) {
            assertThat(classification.amountDefaulted()).isTrue();
            assertThat(classification.amount()).isEqualTo(eventType.getDefaultPrice());
        } else {
            assertThat(classification.amountDefaulted()).isFalse();
            assertThat(classification.amount()).as("amount").isEqualTo(expect.get("amount") == null ? null
                    : new BigDecimal((String) expect.get("amount")).setScale(4));
        }
        if (expect.containsKey("reason") || classification.verdict() != Verdict.ERROR) {
            assertThat(classification.reason()).as("reason").isEqualTo(expect.get("reason"));
        } else {
            assertThat(classification.reason()).as("an ERROR always says why").isNotBlank();
        }
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws IOException {
        return advertisers().stream().flatMap(advertiser -> {
            List<Map<String, Object>> responses = (List<Map<String, Object>>) advertiser.get("responses");
            return Stream.iterate(0, i -> i < responses.size(), i -> i + 1).map(i -> {
                Map<String, Object> expect = (Map<String, Object>) responses.get(i).get("expect");
                return Arguments.of(advertiser.get("id"), i + 1, responses.get(i), expect.get("verdict"), expect);
            });
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> advertisers() throws IOException {
        return (List<Map<String, Object>>) read("/cases/advertisers.yaml").get("advertisers");
    }

    /** The forwarder's record of the attempt, as the validator receives it. */
    private static AdvertiserResponse answer(LeadSubmitted lead, RenderedRequest request, CallResult result) {
        return AdvertiserResponse.newBuilder()
                .setSubmissionId(lead.getSubmissionId()).setEventTypeId(lead.getEventTypeId())
                .setPartnerId(lead.getPartnerId()).setAttempt(1).setFinalAttempt(true)
                .setRequestId(request.requestId()).setFailureClass(result.failureClass())
                .setFailureMessage(result.failureMessage()).setHttpStatus(result.httpStatus())
                .setContentType(result.contentType()).setHeaders(result.headers())
                .setBody(result.body() == null ? null : ByteBuffer.wrap(result.body()))
                .setBodyTruncated(result.bodyTruncated()).setLatencyMillis(result.latencyMillis())
                .setRespondedAt(result.respondedAt()).build();
    }

    /** The same event type with its URL's scheme and host replaced by the mock advertiser's. */
    private static EventType pointedAt(EventType eventType, String base) {
        AdvertiserRequest request = eventType.getRequest();
        String url = request.getUrl();
        int hostStart = url.indexOf("://") + 3;
        int pathStart = url.indexOf('/', hostStart);
        String local = base.substring(0, base.length() - 1) + url.substring(pathStart);
        EventType copy = EventType.newBuilder(eventType).build();
        copy.getRequest().setUrl(local);
        return copy;
    }

    private static Map<String, Object> read(String resource) throws IOException {
        try (InputStream in = AdvertiserCasesTest.class.getResourceAsStream(resource)) {
            return YAML.readValue(in, Map.class);
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(AdvertiserCasesTest.class.getResource(name).toURI());
    }
}
