package io.datapost.ingest.web;

import static io.datapost.ingest.support.ConfigFixtures.DEMO_KEY;
import static io.datapost.ingest.support.ConfigFixtures.DEMO_PARTNER;
import static io.datapost.ingest.support.ConfigFixtures.INSURANCE_QUOTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.ingest.IngestApiApplication;
import io.datapost.ingest.support.ConfigFixtures;
import io.datapost.ingest.support.PartnerClient;
import io.datapost.ingest.support.RawHttp;
import io.datapost.ingest.support.SharedBroker;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.config.LiveTable;
import tools.jackson.databind.JsonNode;

/**
 * Every error answer is application/problem+json, also those Tomcat gives before Spring MVC sees the request, and
 * connections that never finish their body neither hang nor take the threads other partners need. Raw sockets:
 * the malformed requests are the point. Its own context: a short read timeout (2 s) and body deadline (10 s), the
 * app's real thread and connection limits, and a demo partner whose rate limit 300 posts cannot reach.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(classes = {IngestApiApplication.class, EdgeErrorsTest.Failing.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=ingest-api", "server.tomcat.connection-timeout=" + EdgeErrorsTest.READ_TIMEOUT,
                "datapost.ingest.edge.body-deadline=" + EdgeErrorsTest.BODY_DEADLINE, "datapost.ingest.max-waiting=0",
                "datapost.ingest.rate-limits.demo-partner.per-second=100000",
                "datapost.ingest.rate-limits.demo-partner.burst=100000"})
class EdgeErrorsTest {

    static final String READ_TIMEOUT = "2s";
    static final String BODY_DEADLINE = "10s";
    static final String SECRET = "ana.silva@example.org";
    private static final String COMPLETE = "{\"email\":\"" + SECRET + "\",\"phone\":\"5550102233\","
            + "\"first_name\":\"Ana\",\"last_name\":\"Silva\",\"zip\":\"30301\"}";
    private static final String AUTH = PartnerClient.basic(DEMO_PARTNER, DEMO_KEY);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", SharedBroker::bootstrapServers);
    }

    /** Endpoints that fail the way only a bug would. */
    @RestController
    static class Failing {
        @GetMapping("/test/failing")
        String failing() {
            throw new IllegalStateException("lead of " + SECRET + " broke something");
        }

        @GetMapping("/test/send-error")
        void sendError(HttpServletResponse response) throws IOException {
            response.sendError(503);
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    LiveTable<Partner> partnersTable;
    @Autowired
    LiveTable<EventType> eventTypesTable;
    @Autowired
    ServletWebServerApplicationContext context;

    @BeforeEach
    void configIsLoaded() {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                ConfigFixtures.partners().stream().allMatch(p -> partnersTable.get(p.getId()).isPresent())
                        && ConfigFixtures.eventTypes().stream().allMatch(t -> eventTypesTable.get(t.getId()).isPresent()));
    }

    static List<Arguments> requestsTomcatRefuses() {
        String end = "Host: localhost\r\nConnection: close\r\n\r\n";
        return List.of(
                Arguments.of("invalid percent encoding", "POST /v1/leads/%zz HTTP/1.1\r\n" + end, 400),
                Arguments.of("encoded NUL in the path", "POST /v1/leads/a%00b HTTP/1.1\r\n" + end, 400),
                Arguments.of("path escaping the root", "POST /../v1/leads/x HTTP/1.1\r\n" + end, 400),
                Arguments.of("invalid character in the path", "POST /v1/leads/<ana.silva> HTTP/1.1\r\n" + end, 400),
                Arguments.of("invalid character in the query", "GET /v1/leads/x?email=ana|silva HTTP/1.1\r\n" + end, 400),
                Arguments.of("space in the request target", "POST /v1/leads/a b HTTP/1.1\r\n" + end, 400),
                Arguments.of("invalid method token", "P@ST /v1/leads/x HTTP/1.1\r\n" + end, 400),
                Arguments.of("header without a colon", "POST /v1/leads/x HTTP/1.1\r\nana.silva\r\n" + end, 400),
                Arguments.of("space in a header name", "POST /v1/leads/x HTTP/1.1\r\nX Lead: ana.silva\r\n" + end, 400),
                Arguments.of("header section over 8 KB", "POST /v1/leads/x HTTP/1.1\r\nX-Lead: "
                        + "ana.silva".repeat(1000) + "\r\n" + end, 431),
                Arguments.of("GET whose header section is over 8 KB", "GET /v1/leads/x?zip=1 HTTP/1.1\r\nCookie: "
                        + "ana.silva".repeat(1000) + "\r\n" + end, 431),
                Arguments.of("request line over 8 KB", "GET /v1/leads/x?note=" + "ana.silva".repeat(1000)
                        + " HTTP/1.1\r\n" + end, 414),
                Arguments.of("unknown HTTP version", "POST /v1/leads/x HTTP/3.7\r\n" + end, 505),
                Arguments.of("unknown transfer coding", "POST /v1/leads/x HTTP/1.1\r\nTransfer-Encoding: ana\r\n" + end, 501));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("requestsTomcatRefuses")
    void requestsTomcatRefusesGetProblemJsonWithoutEchoingThem(String name, String request, int status) {
        // When
        RawHttp.Answer answer = RawHttp.exchange(port, request, ANSWER_TIMEOUT);

        // Then
        assertIsProblem(answer, status);
        assertThat(answer.body()).doesNotContain("ana", "silva", "%zz", "Exception", "Tomcat");
        assertThat(answer.closed()).isTrue();
    }

    @Test
    void springMvcAndErrorPageAnswersAreProblemJsonWhateverTheAcceptHeader() {
        String html = "Host: localhost\r\nAccept: text/html\r\nConnection: close\r\n";

        RawHttp.Answer unknownPath = RawHttp.exchange(port, "GET /v2/ana.silva HTTP/1.1\r\n" + html + "\r\n", ANSWER_TIMEOUT);
        RawHttp.Answer wrongMethod = RawHttp.exchange(port, "DELETE /v1/leads/" + INSURANCE_QUOTE + " HTTP/1.1\r\n" + html
                + "Authorization: " + AUTH + "\r\n\r\n", ANSWER_TIMEOUT);
        RawHttp.Answer malformedBody = RawHttp.exchange(port, post("{\"email\":", html), ANSWER_TIMEOUT);
        RawHttp.Answer sendError = RawHttp.exchange(port, "GET /test/send-error HTTP/1.1\r\n" + html + "\r\n", ANSWER_TIMEOUT);

        assertIsProblem(unknownPath, 404);
        assertThat(unknownPath.json().get("detail").asString()).doesNotContain("ana.silva");
        assertIsProblem(wrongMethod, 405);
        assertThat(wrongMethod.header("Allow")).contains("POST");
        assertIsProblem(malformedBody, 400);
        assertIsProblem(sendError, 503);
    }

    @Test
    void unexpectedExceptionIsA500ProblemThatNamesNothingOfIt(CapturedOutput output) {
        // When
        RawHttp.Answer answer = RawHttp.exchange(port, "GET /test/failing HTTP/1.1\r\nHost: localhost\r\n"
                + "Accept: text/html\r\nConnection: close\r\n\r\n", ANSWER_TIMEOUT);

        // Then
        assertIsProblem(answer, 500);
        assertThat(answer.body()).doesNotContain(SECRET, "IllegalState", "broke", "at io.", "Failing");
        assertThat(output.getAll()).contains("Unexpected java.lang.IllegalStateException").doesNotContain(SECRET);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsA413AtOnceNotAfterTheReadTimeoutAndTheConnectionCloses() throws IOException {
        try (Socket socket = RawHttp.open(port)) {
            // Given a client that declares 100,000 bytes (the limit is 64 KiB) and waits for an answer before sending
            socket.getOutputStream().write(postHead(100_000).getBytes(StandardCharsets.UTF_8));

            // When
            String answer = answerWithin(socket, Duration.ofMillis(1500));

            // Then the 413 arrived before the 2 s read timeout would have ended the wait, and it closes the connection
            assertThat(answer).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close")
                    .contains("application/problem+json");
        }
    }

    @Test
    void expectContinueForABodyOverTheLimitGetsThe413WithoutA100First() throws IOException {
        try (Socket socket = RawHttp.open(port)) {
            // Given a client that asks whether it may send 100,000 bytes
            socket.getOutputStream().write(postHead(100_000).replace("Connection: close\r\n",
                    "Expect: 100-continue\r\nConnection: close\r\n").getBytes(StandardCharsets.UTF_8));

            // When
            String answer = answerWithin(socket, Duration.ofMillis(1500));

            // Then the first answer is the final one: no 100 Continue invites a body that would be refused
            assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue");
        }
    }

    /** What arrives on the socket until the first answer's header section is complete, within {@code within}. */
    private static String answerWithin(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        long deadline = System.nanoTime() + within.toNanos();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (!bytes.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n") && System.nanoTime() < deadline) {
                int n = socket.getInputStream().read(buffer);
                if (n < 0) {
                    break;
                }
                bytes.write(buffer, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("No complete answer within " + within + ", got: " + bytes, e);
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void bodyThatStopsArrivingIsA408ProblemAfterTheReadTimeoutAndTheConnectionCloses() throws IOException {
        try (Socket socket = RawHttp.open(port)) {
            // Given a post whose body stops after 10 of its 200 bytes
            long start = System.nanoTime();
            socket.getOutputStream().write(postHead(200).concat("{\"email\":").getBytes(StandardCharsets.UTF_8));

            // When
            RawHttp.Answer answer = RawHttp.read(socket, ANSWER_TIMEOUT, start);

            // Then
            assertIsProblem(answer, 408);
            assertThat(answer.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(answer.closed()).isTrue();
            assertThat(answer.took()).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(9));
        }
    }

    @Test
    void threeHundredSlowDripConnectionsLeaveThreadsForANormalPostAndEndAt408AfterTheBodyDeadline() throws Exception {
        // Given 300 posts that each send one more byte of their 1000-byte body every 0.5 s: never a read timeout
        List<Socket> drips = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < 300; i++) {
                Socket socket = RawHttp.open(port);
                socket.getOutputStream().write(postHead(1000).concat("{").getBytes(StandardCharsets.UTF_8));
                drips.add(socket);
            }
            Thread dripper = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    for (Socket socket : drips) {
                        try {
                            // a drip stops once its answer is there (writing on would only make the closed
                            // connection answer with a reset, which can discard the answer before it is read)
                            if (socket.getInputStream().available() == 0) {
                                socket.getOutputStream().write(' ');
                            }
                        } catch (IOException e) {
                            // answered and closed: the test reads it below
                        }
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "slow-drip");
            dripper.setDaemon(true);
            dripper.start();
            try {
                // every drip holds a request thread (blocked in a body read), more than Tomcat's default 200 threads
                org.apache.tomcat.util.threads.ThreadPoolExecutor executor = (org.apache.tomcat.util.threads.ThreadPoolExecutor)
                        ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector().getProtocolHandler().getExecutor();
                await().atMost(Duration.ofSeconds(8)).until(() -> executor.getActiveCount() >= 200);

                // When a partner posts a normal lead meanwhile
                RawHttp.Answer normal = RawHttp.exchange(port, post(COMPLETE, ""), Duration.ofSeconds(5));

                // Then it is answered while every drip is still waiting for its answer
                assertThat(normal.status()).as(normal.body()).isEqualTo(202);
                assertThat(drips).allMatch(RawHttp::nothingReceived);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.parse("PT" + BODY_DEADLINE));

                // and every drip gets its 408 problem once the body deadline is over, and is closed
                for (Socket socket : drips) {
                    RawHttp.Answer answer = RawHttp.read(socket, ANSWER_TIMEOUT, start);
                    assertIsProblem(answer, 408);
                    assertThat(answer.took()).isGreaterThanOrEqualTo(Duration.parse("PT" + BODY_DEADLINE));
                    assertThat(answer.closed()).isTrue();
                }
            } finally {
                dripper.interrupt();
            }
        } finally {
            for (Socket socket : drips) {
                socket.close();
            }
        }
    }

    private static String postHead(int contentLength) {
        return "POST /v1/leads/" + INSURANCE_QUOTE + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + AUTH + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + contentLength + "\r\nConnection: close\r\n\r\n";
    }

    private static byte[] post(String json, String extraHeaders) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/leads/" + INSURANCE_QUOTE + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + AUTH
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n"
                + (extraHeaders.contains("Connection:") ? extraHeaders : extraHeaders + "Connection: close\r\n") + "\r\n";
        byte[] request = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.ISO_8859_1), 0, request, 0, head.length());
        System.arraycopy(body, 0, request, head.length(), body.length);
        return request;
    }

    private static void assertIsProblem(RawHttp.Answer answer, int status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        JsonNode problem = answer.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("detail").asString()).isNotBlank();
        assertThat(answer.body()).doesNotContain("<html", "\tat ", "trace");
    }
}
