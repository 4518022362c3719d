package io.datapost.ingest.bench;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.datapost.baremvc.BareMvcBaseline;

/**
 * Load harness for ingest-api (not a test): posts 1 KB JSON leads over N keep-alive HTTP/1.1 connections and
 * prints throughput and p50/p99/max latency for three endpoints of the same app, in one run:
 * {@code POST /bench/noop} (read the body, answer 202), {@code POST /bench/kafka} (send the body's bytes to Kafka,
 * acks=all, answer 202 after the acknowledgement) and {@code POST /v1/leads/{eventType}} (the whole ingest path:
 * authentication, rate limit, parsing, validation, Avro, acks=all). Then the ingest path again at a fixed rate,
 * with latency measured from each request's intended start (so a stalled server is not hidden by a stalled
 * client).
 *
 * <p>By default it starts its own stack, each in its own JVM: a KRaft broker ({@link BenchBroker}) and the
 * ingest-api app with the {@code bench} profile, and also {@link BareMvcBaseline}, a bare Spring MVC app (no
 * Spring Boot, no filters, no metrics) with a no-op and a send-to-Kafka endpoint: the reference point,
 * measured in the same run so that a slow or busy machine shows in both ({@code --bare-mvc false} leaves it out).
 * With {@code --url} it measures an app that is already running (started with
 * {@code --spring.profiles.active=bench} for the two baselines).
 *
 * <p>The client is deliberately small: one platform thread and one blocking socket per connection, requests
 * written as prepared bytes, responses parsed just enough (status line, Content-Length or chunked). It costs
 * far less CPU per request than a general HTTP client, which matters on a 2-core machine where the client,
 * the app and the broker share the cores.
 *
 * <p>With {@code --client wrk} the closed-loop runs use wrk ({@code apt-get install wrk}) instead, two threads;
 * the open-loop run stays with this harness (wrk has no fixed-rate mode).
 *
 * <pre>
 * ingest-api/bench.sh [--connections 64] [--warmup 10s] [--duration 20s] [--rate 5000] [--client java|wrk]
 *                     [--bare-mvc true|false]
 *                     [--app-args "--spring.kafka.producer.properties.linger.ms=1 ..."]
 *                     [--url http://127.0.0.1:8080 --partner id:key --event-type id]
 * </pre>
 */
public final class IngestBench {

    private static final PrintStream OUT = System.out;

    private IngestBench() {
    }

