package io.datapost.forwarder.service;

import static io.datapost.forwarder.Fixtures.eventType;
import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.datapost.forwarder.config.CircuitSettings;
import io.datapost.forwarder.config.EventTypeSettings;
import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;

/** Many leads at once against real HTTP servers: limits, isolation between advertisers, back-off, circuit. */
class LeadForwarderConcurrencyTest {

    private final MockWebServer server = new MockWebServer();
    private final Map<String, AtomicInteger> requestsByPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> concurrentByPath = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxConcurrentByPath = new ConcurrentHashMap<>();
    private final List<RecordedRequest> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final List<AdvertiserResponse> published = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AdvertiserClient client = new AdvertiserClient(AdvertiserClient.newSharedClient(64), 1024,
            List.of("Content-Type", "Retry-After"));
    private LeadForwarder forwarder;

    @BeforeEach
    void startAdvertiser() throws Exception {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String path = request.getUrl().encodedPath();
                received.add(request);
                requestsByPath.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
                AtomicInteger concurrent = concurrentByPath.computeIfAbsent(path, p -> new AtomicInteger());
                maxConcurrentByPath.computeIfAbsent(path, p -> new AtomicInteger())
                        .accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                try {
                    return switch (path) {
                        // accepts the connection and the request, never answers
                        case "/hang" -> new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE)
                                .build();
                        case "/slow" -> {
                            Thread.sleep(100);
                            yield ok();
                        }
                        case "/flaky" -> failuresLeft.getAndDecrement() > 0
                                ? new MockResponse.Builder().code(503).body("down").build() : ok();
                        case "/throttle" -> requestsByPath.get(path).get() == 1
                                ? new MockResponse.Builder().code(429).addHeader("Retry-After", "1").build() : ok();
                        default -> ok();
                    };
                } finally {
                    concurrent.decrementAndGet();
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        if (forwarder != null) {
            forwarder.close();
        }
        client.close();
        server.close();
    }

    @Test
    void aHangingAdvertiserHoldsOnlyItsOwnSlotsAndTheOtherAdvertisersLeadsAllCompletePromptly() {
        // Given a worker with 16 call slots, 4 per event type, and an advertiser that never answers
        forwarder = forwarder(16, id -> settings().withMaxInFlight(4));
        EventType hanging = eventType("hanging", request(server.url("/hang").toString()).setTimeoutMillis(60_000)
                .build());
        EventType healthy = eventType("healthy", request(server.url("/ok").toString()).build());

        // When 20 leads for the hanging advertiser come first, then 60 for the healthy one
        List<CompletableFuture<Void>> stuck = IntStream.range(0, 20)
                .mapToObj(i -> forwarder.forward(lead("h-" + i, "hanging", Map.of()), hanging)).toList();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> flowing = IntStream.range(0, 60)
                .mapToObj(i -> forwarder.forward(lead("ok-" + i, "healthy", Map.of()), healthy)).toList();

        // Then every healthy lead is delivered promptly
        CompletableFuture.allOf(flowing.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(published).filteredOn(r -> r.getEventTypeId().equals("healthy")).hasSize(60)
                .allSatisfy(r -> assertThat(r.getFailureClass()).isEqualTo(FailureClass.NONE));
        // while the hanging advertiser got exactly its 4 slots' worth of calls and none of its leads finished
        assertThat(requestsByPath.get("/hang").get()).isEqualTo(4);
        assertThat(stuck).noneMatch(CompletableFuture::isDone);
        assertThat(forwarder.inFlight()).isEqualTo(4);
        assertThat(registry.get(ForwarderMetrics.WAITING).tag("eventType", "hanging").gauge().value())
                .isEqualTo(16);
    }

    @Test
    void callsInFlightNeverExceedTheEventTypeLimitNorTheWorkerLimit() {
        // Given a worker limit of 10 and an event type limit of 6, an advertiser taking 100 ms
        forwarder = forwarder(10, id -> settings().withMaxInFlight(id.equals("a") ? 6 : 10));
        EventType a = eventType("a", request(server.url("/slow").toString()).build());
        EventType b = eventType("b", request(server.url("/slow").toString()).build());

        // When 60 leads of each go at once
        List<CompletableFuture<Void>> all = IntStream.range(0, 60).boxed().flatMap(i -> List.of(
                forwarder.forward(lead("a-" + i, "a", Map.of()), a),
                forwarder.forward(lead("b-" + i, "b", Map.of()), b)).stream()).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).orTimeout(30, TimeUnit.SECONDS).join();

        // Then the advertiser never saw more than 10 at once, and all were delivered
        assertThat(maxConcurrentByPath.get("/slow").get()).isBetween(2, 10);
        assertThat(published).hasSize(120);
        assertThat(forwarder.inFlight()).isZero();
    }

    @Test
    void aLeadWaitingForItsRetryHoldsNoSlotAndTheRetryAfterIsWaited() {
        // Given ONE call slot; the throttled advertiser asks to come back after 1 s
        forwarder = forwarder(1, id -> settings().withBackoff(Duration.ofMillis(10), Duration.ofSeconds(5)));
        EventType throttled = eventType("throttled", request(server.url("/throttle").toString()).setIdempotent(true)
                .build());
        EventType other = eventType("other", request(server.url("/ok").toString()).build());
        long start = System.nanoTime();

        // When a throttled lead goes first and another lead right after it
        CompletableFuture<Void> first = forwarder.forward(lead("t-1", "throttled", Map.of()), throttled);
        CompletableFuture<Void> second = forwarder.forward(lead("o-1", "other", Map.of()), other);

        // Then the other lead is delivered during the back-off, long before the retry
        second.orTimeout(5, TimeUnit.SECONDS).join();
        assertThat(first).isNotDone();
        first.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(received).extracting(r -> r.getUrl().encodedPath()).containsExactly("/throttle", "/ok",
                "/throttle");
        assertThat(published).extracting(AdvertiserResponse::getSubmissionId, AdvertiserResponse::getAttempt,
                AdvertiserResponse::getFailureClass, AdvertiserResponse::getFinalAttempt).containsExactly(
                tuple("t-1", 1, FailureClass.HTTP_429, false),
                tuple("o-1", 1, FailureClass.NONE, true),
                tuple("t-1", 2, FailureClass.NONE, true));
        assertThat(registry.get(ForwarderMetrics.RETRIES).tag("eventType", "throttled")
                .tag("failureClass", "HTTP_429").counter().count()).isEqualTo(1);
    }

