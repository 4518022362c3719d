package io.datapost.cli.advertiser;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An advertiser's lead API that behaves like real ones, for the demo and for trying datapost locally.
 * {@code POST /v1/leads} with a JSON lead answers
 * <ul>
 * <li>{@code {"status":"accepted","lead_id":"SA-…","price":12.34}} for most leads,</li>
 * <li>{@code {"status":"rejected","reason":"Invalid email"}} for an invalid email,</li>
 * <li>{@code {"status":"rejected","reason":"Duplicate lead"}} for an email + phone it already accepted,</li>
 * <li>{@code {"status":"rejected","reason":"Missing field <name>"}} when a required field is absent;</li>
 * </ul>
 * some answers take 1-2 s, and some requests get a 503 instead. Both are decided from a hash of the
 * {@code Idempotency-Key} (and, for the 503, the attempt number), so a run is reproducible; a key never gets
 * a 503 from its third attempt on. Repeats of a key are collapsed: once a key got a real answer, every repeat
 * gets the same answer and the lead is counted once. {@code GET /v1/stats} shows the counters.
 */
public final class SampleAdvertiser implements AutoCloseable {

    public static final int DEFAULT_PORT = 8099;
    public static final String PATH = "/v1/leads";
    public static final String STATS_PATH = "/v1/stats";
    public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    static final List<String> REQUIRED_FIELDS = List.of("email", "phone", "first_name", "last_name", "zip");
    private static final Pattern EMAIL =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static {
        // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK:
        // every answer would take ~40 ms longer. Read once, when the JDK server classes initialise.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /**
     * @param unavailablePercent share (0-100) of first and second attempts answered with 503
     * @param slowPercent        share (0-100) of leads answered after a delay between slowMin and slowMax
     */
    public record Behaviour(int unavailablePercent, int slowPercent, Duration slowMin, Duration slowMax) {

        /** Like a real advertiser: 5 % 503s on early attempts, 3 % of answers take 1-2 s. */
        public static Behaviour realistic() {
            return new Behaviour(5, 3, Duration.ofSeconds(1), Duration.ofSeconds(2));
        }

        /** Always available and instant (unit tests). */
        public static Behaviour reliable() {
            return new Behaviour(0, 0, Duration.ZERO, Duration.ZERO);
        }
    }

    /** What the advertiser saw. {@code accepted} and {@code rejectedByReason} count each key once. */
    public record Stats(long requests, long distinctKeys, long accepted, Map<String, Long> rejectedByReason,
            long unavailable, long repeats) {
    }

    record Answer(int status, String body, Duration delay) {
    }

    private static final class KeyState {
        int attempts;
        Answer answer;
    }

    private final Behaviour behaviour;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Object lock = new Object();
    private final Map<String, KeyState> byKey = new HashMap<>();
    private final Set<String> acceptedLeads = new HashSet<>();
    private final AtomicLong requests = new AtomicLong();
    private long accepted;
    private long unavailable;
    private long repeats;
    private final Map<String, Long> rejectedByReason = new TreeMap<>();

    private SampleAdvertiser(HttpServer server, Behaviour behaviour) {
        this.server = server;
        this.behaviour = behaviour;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "sample-advertiser-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext(PATH, this::handleLead);
        server.createContext(STATS_PATH, this::handleStats);
    }

    /** Starts on {@code address} (port 0 picks a free one). */
    public static SampleAdvertiser start(InetSocketAddress address, Behaviour behaviour) throws IOException {
        SampleAdvertiser advertiser = new SampleAdvertiser(HttpServer.create(address, 256), behaviour);
        advertiser.server.start();
        return advertiser;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI leadsUri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port() + PATH);
    }

