package io.datapost.forwarder.http;

import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.datapost.forwarder.Fixtures;
import io.datapost.forwarder.config.CircuitSettings;
import io.datapost.forwarder.config.EventTypeSettings;
import io.datapost.forwarder.http.AdvertiserClient.Timeouts;
import io.datapost.forwarder.service.ForwarderMetrics;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;

/** Hostile answers cannot exhaust memory or threads: bodies are read up to the limit, calls end in time. */
class BoundedAnswersTest {

    private static final int LIMIT = 256 * 1024;
    private static final long ONE_GIB = 1L << 30;

    private final MockWebServer server = new MockWebServer();
    private final AtomicLong bytesServed = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();
    private final AdvertiserClient client = new AdvertiserClient(AdvertiserClient.newSharedClient(64), LIMIT,
            List.of("Content-Type"));

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requests.incrementAndGet();
                return switch (request.getUrl().encodedPath()) {
                    case "/gigabyte" -> new MockResponse.Builder().code(200).body(new GigabyteOfZeros()).build();
                    // 1 MiB at 64 bytes per 100 ms: it would take 27 minutes to send, and never reaches the limit
                    // within the timeout
                    case "/trickle" -> new MockResponse.Builder().code(200).body(new Buffer().write(new byte[1 << 20]))
                            .throttleBody(64, 100, TimeUnit.MILLISECONDS).build();
                    case "/never" -> new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();
                    default -> new MockResponse.Builder().code(404).build();
                };
            }
        });
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    @Test
    void aOneGigabyteAnswerIsReadOnlyUpToTheLimitAndTheRestIsNeverDownloaded() {
        // Given an advertiser that answers 200 with a 1 GiB body
        RenderedRequest request = get("/gigabyte");
        long heapBefore = usedHeap();
        long start = System.nanoTime();

        // When
        CallResult result = client.call(request, new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(10)));

        // Then 256 KiB are kept, flagged as truncated, quickly
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(result.failureClass()).isEqualTo(FailureClass.NONE);
        assertThat(result.body()).hasSize(LIMIT);
        assertThat(result.bodyTruncated()).isTrue();
        // and the server could not push the gigabyte: the connection was closed early (how much the server's
        // generator got out before that depends on socket buffers and scheduling: 65 MiB was seen on a loaded
        // machine, so the bound is a quarter of the body, not a tight one)
        await().atMost(Duration.ofSeconds(10)).until(() -> !serving);
        assertThat(bytesServed.get()).isLessThan(256L * 1024 * 1024);
        assertThat(usedHeap() - heapBefore).isLessThan(256L * 1024 * 1024);
    }

    @Test
    void aTricklingEndlessAnswerEndsAtTheTotalTimeoutAsATimeout() {
        // Given a whole-call timeout of 1 s (the read timeout alone would never fire: bytes keep coming)
        RenderedRequest request = get("/trickle");
        long start = System.nanoTime();

        // When
        CallResult result = client.call(request, new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1)));

        // Then
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                Duration.ofSeconds(4));
        assertThat(result.failureClass()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(result.httpStatus()).isEqualTo(200);
        assertThat(result.body()).isNull();
    }

    @Test
    void aServerThatNeverAnswersHoldsAtMostTheEventTypesSlotsOfThreadsAndEveryLeadEndsWithATimeout()
            throws Exception {
        // Given 100 leads for an advertiser that accepts the request and never answers; 5 slots, 300 ms timeout
        List<AdvertiserResponse> published = new CopyOnWriteArrayList<>();
        LeadForwarder forwarder = new LeadForwarder(new AdvertiserRequestRenderer(), client, response -> {
            published.add(response);
            return CompletableFuture.completedFuture(null);
        }, new ForwarderMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
                // a circuit that does not open here: this test is about threads, not about the circuit
                id -> EventTypeSettings.defaults().withMaxInFlight(5)
                        .withCircuit(new CircuitSettings(100, 1000, 1000, Duration.ofSeconds(1), 1)),
                id -> java.util.Optional.empty(), 64,
                Duration.ofMillis(10), new java.util.Random(5));
        EventType never = Fixtures.eventType("never", request(server.url("/never").toString())
                .setTimeoutMillis(300).setIdempotent(false).build());
        AtomicInteger peakThreads = new AtomicInteger();

        // When
        List<CompletableFuture<Void>> leads = java.util.stream.IntStream.range(0, 100)
                .mapToObj(i -> forwarder.forward(lead("n-" + i, "never", Map.of()), never)).toList();
        CompletableFuture<Void> all = CompletableFuture.allOf(leads.toArray(CompletableFuture[]::new));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            peakThreads.accumulateAndGet(okHttpCallThreads(), Math::max);
            return all.isDone();
        });
        forwarder.close();

        // Then every lead ended with one final TIMEOUT response, and the client threads stayed bounded by the
        // 5 slots (a thread finishing its callback may overlap with the next call's new thread: at most 2 x 5)
        assertThat(published).hasSize(100).allSatisfy(response -> {
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.TIMEOUT);
            assertThat(response.getFinalAttempt()).isTrue();
        });
        assertThat(requests.get()).isEqualTo(100);
        assertThat(peakThreads.get()).isBetween(5, 10);
    }

    private RenderedRequest get(String path) {
        return new RenderedRequest("GET", server.url(path), Map.of(), null, null, UUID.randomUUID().toString());
    }

    /** OkHttp's call threads: named "OkHttp Dispatcher" when idle, "OkHttp <url>" while running a call. */
    private static int okHttpCallThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("OkHttp ") && !name.contains("TaskRunner")).count();
    }

    private static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private volatile boolean serving;

    /** 1 GiB of zeros written in 64 KiB chunks without holding them: stops when the client goes away. */
    private final class GigabyteOfZeros implements MockResponseBody {
        @Override
        public long getContentLength() {
            return ONE_GIB;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            serving = true;
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long written = 0; written < ONE_GIB; written += chunk.length) {
                    sink.write(chunk);
                    sink.flush();
                    bytesServed.addAndGet(chunk.length);
                }
            } finally {
                serving = false;
            }
        }
    }
}
