package io.datapost.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/**
 * Personal data stays out of logs: every log event of every service (and of the broker and the clients, all in
 * this JVM), at DEBUG and below for datapost's own code and INFO for libraries, java.util.logging (Tomcat), plus
 * anything written to System.out/err, is captured during a whole end-to-end run (the scenario's 50 leads, then
 * leads posted as JSON, form (ISO-8859-1), XML, with Bearer, with a repeated Idempotency-Key, waiting for the
 * verdict, and refused with 400 and 422, including a field named by an email address and a request line Tomcat
 * itself refuses), and none of the posted emails, phones or names, nor the API key, may appear in it.
 *
 * <p>Spring Boot's logging system is switched off for the run ({@code LoggingSystem=none}), so the services
 * starting up cannot replace the capturing appender; whatever SLF4J provider the test classpath has (Log4j 2 or
 * Logback) gets the appender on its root logger.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NoPersonalDataInLogsTest extends EndToEndTest {

    private static final String API_KEY = "demo-key-1";
    private static final String BEARER = "Bearer " + API_KEY;
    private static final Pattern SUBMISSION_ID = Pattern.compile("\"submissionId\"\\s*:\\s*\"([^\"]+)\"");

    /** Made-up people with values that cannot occur in a log by chance. */
    private static final List<Person> PEOPLE = List.of(
            new Person("Zephyrine", "Quillfeather", "zephyrine.quillfeather@example.net", "(555) 014-7733"),
            new Person("Thaddeus", "Wintermoor", "t.wintermoor+leads@example.net", "5550148844"),
            new Person("Ottoline", "Bramblewood", "ottoline.bramblewood@example.net", "+1 555 014 9955"),
            new Person("Jérômine", "Saint-Éloi", "jeromine.saint-eloi@example.net", "555-014-6622"),
            new Person("Ximenez", "Hollowbrook", "ximenez.hollowbrook@example.net", "5550143311"),
            new Person("Perpetua", "Oakenshield", "perpetua-no-at-sign.example.net", "5550145577"),
            new Person("Barnaby", "Thistlewhite", "barnaby.thistlewhite@example.net", "5550142299"),
            new Person("Isolde", "Fernsworth", "isolde.fernsworth@example.net", "5550141188"));

    record Person(String firstName, String lastName, String email, String phone) {

        String json() {
            return "{\"email\":\"" + email + "\",\"phone\":\"" + phone + "\",\"first_name\":\"" + firstName
                    + "\",\"last_name\":\"" + lastName + "\",\"zip\":\"30301\"}";
        }

        List<String> secrets() {
            List<String> values = new ArrayList<>();
            for (String value : List.of(firstName, lastName, email, phone)) {
                values.add(value);
                values.add(enc(value, StandardCharsets.UTF_8));
                values.add(enc(value, StandardCharsets.ISO_8859_1));
            }
            values.add(phone.replaceAll("\\D", ""));
            return values;
        }
    }

    private LogCapture capture;

    @Override
    String startKafka() {
        capture = LogCapture.install();
        return super.startKafka();
    }

    @Override
    void stopInfrastructure() throws Exception {
        try {
            super.stopInfrastructure();
        } finally {
            if (capture != null) {
                capture.close();
            }
        }
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void noPostedEmailPhoneOrNameNorTheApiKeyAppearsInAnyLogOfTheRun() throws Exception {
        // Given the scenario's leads went through (the inherited test ran first), and these partners' posts
        HttpClient http = HttpClient.newHttpClient();
        List<String> decided = new ArrayList<>();

        // When they post JSON (accepted, and refused by the advertiser for a bad email)
        decided.add(accepted(post(http, "application/json", PEOPLE.get(0).json(), DEMO_AUTH, null, null)));
        decided.add(accepted(post(http, "application/json", PEOPLE.get(5).json(), DEMO_AUTH, null, null)));
        // a form in ISO-8859-1, and XML
        Person latin = PEOPLE.get(3);
        String form = "email=" + enc(latin.email(), StandardCharsets.ISO_8859_1) + "&phone=" + enc(latin.phone(),
                StandardCharsets.ISO_8859_1) + "&first_name=" + enc(latin.firstName(), StandardCharsets.ISO_8859_1)
                + "&last_name=" + enc(latin.lastName(), StandardCharsets.ISO_8859_1) + "&zip=30301";
        decided.add(accepted(post(http, "application/x-www-form-urlencoded; charset=ISO-8859-1", form, DEMO_AUTH,
                null, null)));
        Person xml = PEOPLE.get(2);
        decided.add(accepted(post(http, "application/xml", "<lead><email>" + xml.email() + "</email><phone>"
                + xml.phone() + "</phone><first_name>" + xml.firstName() + "</first_name><last_name>" + xml.lastName()
                + "</last_name><zip>30301</zip></lead>", BEARER, null, null)));
        // the same lead twice with one Idempotency-Key (a retry: forwarded and paid once)
        String retried = accepted(post(http, "application/json", PEOPLE.get(1).json(), DEMO_AUTH, "pii-retry-1", null));
        assertThat(accepted(post(http, "application/json", PEOPLE.get(1).json(), DEMO_AUTH, "pii-retry-1", null)))
                .isEqualTo(retried);
        decided.add(retried);
        // waiting for the verdict
        HttpResponse<String> waited = post(http, "application/json", PEOPLE.get(6).json(), DEMO_AUTH, null, "PT20S");
        assertThat(waited.statusCode()).as(waited.body()).isIn(200, 202);
        decided.add(submissionId(waited));
        // refused at ingest: malformed JSON, and invalid fields (a line break smuggled into a name)
        Person refused = PEOPLE.get(4);
        assertThat(post(http, "application/json", refused.json().replace("\"zip\"", "\"zip"), DEMO_AUTH, null, null)
                .statusCode()).isEqualTo(400);
        assertThat(post(http, "application/json", "{\"email\":\"" + refused.email() + "\",\"first_name\":\""
                + refused.firstName() + "\\r\\nX-Injected: " + PEOPLE.get(7).lastName() + "\"}", DEMO_AUTH, null, null)
                .statusCode()).isEqualTo(422);
        // a field name that is an email address (here repeated, so the 422 names it), and a request line Tomcat
        // refuses before our code sees it ("Invalid character found in the request target [...]")
        String named = PEOPLE.get(2).email();
        assertThat(post(http, "application/json", "{\"" + named + "\":\"1\",\"" + named + "\":\"2\"}", DEMO_AUTH,
                null, null).statusCode()).isEqualTo(422);
        assertThat(rawRequest("GET /v1/leads/insurance-quote?email=" + PEOPLE.get(3).email() + "&first_name="
                + PEOPLE.get(3).lastName().replace('-', '_') + "<x> HTTP/1.1")).startsWith("HTTP/1.1 400");

        // Then every accepted lead went the whole way (forwarder, validator, sink) while being captured
        DataSource db = database();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> decidedCount(db, decided) == decided.size());
        assertThat(waited.statusCode()).as("the verdict arrived within the wait: %s", waited.body()).isEqualTo(200);
        assertThat(waited.body()).contains("\"verdict\":\"ACCEPTED\"");

        // (the retried lead has one outcome and is paid once; note that forwarder-worker calls the advertiser
        // for each copy, with the same idempotency header dp-<submissionId>)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from payouts where submission_id = '" + retried + "'") >= 1);
        assertThat(count(db, "select count(*) from lead_outcomes where submission_id = '" + retried + "'")).isOne();
        assertThat(count(db, "select count(*) from payouts where submission_id = '" + retried + "'")).isOne();

        // and the capture sees the run: the services' own lines (with the submission ids), datapost's DEBUG
        // lines, java.util.logging (Tomcat) and the console
        org.slf4j.LoggerFactory.getLogger("io.datapost.e2e.capture").debug("capture-check-slf4j-debug");
        java.util.logging.Logger.getLogger("org.apache.catalina.capture").warning("capture-check-jul");
        System.err.println("capture-check-stderr");
        List<String> lines = capture.lines();
        String all = String.join("\n", lines);
        assertThat(lines.size()).as("captured log lines").isGreaterThan(100);
        assertThat(all).contains(decided.get(0), "capture-check-slf4j-debug", "capture-check-jul",
                "capture-check-stderr");

        // and nothing personal, nor a credential, is in any of it
        List<String> secrets = new ArrayList<>();
        PEOPLE.forEach(person -> secrets.addAll(person.secrets()));
        secrets.add(API_KEY);
        secrets.add(DEMO_AUTH.substring("Basic ".length()));
        for (int i = 0; i < LEADS; i++) {
            secrets.add("lead" + i + "@example.org");
            secrets.add("555010" + String.format("%04d", i));
        }
        List<String> leaks = lines.stream()
                .filter(line -> secrets.stream().anyMatch(line::contains))
                .map(line -> line.length() > 300 ? line.substring(0, 300) + "..." : line)
                .collect(Collectors.toList());
        assertThat(leaks).as("log lines with personal data or credentials").isEmpty();
    }

    private HttpResponse<String> post(HttpClient http, String contentType, String body, String authorization,
            String idempotencyKey, String wait) throws Exception {
        Charset charset = contentType.contains("ISO-8859-1") ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingestPort
                        + "/v1/leads/insurance-quote" + (wait == null ? "" : "?wait=" + wait)))
                .header("Authorization", authorization).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.getBytes(charset)));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends one request line as is (HttpClient refuses to send an invalid one); returns the whole answer. */
    private String rawRequest(String requestLine) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", ingestPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((requestLine + "\r\nHost: 127.0.0.1\r\nAuthorization: " + DEMO_AUTH
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String accepted(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return submissionId(response);
    }

    private static String submissionId(HttpResponse<String> response) {
        Matcher id = SUBMISSION_ID.matcher(response.body());
        assertThat(id.find()).as(response.body()).isTrue();
        return id.group(1);
    }

    private static String enc(String value, Charset charset) {
        return java.net.URLEncoder.encode(value, charset);
    }

    private static long decidedCount(DataSource db, Collection<String> ids) throws SQLException {
        String list = ids.stream().map(id -> "'" + id.replace("'", "") + "'").collect(Collectors.joining(","));
        return count(db, "select count(distinct submission_id) from lead_outcomes where submission_id in (" + list + ")");
    }

    // ------------------------------------------------------------------------------------------ capture

    /** Captures every log event (whatever the SLF4J provider) and everything written to System.out/err. */
    static final class LogCapture implements AutoCloseable {

        private static final String LOGGING_SYSTEM = "org.springframework.boot.logging.LoggingSystem";

        private final Collection<String> lines = new ConcurrentLinkedQueue<>();
        private final ByteArrayOutputStream console = new ByteArrayOutputStream();
        private final PrintStream originalOut = System.out;
        private final PrintStream originalErr = System.err;
        private final String previousLoggingSystem = System.getProperty(LOGGING_SYSTEM);
        private AutoCloseable appender;
        private java.util.logging.Handler julHandler;

        static LogCapture install() {
            LogCapture capture = new LogCapture();
            System.setProperty(LOGGING_SYSTEM, "none");
            System.setOut(new PrintStream(capture.tee(capture.originalOut), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capture.tee(capture.originalErr), true, StandardCharsets.UTF_8));
            // java.util.logging (Tomcat logs there; without Spring Boot's logging system nothing bridges it)
            capture.julHandler = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord record) {
                    capture.lines.add(record.getLoggerName() + " " + record.getLevel() + " "
                            + new java.util.logging.SimpleFormatter().formatMessage(record) + throwable(record.getThrown()));
                }

                @Override
                public void flush() {
                }

                @Override
                public void close() {
                }
            };
            java.util.logging.Logger.getLogger("").addHandler(capture.julHandler);
            String provider = LoggerFactory.getILoggerFactory().getClass().getName();
            if (provider.startsWith("org.apache.logging")) {
                capture.appender = Log4jCapture.install(capture.lines);
            } else if (provider.startsWith("ch.qos.logback")) {
                capture.appender = LogbackCapture.install(capture.lines);
            } else {
                throw new IllegalStateException("No log capture for SLF4J provider " + provider);
            }
            return capture;
        }

        private OutputStream tee(PrintStream original) {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    original.write(b);
                    synchronized (console) {
                        console.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    original.write(b, off, len);
                    synchronized (console) {
                        console.write(b, off, len);
                    }
                }
            };
        }

        List<String> lines() {
            List<String> all = new ArrayList<>(lines);
            synchronized (console) {
                all.addAll(List.of(console.toString(StandardCharsets.UTF_8).split("\n")));
            }
            return all;
        }

        @Override
        public void close() throws Exception {
            java.util.logging.Logger.getLogger("").removeHandler(julHandler);
            System.setOut(originalOut);
            System.setErr(originalErr);
            if (previousLoggingSystem == null) {
                System.clearProperty(LOGGING_SYSTEM);
            } else {
                System.setProperty(LOGGING_SYSTEM, previousLoggingSystem);
            }
            if (appender != null) {
                appender.close();
            }
        }
    }

    /** Log4j 2: an appender on the root logger; datapost's loggers at TRACE, the root at INFO, while it runs. */
    static final class Log4jCapture {

        static AutoCloseable install(Collection<String> lines) {
            org.apache.logging.log4j.core.LoggerContext context =
                    (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false);
            org.apache.logging.log4j.core.config.Configuration config = context.getConfiguration();
            org.apache.logging.log4j.core.Appender appender =
                    new org.apache.logging.log4j.core.appender.AbstractAppender("pii-capture", null, null, true,
                            org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
                        @Override
                        public void append(org.apache.logging.log4j.core.LogEvent event) {
                            lines.add(event.getLoggerName() + " " + event.getLevel() + " "
                                    + event.getMessage().getFormattedMessage() + " " + event.getContextData()
                                    + throwable(event.getThrown()));
                        }
                    };
            appender.start();
            config.addAppender(appender);
            org.apache.logging.log4j.core.config.LoggerConfig root = config.getRootLogger();
            org.apache.logging.log4j.Level rootLevel = root.getLevel();
            root.addAppender(appender, org.apache.logging.log4j.Level.ALL, null);
            root.setLevel(org.apache.logging.log4j.Level.INFO);
            Map<String, org.apache.logging.log4j.Level> before = new java.util.HashMap<>();
            for (org.apache.logging.log4j.core.config.LoggerConfig logger : config.getLoggers().values()) {
                before.put(logger.getName(), logger.getLevel());
                if (!logger.isAdditive() && logger != root) {
                    logger.addAppender(appender, org.apache.logging.log4j.Level.ALL, null);
                }
                if (logger.getName().startsWith("io.datapost")) {
                    logger.setLevel(org.apache.logging.log4j.Level.TRACE);
                }
            }
            org.apache.logging.log4j.core.config.LoggerConfig datapost = config.getLoggerConfig("io.datapost");
            if (!datapost.getName().equals("io.datapost")) {
                config.addLogger("io.datapost", new org.apache.logging.log4j.core.config.LoggerConfig("io.datapost",
                        org.apache.logging.log4j.Level.TRACE, true));
            }
            context.updateLoggers();
            return () -> {
                for (org.apache.logging.log4j.core.config.LoggerConfig logger : config.getLoggers().values()) {
                    logger.removeAppender(appender.getName());
                    if (before.containsKey(logger.getName())) {
                        logger.setLevel(before.get(logger.getName()));
                    }
                }
                root.removeAppender(appender.getName());
                root.setLevel(rootLevel);
                context.updateLoggers();
                appender.stop();
            };
        }
    }

    /** Logback: the same, with a ListAppender-like appender on the root logger. */
    static final class LogbackCapture {

        static AutoCloseable install(Collection<String> lines) {
            ch.qos.logback.classic.LoggerContext context =
                    (ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory();
            ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            ch.qos.logback.classic.Logger datapost = context.getLogger("io.datapost");
            ch.qos.logback.classic.Level rootLevel = root.getLevel();
            ch.qos.logback.classic.Level datapostLevel = datapost.getLevel();
            ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                    new ch.qos.logback.core.AppenderBase<>() {
                        @Override
                        protected void append(ch.qos.logback.classic.spi.ILoggingEvent event) {
                            String thrown = "";
                            for (ch.qos.logback.classic.spi.IThrowableProxy t = event.getThrowableProxy(); t != null;
                                    t = t.getCause()) {
                                thrown += " | " + t.getClassName() + ": " + t.getMessage();
                            }
                            lines.add(event.getLoggerName() + " " + event.getLevel() + " " + event.getFormattedMessage()
                                    + " " + event.getMDCPropertyMap() + thrown);
                        }
                    };
            appender.setContext(context);
            appender.setName("pii-capture");
            appender.start();
            root.addAppender(appender);
            root.setLevel(ch.qos.logback.classic.Level.INFO);
            datapost.setLevel(ch.qos.logback.classic.Level.TRACE);
            return () -> {
                root.detachAppender(appender);
                root.setLevel(rootLevel);
                datapost.setLevel(datapostLevel);
                appender.stop();
            };
        }
    }

    private static String throwable(Throwable thrown) {
        StringBuilder text = new StringBuilder();
        Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            text.append(" | ").append(t.getClass().getName()).append(": ").append(t.getMessage());
            for (Throwable suppressed : t.getSuppressed()) {
                text.append(" | suppressed ").append(suppressed);
            }
        }
        return text.toString();
    }
}
