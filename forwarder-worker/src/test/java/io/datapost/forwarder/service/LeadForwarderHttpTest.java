package io.datapost.forwarder.service;

import static io.datapost.forwarder.Fixtures.eventType;
import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.datapost.forwarder.config.EventTypeSettings;
import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.RequestRenderException;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;

/** The forwarder against a real HTTP server: what the advertiser receives and which attempts are published. */
class LeadForwarderHttpTest {

    private static final String HEBREW_EMOJI = "שלום 😀";
    private static final int MAX_BODY_BYTES = 1024;

    @StartStop
    private final MockWebServer server = new MockWebServer();

    private final List<AdvertiserResponse> published = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdvertiserClient client = new AdvertiserClient(AdvertiserClient.newSharedClient(), MAX_BODY_BYTES,
            List.of("Content-Type", "Retry-After"));
    private final LeadForwarder forwarder = new LeadForwarder(new AdvertiserRequestRenderer(), client,
            response -> {
                published.add(response);
                return CompletableFuture.completedFuture(null);
            }, new ForwarderMetrics(registry),
            id -> EventTypeSettings.defaults().withBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                    .withRetryAfterMax(Duration.ofMillis(50)),
            id -> Optional.empty(), 16, Duration.ofMillis(10), new Random(1));

    @AfterEach
    void closeClient() throws Exception {
        forwarder.close();
        client.close();
    }

    /** Delivers one lead and waits until its final response is published. */
    private void deliver(LeadSubmitted lead, EventType type) throws Exception {
        forwarder.forward(lead, type).get(15, TimeUnit.SECONDS);
    }