    @Test
    void anOpenCircuitMakesLeadsWaitWithoutAttemptsAndTheyResumeAfterTheCoolDown() {
        // Given a circuit opening at 4 failures out of 4, cooling down 1 s; the advertiser fails 4 times then heals
        failuresLeft.set(4);
        forwarder = forwarder(16, id -> settings().withMaxInFlight(1)
                .withCircuit(new CircuitSettings(100, 4, 4, Duration.ofSeconds(1), 1)));
        EventType flaky = eventType("flaky", request(server.url("/flaky").toString()).setIdempotent(false).build());
        List<CompletableFuture<Void>> failing = IntStream.range(0, 4)
                .mapToObj(i -> forwarder.forward(lead("f-" + i, "flaky", Map.of()), flaky)).toList();
        CompletableFuture.allOf(failing.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(forwarder.circuitState("flaky")).isEqualTo(CircuitBreaker.State.OPEN);

        // When 5 more leads come during the cool-down
        List<CompletableFuture<Void>> waiting = IntStream.range(0, 5)
                .mapToObj(i -> forwarder.forward(lead("w-" + i, "flaky", Map.of()), flaky)).toList();

        // Then no call is made for them for a while, and nothing is published for them
        await().during(Duration.ofMillis(500)).atMost(Duration.ofMillis(900))
                .until(() -> requestsByPath.get("/flaky").get() == 4);
        assertThat(published).noneMatch(r -> r.getSubmissionId().startsWith("w-"));
        assertThat(registry.get(ForwarderMetrics.CIRCUIT_STATE).tag("eventType", "flaky").gauge().value())
                .isEqualTo(2);
        // and after the cool-down they are delivered, each with one attempt
        CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(published).filteredOn(r -> r.getSubmissionId().startsWith("w-"))
                .extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt,
                        AdvertiserResponse::getFailureClass)
                .hasSize(5).containsOnly(tuple(1, true, FailureClass.NONE));
        assertThat(forwarder.circuitState("flaky")).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(registry.get(ForwarderMetrics.CIRCUIT_TRANSITIONS).tag("eventType", "flaky").tag("state", "OPEN")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get(ForwarderMetrics.CIRCUIT_TRANSITIONS).tag("eventType", "flaky")
                .tag("state", "CLOSED").counter().count()).isEqualTo(1);
    }

    @Test
    void aDeliveryResumedAfterACrashContinuesTheAttemptNumbersAndRespectsMaxAttempts() {
        // Given a lead whose attempts 1 and 2 (of 3) were published before a crash
        failuresLeft.set(10);
        forwarder = forwarder(4, id -> settings());
        EventType flaky = eventType("flaky", request(server.url("/flaky").toString()).setIdempotent(true)
                .setMaxAttempts(3).build());

        // When it is delivered again from attempt 3
        forwarder.forward(lead("r-1", "flaky", Map.of()), flaky, 3, new LeadForwarder.Ticket())
                .orTimeout(10, TimeUnit.SECONDS).join();

        // Then one call is made, and it is final
        assertThat(published).extracting(AdvertiserResponse::getAttempt, AdvertiserResponse::getFinalAttempt)
                .containsExactly(tuple(3, true));
        assertThat(requestsByPath.get("/flaky").get()).isEqualTo(1);
    }

    @Test
    void anAbandonedLeadStartsNoCallAndItsFutureIsCancelled() {
        // Given one slot held by a hanging call
        forwarder = forwarder(1, id -> settings());
        EventType hanging = eventType("hanging", request(server.url("/hang").toString()).setTimeoutMillis(60_000)
                .build());
        EventType healthy = eventType("healthy", request(server.url("/ok").toString()).build());
        forwarder.forward(lead("h-1", "hanging", Map.of()), hanging);
        await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.inFlight() == 1);
        LeadForwarder.Ticket ticket = new LeadForwarder.Ticket();
        CompletableFuture<Void> queued = forwarder.forward(lead("q-1", "healthy", Map.of()), healthy, 1, ticket);

        // When it is abandoned while waiting (e.g. its partition was revoked)
        ticket.abandon();
        forwarder.dropAbandoned();

        // Then it never reaches the advertiser
        await().atMost(Duration.ofSeconds(5)).until(queued::isDone);
        assertThat(queued).isCancelled();
        assertThat(ticket.inCall()).isFalse();
        assertThat(received).noneMatch(r -> "dp-q-1".equals(r.getHeaders().get("Idempotency-Key")));
    }

    private LeadForwarder forwarder(int maxInFlight, Function<String, EventTypeSettings> settings) {
        return new LeadForwarder(new AdvertiserRequestRenderer(), client, response -> {
            published.add(response);
            return CompletableFuture.completedFuture(null);
        }, new ForwarderMetrics(registry), settings, id -> Optional.empty(), maxInFlight, Duration.ofMillis(10),
                new Random(3));
    }

    private static EventTypeSettings settings() {
        return EventTypeSettings.defaults().withBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
    }

    private static MockResponse ok() {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body("{\"status\":\"accepted\"}").build();
    }
}