    public Stats stats() {
        synchronized (lock) {
            return new Stats(requests.get(), byKey.size(), accepted, new LinkedHashMap<>(rejectedByReason),
                    unavailable, repeats);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handleLead(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                send(exchange, new Answer(404, "{\"status\":\"error\",\"reason\":\"Not found\"}", Duration.ZERO));
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                send(exchange, new Answer(405, "{\"status\":\"error\",\"reason\":\"Use POST\"}", Duration.ZERO));
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(1 << 20);
            }
            Answer answer = answer(exchange.getRequestHeaders().getFirst(IDEMPOTENCY_HEADER), body);
            if (!answer.delay().isZero()) {
                Thread.sleep(answer.delay().toMillis());
            }
            send(exchange, answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handleStats(HttpExchange exchange) throws IOException {
        try (exchange) {
            send(exchange, new Answer(200, JSON.writeValueAsString(stats()), Duration.ZERO));
        }
    }

    /** The decision for one request; repeats of a key that already got a real answer get that answer again. */
    Answer answer(String idempotencyKey, byte[] body) {
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.trim();
        synchronized (lock) {
            KeyState state = null;
            if (key != null) {
                state = byKey.computeIfAbsent(key, k -> new KeyState());
                state.attempts++;
                if (state.answer != null) {
                    repeats++;
                    return new Answer(state.answer.status(), state.answer.body(), Duration.ZERO);
                }
                if (state.attempts < 3 && percent(key, "unavailable#" + state.attempts)
                        < behaviour.unavailablePercent()) {
                    unavailable++;
                    return new Answer(503, "{\"status\":\"error\",\"reason\":\"Service temporarily unavailable\"}",
                            Duration.ZERO);
                }
            }
            String seed = key != null ? key : UUID.randomUUID().toString();
            Answer answer = decide(seed, body);
            if (state != null) {
                state.answer = answer;
            }
            return answer;
        }
    }

    /** Called under the lock: the duplicate check and the counters must see one order of leads. */
    private Answer decide(String seed, byte[] body) {
        JsonNode lead;
        try {
            lead = JSON.readTree(body);
        } catch (JacksonException e) {
            lead = null;
        }
        if (lead == null || !lead.isObject()) {
            return rejected(400, "Malformed request", Duration.ZERO);
        }
        Duration delay = delay(seed);
        for (String field : REQUIRED_FIELDS) {
            JsonNode value = lead.get(field);
            if (value == null || value.isNull() || value.asString().isBlank()) {
                return rejected(200, "Missing field " + field, delay);
            }
        }
        String email = lead.get("email").asString().trim();
        if (!EMAIL.matcher(email).matches()) {
            return rejected(200, "Invalid email", delay);
        }
        String identity = email.toLowerCase(Locale.ROOT) + "|" + lead.get("phone").asString().replaceAll("\\D", "");
        if (!acceptedLeads.add(identity)) {
            return rejected(200, "Duplicate lead", delay);
        }
        accepted++;
        String leadId = "SA-" + hex(seed, "lead-id").substring(0, 12).toUpperCase(Locale.ROOT);
        // 5.00 .. 25.00, cents
        BigDecimal price = BigDecimal.valueOf(500 + percentile(seed, "price", 2001), 2);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", "accepted");
        json.put("lead_id", leadId);
        json.put("price", price);
        return new Answer(200, JSON.writeValueAsString(json), delay);
    }

    private Answer rejected(int status, String reason, Duration delay) {
        rejectedByReason.merge(reason, 1L, Long::sum);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", "rejected");
        json.put("reason", reason);
        return new Answer(status, JSON.writeValueAsString(json), delay);
    }

    private Duration delay(String seed) {
        if (percent(seed, "slow") >= behaviour.slowPercent()) {
            return Duration.ZERO;
        }
        long min = behaviour.slowMin().toMillis();
        long span = Math.max(1, behaviour.slowMax().toMillis() - min);
        return Duration.ofMillis(min + percentile(seed, "slow-ms", span));
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (answer.status() == 503) {
            exchange.getResponseHeaders().set("Retry-After", "1");
        }
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** 0..99, fixed for (seed, purpose). */
    private static int percent(String seed, String purpose) {
        return (int) percentile(seed, purpose, 100);
    }

    private static long percentile(String seed, String purpose, long bound) {
        long value = Long.parseUnsignedLong(hex(seed, purpose).substring(0, 15), 16);
        return value % bound;
    }

    private static String hex(String seed, String purpose) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((purpose + "|" + seed).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