    @Test
    void advertiserReceivesMethodPathContentTypeHeadersAndExactUtf8JsonBytes() throws Exception {
        // Given an advertiser that accepts
        server.enqueue(new MockResponse.Builder().code(201).addHeader("Content-Type", "application/json")
                .addHeader("X-Secret-Echo", "not recorded").body("{\"status\":\"accepted\",\"lead_id\":\"L1\"}")
                .build());
        EventType type = eventType("insurance-quote", request(server.url("/v1/leads").toString())
                .setHeaders(Map.of("X-Api-Key", "test-key")).setFieldMapping(Map.of("firstName", "first_name",
                        "email", "email")).build());
        LeadSubmitted lead = lead("sub-1", "insurance-quote",
                Map.of("first_name", HEBREW_EMOJI, "email", "a@example.com", "phone", "5550001111"));

        // When
        deliver(lead, type);

        // Then the advertiser got exactly this request
        RecordedRequest received = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(received.getMethod()).isEqualTo("POST");
        assertThat(received.getUrl().encodedPath()).isEqualTo("/v1/leads");
        assertThat(received.getHeaders().get("Content-Type")).isEqualTo("application/json; charset=UTF-8");
        assertThat(received.getHeaders().get("X-Api-Key")).isEqualTo("test-key");
        assertThat(received.getHeaders().get("Idempotency-Key")).isEqualTo("dp-sub-1");
        assertThat(received.getBody().toByteArray()).isEqualTo(
                ("{\"email\":\"a@example.com\",\"firstName\":\"" + HEBREW_EMOJI + "\"}")
                        .getBytes(StandardCharsets.UTF_8));

        // and one final response describes the answer
        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getSubmissionId()).isEqualTo("sub-1");
            assertThat(response.getEventTypeId()).isEqualTo("insurance-quote");
            assertThat(response.getPartnerId()).isEqualTo("demo-partner");
            assertThat(response.getAttempt()).isEqualTo(1);
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getRequestId()).isEqualTo(received.getHeaders().get("X-Request-Id")).isNotBlank();
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.NONE);
            assertThat(response.getHttpStatus()).isEqualTo(201);
            assertThat(response.getContentType()).isEqualTo("application/json");
            assertThat(response.getHeaders()).containsExactly(Map.entry("Content-Type", "application/json"));
            assertThat(StandardCharsets.UTF_8.decode(response.getBody()).toString())
                    .isEqualTo("{\"status\":\"accepted\",\"lead_id\":\"L1\"}");
            assertThat(response.getBodyTruncated()).isFalse();
            assertThat(response.getLatencyMillis()).isNotNegative();
            assertThat(response.getRespondedAt()).isNotNull();
        });
        assertThat(registry.get(ForwarderMetrics.CALLS).tag("eventType", "insurance-quote")
                .tag("failureClass", "NONE").counter().count()).isEqualTo(1);
        assertThat(registry.get(ForwarderMetrics.CALL_LATENCY).tag("eventType", "insurance-quote").timer().count())
                .isEqualTo(1);
    }

    @Test
    void formBodyReachesTheAdvertiserAsUtf8PercentEncoding() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("form", request(server.url("/post").toString()).setBodyFormat("FORM").build());

        deliver(lead("sub-1", "form", Map.of("first_name", HEBREW_EMOJI)), type);

        RecordedRequest received = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(received.getHeaders().get("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(received.getBody().utf8()).isEqualTo("first_name=%D7%A9%D7%9C%D7%95%D7%9D+%F0%9F%98%80");
        assertThat(URLDecoder.decode(received.getBody().utf8().substring("first_name=".length()),
                StandardCharsets.UTF_8)).isEqualTo(HEBREW_EMOJI);
    }

    @Test
    void getSendsTheFieldsInTheQueryString() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("SUCCESS").build());
        EventType type = eventType("get", request(server.url("/add_lead?source=dp").toString()).setMethod("GET")
                .build());

        deliver(lead("sub-1", "get", Map.of("first_name", HEBREW_EMOJI)), type);

        RecordedRequest received = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(received.getMethod()).isEqualTo("GET");
        assertThat(received.getUrl().queryParameter("source")).isEqualTo("dp");
        assertThat(received.getUrl().queryParameter("first_name")).isEqualTo(HEBREW_EMOJI);
        assertThat(received.getBodySize()).isZero();
    }

    @Test
    void idempotentAdvertiserAnswering503ThenOkGetsTwoAttemptsAndOnlyTheSecondIsFinal() throws Exception {
        // Given
        server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());

        // When
        deliver(lead("sub-7", "et", Map.of("zip", "10001")), type);

        // Then
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt,
                        AdvertiserResponse::getFailureClass, AdvertiserResponse::getHttpStatus)
                .containsExactly(tuple(1, false, FailureClass.HTTP_5XX, 503),
                        tuple(2, true, FailureClass.NONE, 200));
        RecordedRequest first = server.takeRequest(5, TimeUnit.SECONDS);
        RecordedRequest second = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(second.getHeaders().get("Idempotency-Key")).isEqualTo(first.getHeaders().get("Idempotency-Key"))
                .isEqualTo("dp-sub-7");
        assertThat(first.getHeaders().get("X-Request-Id")).isEqualTo(published.get(0).getRequestId());
        assertThat(second.getHeaders().get("X-Request-Id")).isEqualTo(published.get(1).getRequestId())
                .isNotEqualTo(first.getHeaders().get("X-Request-Id"));
    }

    @Test
    void reforwardedLeadNumbersItsAttemptsFromItsBaseAndMakesMaxAttemptsOfThem() throws Exception {
        // Given an advertiser still failing, and a lead re-forwarded after a delivery that ended at attempt 3
        for (int i = 0; i < 4; i++) {
            server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        }
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());

        // When it is delivered with attempts from 4
        forwarder.forward(lead("sub-8", "et", Map.of("zip", "10001")), type, 4, 4, new LeadForwarder.Ticket())
                .get(15, TimeUnit.SECONDS);

        // Then attempts 4, 5 and 6 (maxAttempts 3), the last one final, each with the same idempotency key
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt)
                .containsExactly(tuple(4, false), tuple(5, false), tuple(6, true));
        assertThat(server.getRequestCount()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(server.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("Idempotency-Key"))
                    .isEqualTo("dp-sub-8");
        }
    }

    @Test
    void reforwardResumedAfterACrashGoesOnAtItsNextAttemptAndStopsAtItsOwnLast() throws Exception {
        // Given a re-forward from attempt 4 whose attempt 4 was published before a crash
        server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());

        // When it is delivered again from attempt 5
        forwarder.forward(lead("sub-9", "et", Map.of("zip", "10001")), type, 4, 5, new LeadForwarder.Ticket())
                .get(15, TimeUnit.SECONDS);

        // Then only attempts 5 and 6 are made, 6 final
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt)
                .containsExactly(tuple(5, false), tuple(6, true));
    }

    @Test
    void nonIdempotentAdvertiserAnswering503GetsOneFinalAttempt() throws Exception {
        server.enqueue(new MockResponse.Builder().code(503).body("busy").build());
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(false).build());

        deliver(lead("sub-1", "et", Map.of()), type);

        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.HTTP_5XX);
            assertThat(response.getFailureMessage()).isEqualTo("HTTP 503");
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void throttledAdvertiserAskingForAnAbsurdWaitIsRetriedAfterTheRetryAfterCapAndItsHeaderIsRecorded() throws Exception {
        // Given a 429 asking for a wait far above the (test) Retry-After cap of 50 ms
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Retry-After", "120").build());
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());
        long start = System.nanoTime();

        // When
        deliver(lead("sub-1", "et", Map.of()), type);

        // Then
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(published).extracting(AdvertiserResponse::getFailureClass)
                .containsExactly(FailureClass.HTTP_429, FailureClass.NONE);
        assertThat(published.get(0).getHeaders()).containsEntry("Retry-After", "120");
    }

    @Test
    void redirectIsTheAdvertisersAnswerAndIsNotFollowed() throws Exception {
        server.enqueue(new MockResponse.Builder().code(302).addHeader("Location", "/elsewhere").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());

        deliver(lead("sub-1", "et", Map.of()), type);

        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getHttpStatus()).isEqualTo(302);
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.NONE);
            assertThat(response.getFinalAttempt()).isTrue();
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void refusedConnectionIsRetriedUpToMaxAttemptsEvenWhenNotIdempotent() throws Exception {
        // Given a port nobody listens on
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        EventType type = eventType("et", request("http://127.0.0.1:" + closedPort + "/leads").setIdempotent(false)
                .setMaxAttempts(3).build());

        // When
        deliver(lead("sub-1", "et", Map.of()), type);

        // Then every attempt is published, the last one final
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt,
                        AdvertiserResponse::getFailureClass)
                .containsExactly(tuple(1, false, FailureClass.CONNECT),
                        tuple(2, false, FailureClass.CONNECT),
                        tuple(3, true, FailureClass.CONNECT));
        assertThat(published).allSatisfy(response -> {
            assertThat(response.getHttpStatus()).isNull();
            assertThat(response.getBody()).isNull();
            assertThat(response.getFailureMessage()).isNotBlank();
        });
        assertThat(registry.get(ForwarderMetrics.CALLS).tag("failureClass", "CONNECT").counter().count())
                .isEqualTo(3);
    }

    @Test
    void advertiserSlowerThanTheCallTimeoutIsATimeoutAndNotRetriedWhenNotIdempotent() throws Exception {
        // Given headers that come long after the 200 ms call timeout
        server.enqueue(new MockResponse.Builder().code(200).headersDelay(1500, TimeUnit.MILLISECONDS).body("late")
                .build());
        EventType type = eventType("et", request(server.url("/slow").toString()).setTimeoutMillis(200)
                .setIdempotent(false).build());
        long start = System.nanoTime();

        // When
        deliver(lead("sub-1", "et", Map.of()), type);

        // Then
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1200));
        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.TIMEOUT);
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getHttpStatus()).isNull();
        });
    }

    @Test
    void endlessThrottledBodyIsTruncatedAtTheLimitInBoundedTime() throws Exception {
        // Given 1 MiB trickling at 1 KiB per 20 ms: reading it all would take about 20 s
        Buffer huge = new Buffer().write(new byte[1 << 20]);
        server.enqueue(new MockResponse.Builder().code(200).body(huge).throttleBody(1024, 20, TimeUnit.MILLISECONDS)
                .build());
        EventType type = eventType("et", request(server.url("/big").toString()).setTimeoutMillis(10_000).build());
        long start = System.nanoTime();

        // When
        deliver(lead("sub-1", "et", Map.of()), type);

        // Then
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.NONE);
            assertThat(response.getBody().remaining()).isEqualTo(MAX_BODY_BYTES);
            assertThat(response.getBodyTruncated()).isTrue();
        });
    }

    @Test
    void bodyExactlyAtTheLimitIsNotMarkedTruncated() throws Exception {
        server.enqueue(new MockResponse.Builder().code(200).body("x".repeat(MAX_BODY_BYTES)).build());
        EventType type = eventType("et", request(server.url("/exact").toString()).build());

        deliver(lead("sub-1", "et", Map.of()), type);

        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getBody().remaining()).isEqualTo(MAX_BODY_BYTES);
            assertThat(response.getBodyTruncated()).isFalse();
        });
    }

    @Test
    void idempotentAdvertiserClosingTheConnectionAfterTheRequestIsRetriedAsAnIoFailure() throws Exception {
        // Given an advertiser that reads the request, then closes the connection without an answer, then accepts
        server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(true).build());

        // When
        deliver(lead("sub-io", "et", Map.of()), type);

        // Then the ambiguous IO failure was repeated (the advertiser collapses repeats by the idempotency key)
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt,
                        AdvertiserResponse::getFailureClass)
                .containsExactly(tuple(1, false, FailureClass.IO), tuple(2, true, FailureClass.NONE));
        assertThat(server.getRequestCount()).isEqualTo(2);
    }

    @Test
    void nonIdempotentAdvertiserClosingTheConnectionAfterTheRequestGetsOneFinalIoAttempt() throws Exception {
        server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(new MockResponse.Builder().code(200).body("ok").build());
        EventType type = eventType("et", request(server.url("/leads").toString()).setIdempotent(false).build());

        deliver(lead("sub-io", "et", Map.of()), type);

        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.IO);
        });
        assertThat(server.getRequestCount()).isEqualTo(1);
    }

    @Test
    void leadMissingARequiredFieldGetsOneFinalInvalidRequestResponseAndNoCall() throws Exception {
        // Given an event type requiring a field the lead does not have
        EventType type = eventType("et", request(server.url("/leads").toString()).build());
        type.setRequiredFields(List.of("email"));

        // When
        CompletableFuture<Void> done = forwarder.forward(lead("sub-bad", "et", Map.of("zip", "10001")), type, 2,
                new LeadForwarder.Ticket());

        // Then the lead still fails for the caller to dead-letter, after its final verdict-making response
        assertThat(done).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withCauseInstanceOf(RequestRenderException.class);
        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getSubmissionId()).isEqualTo("sub-bad");
            assertThat(response.getAttempt()).isEqualTo(2);
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.INVALID_REQUEST);
            assertThat(response.getFailureMessage()).contains("email");
            assertThat(response.getHttpStatus()).isNull();
        });
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void headerInjectionGetsAFinalInvalidRequestResponseWithoutTheLeadsValue() throws Exception {
        EventType type = eventType("et", request(server.url("/leads").toString())
                .setHeaders(Map.of("X-Name", "${name}")).build());

        CompletableFuture<Void> done = forwarder.forward(lead("sub-crlf", "et",
                Map.of("name", "Jane Doe\r\nX-Evil: 1")), type);

        assertThat(done).failsWithin(Duration.ofSeconds(10)).withThrowableThat()
                .withCauseInstanceOf(RequestRenderException.class);
        assertThat(published).singleElement().satisfies(response -> {
            assertThat(response.getAttempt()).isEqualTo(1);
            assertThat(response.getFinalAttempt()).isTrue();
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.INVALID_REQUEST);
            assertThat(response.getFailureMessage()).contains("X-Name").doesNotContain("Jane").doesNotContain("Evil");
        });
        assertThat(server.getRequestCount()).isZero();
    }

    @Test
    void eventTypesMaxResponseBytesLowersTheBodyLimitButNeverRaisesIt() throws Exception {
        // Given an event type keeping at most 10 bytes, and one asking for more than the worker's limit
        String answer = "x".repeat(2000);
        server.enqueue(new MockResponse.Builder().code(200).body(answer).build());
        server.enqueue(new MockResponse.Builder().code(200).body(answer).build());
        EventType small = eventType("small", request(server.url("/leads").toString()).setMaxResponseBytes(10)
                .build());
        EventType large = eventType("large", request(server.url("/leads").toString()).setMaxResponseBytes(1_000_000)
                .build());

        // When
        deliver(lead("sub-small", "small", Map.of()), small);
        deliver(lead("sub-large", "large", Map.of()), large);

        // Then the smaller of the two limits applies
        assertThat(published).extracting(r -> r.getBody().remaining(), AdvertiserResponse::getBodyTruncated)
                .containsExactly(tuple(10, true), tuple(MAX_BODY_BYTES, true));
    }
}