    record Options(int connections, Duration warmup, Duration duration, int rate, URI url, String partner,
            String eventType, String appHeap, String brokerHeap, String client, List<String> appArgs,
            boolean bareMvc) {

        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("Expected --name value pairs, got " + Arrays.toString(args));
                }
                given.put(args[i].substring(2), args[++i]);
            }
            Options options = new Options(Integer.parseInt(given.getOrDefault("connections", "64")),
                    duration(given.getOrDefault("warmup", "10s")), duration(given.getOrDefault("duration", "20s")),
                    Integer.parseInt(given.getOrDefault("rate", "5000")),
                    given.containsKey("url") ? URI.create(given.get("url")) : null,
                    given.getOrDefault("partner", BenchBroker.PARTNER + ":" + BenchBroker.KEY),
                    given.getOrDefault("event-type", BenchBroker.EVENT_TYPE),
                    given.getOrDefault("app-heap", "512m"), given.getOrDefault("broker-heap", "1g"),
                    given.getOrDefault("client", "java"),
                    given.containsKey("app-args") ? List.of(given.get("app-args").trim().split("\\s+")) : List.of(),
                    Boolean.parseBoolean(given.getOrDefault("bare-mvc", "true")));
            given.keySet().removeAll(List.of("connections", "warmup", "duration", "rate", "url", "partner",
                    "event-type", "app-heap", "broker-heap", "client", "app-args", "bare-mvc"));
            if (!List.of("java", "wrk").contains(options.client())) {
                throw new IllegalArgumentException("--client is java or wrk");
            }
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("Unknown options " + given.keySet());
            }
            return options;
        }

        private static Duration duration(String text) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.parse(text);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Stack stack = options.url() == null ? Stack.start(options) : Stack.running(options.url());
        try {
            run(options, stack);
        } finally {
            stack.close();
        }
    }

    private static void run(Options options, Stack stack) throws Exception {
        byte[] lead = leadOf1Kb();
        String auth = "Basic " + Base64.getEncoder().encodeToString(options.partner().getBytes(StandardCharsets.UTF_8));
        Target noop = new Target("no-op (POST /bench/noop)", stack.url, "/bench/noop", null, lead);
        Target kafka = new Target("bare Kafka send (POST /bench/kafka)", stack.url, "/bench/kafka", null, lead);
        Target ingest = new Target("ingest path (POST /v1/leads/" + options.eventType() + ")", stack.url,
                "/v1/leads/" + options.eventType(), auth, lead);
        List<Target> targets = new ArrayList<>();
        if (stack.bareUrl != null) {
            targets.add(new Target("bare Spring MVC no-op (own JVM)", stack.bareUrl, "/noop", null, lead, true));
            targets.add(new Target("bare Spring MVC Kafka send (own JVM)", stack.bareUrl, "/kafka", null, lead, true));
        }
        targets.addAll(List.of(noop, kafka, ingest));

        boolean wrk = options.client().equals("wrk");
        OUT.printf(Locale.ROOT, "%nclient: %s, %d keep-alive connections, %d-byte JSON body, warm-up %ds then %ds "
                + "measured per endpoint; %d cores%n", wrk ? "wrk -t2 (closed loop), this harness (open loop)"
                : "this harness (one thread and socket per connection)", options.connections(), lead.length,
                options.warmup().toSeconds(), options.duration().toSeconds(), Runtime.getRuntime().availableProcessors());
        OUT.printf(Locale.ROOT, "app pid %s, broker pid %s%s; load average before the run: %s%n%n",
                stack.appPid == 0 ? "external" : stack.appPid, stack.brokerPid == 0 ? "external" : stack.brokerPid,
                stack.bareUrl == null ? "" : ", bare Spring MVC pid " + stack.barePid, loadAverage());
        OUT.println("Closed loop (every connection sends its next request as soon as the answer is in):");
        OUT.println(Result.HEADER);
        List<Result> closed = new ArrayList<>();
        List<Target> available = new ArrayList<>();
        for (Target target : targets) {
            if (target.probe()) {
                available.add(target);
            } else {
                OUT.printf("%-40s not available (is the bench profile active?)%n", target.name);
            }
        }
        // every endpoint warmed up (JIT, pools, producer batches) before any is measured, so the first measured
        // is not the one that paid for the app's warm-up
        for (Target target : available) {
            measure(target, options.connections(), 0, Duration.ZERO, options.warmup(), stack);
        }
        Duration settle = Duration.ofSeconds(Math.min(5, Math.max(1, options.warmup().toSeconds() / 3)));
        for (Target target : available) {
            Result result = wrk ? Wrk.measure(target, options.connections(), settle, options.duration(), stack)
                    : measure(target, options.connections(), 0, settle, options.duration(), stack);
            closed.add(result);
            OUT.println(result.line());
        }
        Result ingestClosed = closed.stream().filter(r -> r.target == ingest).findFirst().orElse(null);
        if (ingestClosed != null) {
            OUT.println();
            for (Result baseline : closed) {
                if (baseline != ingestClosed) {
                    OUT.printf(Locale.ROOT, "ingest path / %s: %.2f of its throughput%n", baseline.target.name,
                            ingestClosed.throughput() / baseline.throughput());
                }
            }
        }
        OUT.printf(Locale.ROOT, "%nOpen loop at %d requests/s (latency from each request's scheduled start):%n",
                options.rate());
        OUT.println(Result.HEADER);
        OUT.println(measure(ingest, options.connections(), options.rate(), options.warmup(), options.duration(), stack)
                .line());
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** A 1024-byte JSON lead with the fields every datapost event type in the samples requires. */
    static byte[] leadOf1Kb() {
        String head = "{\"email\":\"bench.lead@example.org\",\"phone\":\"5550100000\",\"first_name\":\"Bench\","
                + "\"last_name\":\"Lead\",\"zip\":\"30301\",\"ip\":\"203.0.113.7\",\"note\":\"";
        String tail = "\"}";
        return (head + "x".repeat(1024 - head.length() - tail.length()) + tail).getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------ measuring

    static Result measure(Target target, int connections, int rate, Duration warmup, Duration duration, Stack stack)
            throws Exception {
        long start = System.nanoTime() + Duration.ofMillis(200).toNanos();
        long measureFrom = start + warmup.toNanos();
        long measureTo = measureFrom + duration.toNanos();
        List<Connection> workers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            long interval = rate == 0 ? 0 : (long) (1e9 * connections / rate);
            long first = rate == 0 ? start : start + interval * i / connections;
            Connection worker = new Connection(target, first, interval, measureFrom, measureTo, done);
            workers.add(worker);
            Thread thread = new Thread(worker, "bench-connection-" + i);
            thread.setDaemon(true);
            thread.start();
        }
        LockSupport.parkNanos(Math.max(0, measureFrom - System.nanoTime()));
        long appCpuBefore = stack.cpuNanos(target);
        long brokerCpuBefore = stack.brokerCpuNanos();
        LockSupport.parkNanos(Math.max(0, measureTo - System.nanoTime()));
        long appCpu = stack.cpuNanos(target) - appCpuBefore;
        long brokerCpu = stack.brokerCpuNanos() - brokerCpuBefore;
        if (!done.await(duration.toSeconds() + 60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("Connections did not finish");
        }
        long[] all = workers.stream().flatMapToLong(w -> Arrays.stream(w.latencies, 0, w.count)).sorted().toArray();
        long errors = workers.stream().mapToLong(w -> w.errors).sum();
        // completed requests over the time they took to complete: an open loop that fell behind shows its real rate
        long lastAnswer = workers.stream().mapToLong(w -> w.lastAnswerAt).max().orElse(measureTo);
        Duration elapsed = Duration.ofNanos(Math.max(measureTo, lastAnswer) - measureFrom);
        Map<Integer, Long> statuses = new LinkedHashMap<>();
        workers.forEach(w -> w.statuses.forEach((status, n) -> statuses.merge(status, n, Long::sum)));
        return new Result(target, rate, all, errors, statuses, elapsed, duration, appCpu, brokerCpu);
    }

    /**
     * @param elapsed  from the window's start to the last answer of a request started in it
     * @param duration the window (CPU shares are over it)
     */
    record Result(Target target, int rate, long[] sortedLatencies, long errors, Map<Integer, Long> statuses,
            Duration elapsed, Duration duration, long appCpuNanos, long brokerCpuNanos, double[] given) {

        Result(Target target, int rate, long[] sortedLatencies, long errors, Map<Integer, Long> statuses,
                Duration elapsed, Duration duration, long appCpuNanos, long brokerCpuNanos) {
            this(target, rate, sortedLatencies, errors, statuses, elapsed, duration, appCpuNanos, brokerCpuNanos, null);
        }

        static final String HEADER = String.format(Locale.ROOT, "%-44s %10s %9s %9s %9s %8s %10s %8s  %s",
                "endpoint", "req/s", "p50 ms", "p99 ms", "max ms", "app CPU", "app us/req", "broker", "answers");

        long requests() {
            return statuses.values().stream().mapToLong(Long::longValue).sum();
        }

        /** given: {requests/s, p50 ms, p99 ms, max ms} as an external client reported them. */
        double throughput() {
            return given != null ? given[0] : sortedLatencies.length / (elapsed.toNanos() / 1e9);
        }

        private double percentileMillis(double p) {
            if (given != null) {
                return p == 0.50 ? given[1] : p == 0.99 ? given[2] : given[3];
            }
            if (sortedLatencies.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p * sortedLatencies.length) - 1;
            return sortedLatencies[Math.max(0, Math.min(sortedLatencies.length - 1, index))] / 1e6;
        }

        /** Statuses, or for wrk's counts: 2 = 2xx/3xx, 0 = others. */
        private static String label(int status) {
            return status == 2 ? "2xx/3xx" : status == 0 ? "other" : Integer.toString(status);
        }

        String line() {
            double seconds = duration.toNanos() / 1e9;
            String answers = statuses.entrySet().stream().map(e -> label(e.getKey()) + "=" + e.getValue())
                    .collect(Collectors.joining(" ")) + (errors > 0 ? " io-errors=" + errors : "");
            return String.format(Locale.ROOT, "%-44s %10.0f %9.2f %9.2f %9.2f %7.0f%% %10.0f %7.0f%%  %s",
                    target.name.length() > 44 ? target.name.substring(0, 44) : target.name, throughput(),
                    percentileMillis(0.50), percentileMillis(0.99), percentileMillis(1.0),
                    appCpuNanos < 0 ? Double.NaN : 100.0 * appCpuNanos / 1e9 / seconds,
                    appCpuNanos < 0 || requests() == 0 ? Double.NaN : appCpuNanos / 1e3 / requests(),
                    brokerCpuNanos < 0 ? Double.NaN : 100.0 * brokerCpuNanos / 1e9 / seconds, answers);
        }
    }

    /** One endpoint: the request as prepared bytes. */
    static final class Target {
        final String name;
        final String host;
        final int port;
        final String path;
        final String authorization;
        final byte[] body;
        final byte[] request;
        /** served by the bare Spring MVC JVM ({@link BareMvcBaseline}), whose CPU is counted for it */
        final boolean bare;

        Target(String name, URI base, String path, String authorization, byte[] body) {
            this(name, base, path, authorization, body, false);
        }

        Target(String name, URI base, String path, String authorization, byte[] body, boolean bare) {
            this.name = name;
            this.bare = bare;
            this.host = base.getHost();
            this.port = base.getPort();
            this.path = path;
            this.authorization = authorization;
            this.body = body;
            StringBuilder head = new StringBuilder()
                    .append("POST ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Content-Type: application/json\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
            if (authorization != null) {
                head.append("Authorization: ").append(authorization).append("\r\n");
            }
            head.append("\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            request = Arrays.copyOf(headBytes, headBytes.length + body.length);
            System.arraycopy(body, 0, request, headBytes.length, body.length);
        }

        /** One request; true when it is answered 2xx. */
        boolean probe() throws IOException {
            try (Socket socket = new Socket(host, port)) {
                socket.getOutputStream().write(request);
                Response response = Response.read(new BufferedInputStream(socket.getInputStream()));
                return response.status / 100 == 2;
            }
        }
    }

    /** One connection's loop: closed (interval 0) or at a fixed schedule. Records requests started in the window. */
    static final class Connection implements Runnable {
        private final Target target;
        private final long interval;
        private final long measureFrom;
        private final long measureTo;
        private final CountDownLatch done;
        private long next;
        long[] latencies = new long[4096];
        int count;
        long errors;
        long lastAnswerAt;
        final Map<Integer, Long> statuses = new LinkedHashMap<>();

        Connection(Target target, long first, long interval, long measureFrom, long measureTo, CountDownLatch done) {
            this.target = target;
            this.next = first;
            this.interval = interval;
            this.measureFrom = measureFrom;
            this.measureTo = measureTo;
            this.done = done;
        }

        @Override
        public void run() {
            Socket socket = null;
            try {
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                while (true) {
                    long scheduled;
                    if (interval == 0) {
                        scheduled = System.nanoTime();
                    } else {
                        scheduled = next;
                        next += interval;
                        long wait = scheduled - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    if (scheduled >= measureTo) {
                        return;
                    }
                    try {
                        if (socket == null) {
                            socket = new Socket();
                            socket.setTcpNoDelay(true);
                            socket.connect(new InetSocketAddress(target.host, target.port), 5000);
                            socket.setSoTimeout(30_000);
                            in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                            out = socket.getOutputStream();
                        }
                        out.write(target.request);
                        Response response = Response.read(in);
                        long took = System.nanoTime() - scheduled;
                        if (scheduled >= measureFrom) {
                            record(took, response.status);
                            lastAnswerAt = scheduled + took;
                        }
                        if (response.close) {
                            socket.close();
                            socket = null;
                        }
                    } catch (IOException e) {
                        if (scheduled >= measureFrom) {
                            errors++;
                        }
                        if (socket != null) {
                            try {
                                socket.close();
                            } catch (IOException ignored) {
                                // already broken
                            }
                        }
                        socket = null;
                    }
                }
            } finally {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // done anyway
                    }
                }
                done.countDown();
            }
        }

        private InputStream in;
        private OutputStream out;

        private void record(long nanos, int status) {
            statuses.merge(status, 1L, Long::sum);
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }
    }

    /** Just enough HTTP/1.1: status, Content-Length or chunked body (skipped), Connection: close. */
    record Response(int status, boolean close) {

        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine.length() < 12) {
                throw new IOException("Bad status line");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            String header;
            while (!(header = line(in)).isEmpty()) {
                int colon = header.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            if (chunked) {
                long size;
                while ((size = Long.parseLong(line(in).split(";")[0].trim(), 16)) > 0) {
                    skip(in, size);
                    line(in);
                }
                while (!line(in).isEmpty()) {
                    // trailers
                }
            } else if (length > 0) {
                skip(in, length);
            }
            return new Response(status, close);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder(64);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("Connection closed");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        private static void skip(InputStream in, long n) throws IOException {
            long left = n;
            while (left > 0) {
                long skipped = in.skip(left);
                if (skipped <= 0) {
                    if (in.read() < 0) {
                        throw new IOException("Connection closed");
                    }
                    skipped = 1;
                }
                left -= skipped;
            }
        }
    }

    // ------------------------------------------------------------------------------------------ wrk

    /** The closed loop with wrk (Debian package {@code wrk}) as the client: a Lua script per endpoint. */
    static final class Wrk {

        private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
        private static final Pattern LATENCY_MAX = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+(\\S+)");
        private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.0+)?%\\s+(\\S+)", Pattern.MULTILINE);
        private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
        private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: (.*)");
        private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");

        static Result measure(Target target, int connections, Duration warmup, Duration duration, Stack stack)
                throws Exception {
            Path script = Files.createTempFile("datapost-bench", ".lua");
            try {
                StringBuilder lua = new StringBuilder("wrk.method = \"POST\"\n")
                        .append("wrk.body = '").append(new String(target.body, StandardCharsets.UTF_8)).append("'\n")
                        .append("wrk.headers[\"Content-Type\"] = \"application/json\"\n");
                if (target.authorization != null) {
                    lua.append("wrk.headers[\"Authorization\"] = \"").append(target.authorization).append("\"\n");
                }
                Files.writeString(script, lua);
                String url = "http://" + target.host + ":" + target.port + target.path;
                run(script, url, connections, warmup);
                long appBefore = stack.cpuNanos(target);
                long brokerBefore = stack.brokerCpuNanos();
                String out = run(script, url, connections, duration);
                long appCpu = stack.cpuNanos(target) - appBefore;
                long brokerCpu = stack.brokerCpuNanos() - brokerBefore;
                double[] figures = {number(REQUESTS_PER_SECOND, out), 0, 0, millis(find(LATENCY_MAX, out, 1))};
                Matcher percentiles = PERCENTILE.matcher(out);
                while (percentiles.find()) {
                    figures[percentiles.group(1).equals("50") ? 1 : 2] = millis(percentiles.group(2));
                }
                Map<Integer, Long> statuses = new LinkedHashMap<>();
                long requests = (long) number(REQUESTS, out);
                long non2xx = NON_2XX.matcher(out).find() ? (long) number(NON_2XX, out) : 0;
                statuses.put(2, requests - non2xx); // wrk counts 2xx and 3xx together
                if (non2xx > 0) {
                    statuses.put(0, non2xx);
                }
                Matcher errors = SOCKET_ERRORS.matcher(out);
                if (errors.find()) {
                    OUT.println("  wrk socket errors: " + errors.group(1));
                }
                return new Result(target, 0, new long[0], 0, statuses, duration, duration, appCpu, brokerCpu, figures);
            } finally {
                Files.deleteIfExists(script);
            }
        }

        private static String run(Path script, String url, int connections, Duration duration) throws Exception {
            Process wrk = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + duration.toSeconds() + "s",
                    "--latency", "-s", script.toString(), url).redirectErrorStream(true).start();
            String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (wrk.waitFor() != 0) {
                throw new IllegalStateException("wrk failed: " + out);
            }
            return out;
        }

        private static String find(Pattern pattern, String text, int group) {
            Matcher m = pattern.matcher(text);
            if (!m.find()) {
                throw new IllegalStateException("Unexpected wrk output: " + text);
            }
            return m.group(group);
        }

        private static double number(Pattern pattern, String text) {
            return Double.parseDouble(find(pattern, text, 1));
        }

        /** wrk's "812.00us", "1.23ms", "2.01s". */
        private static double millis(String value) {
            if (value.endsWith("us")) {
                return Double.parseDouble(value.substring(0, value.length() - 2)) / 1000;
            }
            if (value.endsWith("ms")) {
                return Double.parseDouble(value.substring(0, value.length() - 2));
            }
            if (value.endsWith("m")) {
                return Double.parseDouble(value.substring(0, value.length() - 1)) * 60_000;
            }
            return Double.parseDouble(value.substring(0, value.length() - 1)) * 1000;
        }
    }

    // ------------------------------------------------------------------------------------------ the stack

    /** The broker and app JVMs this harness started (or an app it was pointed at). */
    static final class Stack implements AutoCloseable {
        final URI url;
        final long appPid;
        final long brokerPid;
        final URI bareUrl;
        final long barePid;
        private final Process broker;
        private final Process app;
        private final Process bare;

        private Stack(URI url, Process broker, Process app, URI bareUrl) {
            this.url = url;
            this.broker = broker;
            this.app = app;
            this.bare = null;
            this.bareUrl = bareUrl;
            this.brokerPid = broker == null ? 0 : broker.pid();
            this.appPid = app == null ? 0 : app.pid();
            this.barePid = 0;
        }

        private Stack(Stack stack, Process bare, URI bareUrl) {
            this.url = stack.url;
            this.broker = stack.broker;
            this.app = stack.app;
            this.bare = bare;
            this.bareUrl = bareUrl;
            this.brokerPid = stack.brokerPid;
            this.appPid = stack.appPid;
            this.barePid = bare.pid();
        }

        static Stack running(URI url) {
            return new Stack(url, null, null, null);
        }

        static Stack start(Options options) throws Exception {
            Path dir = Files.createDirectories(Path.of("target", "bench"));
            String classpath = System.getProperty("java.class.path");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

            OUT.println("Starting the broker (log: " + dir.resolve("broker.log") + ") ...");
            Path bootstrapFile = dir.resolve("bootstrap.txt");
            Files.deleteIfExists(bootstrapFile);
            Process broker = new ProcessBuilder(java, "-Xms" + options.brokerHeap(), "-Xmx" + options.brokerHeap(),
                    "-cp", classpath, BenchBroker.class.getName(), bootstrapFile.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
            String bootstrap = awaitBootstrap(broker, bootstrapFile);

            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            // the app runs as it would in production: without the test classes (no logback-test.xml)
            String appClasspath = Arrays.stream(classpath.split(File.pathSeparator))
                    .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
            String partnerId = options.partner().substring(0, options.partner().indexOf(':'));
            OUT.println("Starting ingest-api with the bench profile on port " + port + " (log: "
                    + dir.resolve("app.log") + ") ...");
            List<String> command = new ArrayList<>(List.of(java, "-Xms" + options.appHeap(),
                    "-Xmx" + options.appHeap(), "-cp", appClasspath, "io.datapost.ingest.IngestApiApplication",
                    "--spring.profiles.active=bench", "--spring.kafka.bootstrap-servers=" + bootstrap,
                    "--server.port=" + port,
                    // the benchmark measures the path, not the partner's token bucket
                    "--datapost.ingest.rate-limits." + partnerId + ".per-second=1000000000",
                    "--datapost.ingest.rate-limits." + partnerId + ".burst=1000000000"));
            command.addAll(options.appArgs());
            if (!options.appArgs().isEmpty()) {
                OUT.println("App arguments: " + String.join(" ", options.appArgs()));
            }
            Process app = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("app.log").toFile()).start();
            Stack stack = new Stack(URI.create("http://127.0.0.1:" + port), broker, app, null);
            try {
                stack.awaitReady(options);
                if (options.bareMvc()) {
                    stack = stack.withBareMvc(java, classpath, bootstrap, options, dir);
                }
            } catch (Exception e) {
                stack.close();
                throw e;
            }
            return stack;
        }

        /** The same stack plus {@link BareMvcBaseline} in its own JVM (same heap as the app), ready. */
        private Stack withBareMvc(String java, String classpath, String bootstrap, Options options, Path dir)
                throws Exception {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            OUT.println("Starting the bare Spring MVC baseline on port " + port + " (log: "
                    + dir.resolve("bare-mvc.log") + ") ...");
            Process process = new ProcessBuilder(java, "-Xms" + options.appHeap(), "-Xmx" + options.appHeap(), "-cp",
                    classpath, BareMvcBaseline.class.getName(), String.valueOf(port), bootstrap)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("bare-mvc.log").toFile()).start();
            Stack stack = new Stack(this, process, URI.create("http://127.0.0.1:" + port));
            Target probe = new Target("probe", stack.bareUrl, "/kafka", null, leadOf1Kb(), true);
            long giveUp = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < giveUp && process.isAlive()) {
                try {
                    if (probe.probe()) {
                        return stack;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(250);
            }
            stack.close();
            throw new IllegalStateException("the bare Spring MVC baseline did not start; see target/bench/bare-mvc.log");
        }

        private static String awaitBootstrap(Process broker, Path bootstrapFile) throws Exception {
            long giveUp = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < giveUp && broker.isAlive()) {
                if (Files.exists(bootstrapFile)) {
                    String bootstrap = Files.readString(bootstrapFile).strip();
                    if (!bootstrap.isEmpty()) {
                        return bootstrap;
                    }
                }
                Thread.sleep(200);
            }
            broker.destroy();
            throw new IllegalStateException("The broker did not start; see target/bench/broker.log");
        }

        /** Until the lead path answers 2xx: the app is up and has read partners and event types. */
        private void awaitReady(Options options) throws Exception {
            String auth = "Basic " + Base64.getEncoder().encodeToString(options.partner().getBytes(StandardCharsets.UTF_8));
            Target probe = new Target("probe", url, "/v1/leads/" + options.eventType(), auth, leadOf1Kb());
            long giveUp = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < giveUp) {
                if (!app.isAlive()) {
                    throw new IllegalStateException("ingest-api exited; see target/bench/app.log");
                }
                try {
                    if (probe.probe()) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException("ingest-api not ready within 120 s; see target/bench/app.log");
        }

        /** CPU time so far of the JVM that serves {@code target}. */
        long cpuNanos(Target target) {
            return cpuNanos(target.bare ? bare : app);
        }

        long brokerCpuNanos() {
            return cpuNanos(broker);
        }

        private static long cpuNanos(Process process) {
            if (process == null) {
                return -1;
            }
            return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        }

        @Override
        public void close() throws Exception {
            if (bare != null) {
                bare.destroy();
                bare.waitFor(30, TimeUnit.SECONDS);
            }
            if (app != null) {
                app.destroy();
                app.waitFor(30, TimeUnit.SECONDS);
            }
            if (broker != null) {
                broker.getOutputStream().close();
                if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                    broker.destroy();
                    broker.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }
}
