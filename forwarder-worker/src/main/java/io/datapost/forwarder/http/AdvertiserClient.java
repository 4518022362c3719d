package io.datapost.forwarder.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.FailureClass;

/**
 * Sends one rendered request and reads the answer, bounded in time (the event type's call timeout) and in size
 * (the body limit). Never throws for a transport failure: it becomes the result's failure class.
 */
public final class AdvertiserClient implements AutoCloseable {

    private static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 3000;
    private static final int DEFAULT_CALL_TIMEOUT_MILLIS = 10000;
    private static final int MAX_FAILURE_MESSAGE = 500;
    private static final int POOL_KEEP_ALIVE_SECONDS = 4;

    private final OkHttpClient shared;
    private final int maxBodyBytes;
    private final List<String> recordedHeaders;
    private final Map<Timeouts, OkHttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param shared the one client whose connection pool every event type shares; see {@link #newSharedClient(int)}
     */
    public AdvertiserClient(OkHttpClient shared, int maxBodyBytes, List<String> recordedHeaders) {
        this.shared = shared;
        this.maxBodyBytes = maxBodyBytes;
        this.recordedHeaders = List.copyOf(recordedHeaders);
    }

    /** A shared client for a few calls at once (tests). */
    public static OkHttpClient newSharedClient() {
        return newSharedClient(64);
    }

    /**
     * The shared client. Redirects are not followed (a 3xx is the advertiser's answer) and OkHttp's own silent
     * retries are off, so every attempt is one request at most and the retry policy alone decides repeats.
     * Its dispatcher runs up to {@code maxCalls} calls at once, to any mix of hosts (the forwarder limits calls
     * per event type itself), and as many connections stay pooled, so a steady load reuses them. An idle
     * connection is dropped after {@value #POOL_KEEP_ALIVE_SECONDS} s, before common server idle timeouts (5 s):
     * a request written to a connection the server already closed fails after it was sent, which is not safe to
     * repeat for an advertiser that does not collapse repeats.
     */
    public static OkHttpClient newSharedClient(int maxCalls) {
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(maxCalls);
        dispatcher.setMaxRequestsPerHost(maxCalls);
        return new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(maxCalls, POOL_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS))
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .eventListenerFactory(AttemptTrace.LISTENER_FACTORY)
                .build();
    }

    /** The event type's own timeouts. */
    public static Timeouts timeoutsOf(AdvertiserRequest config) {
        int connect = config.getConnectTimeoutMillis() > 0 ? config.getConnectTimeoutMillis()
                : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        int call = config.getTimeoutMillis() > 0 ? config.getTimeoutMillis() : DEFAULT_CALL_TIMEOUT_MILLIS;
        return new Timeouts(Duration.ofMillis(connect), Duration.ofMillis(call), Duration.ofMillis(call));
    }

    /** Sends the request on this thread and returns once the answer was read (or the call failed). */
    public CallResult call(RenderedRequest rendered, AdvertiserRequest config) {
        return call(rendered, timeoutsOf(config), config.getMaxResponseBytes());
    }

    /** Sends the request on this thread and returns once the answer was read (or the call failed). */
    public CallResult call(RenderedRequest rendered, Timeouts timeouts) {
        return call(rendered, timeouts, null);
    }

    /**
     * Sends the request on this thread and returns once the answer was read (or the call failed).
     *
     * @param maxResponseBytes the event type's {@code request.maxResponseBytes}, or null: the answer is read up to
     *        the smaller of it and this client's limit
     */
    public CallResult call(RenderedRequest rendered, Timeouts timeouts, Integer maxResponseBytes) {
        int limit = limit(maxResponseBytes);
        AttemptTrace trace = new AttemptTrace();
        Call call = clientFor(timeouts).newCall(toOkHttp(rendered, trace));
        long start = System.nanoTime();
        try (Response response = call.execute()) {
            return read(response, start, limit);
        } catch (IOException e) {
            return failed(e, trace, start, null);
        }
    }

    /**
     * Sends the request without holding the caller's thread; {@code onResult} gets the result exactly once, on an
     * OkHttp thread, after the answer was read up to the limit (or the call failed). The whole-call timeout bounds
     * the reading too, so a trickling endless answer cannot hold the thread longer than that.
     */
    public void callAsync(RenderedRequest rendered, Timeouts timeouts, Consumer<CallResult> onResult) {
        callAsync(rendered, timeouts, null, onResult);
    }

    /**
     * As {@link #callAsync(RenderedRequest, Timeouts, Consumer)}, reading the answer up to the smaller of the event
     * type's {@code request.maxResponseBytes} (when not null) and this client's limit.
     */
    public void callAsync(RenderedRequest rendered, Timeouts timeouts, Integer maxResponseBytes,
            Consumer<CallResult> onResult) {
        int limit = limit(maxResponseBytes);
        AttemptTrace trace = new AttemptTrace();
        Call call = clientFor(timeouts).newCall(toOkHttp(rendered, trace));
        long start = System.nanoTime();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call failedCall, IOException e) {
                onResult.accept(failed(e, trace, start, null));
            }

            @Override
            public void onResponse(Call answered, Response response) {
                CallResult result;
                try (response) {
                    result = read(response, start, limit);
                } catch (IOException e) {
                    result = failed(e, trace, start, response.code());
                }
                onResult.accept(result);
            }
        });
    }

    /** This client's limit, lowered by an event type's own (a non-positive one is ignored). */
    int limit(Integer maxResponseBytes) {
        return maxResponseBytes != null && maxResponseBytes > 0 ? Math.min(maxBodyBytes, maxResponseBytes)
                : maxBodyBytes;
    }

    private CallResult read(Response response, long start, int limit) throws IOException {
        int status = response.code();
        String contentType = response.header("Content-Type");
        Map<String, String> headers = recordedHeaders(response);
        BodyRead read;
        try {
            read = readBounded(response.body().source(), limit);
        } catch (IOException e) {
            // the answer began but did not arrive in time (e.g. a trickling body): keep what is known
            FailureClass failureClass = classify(e, true);
            return new CallResult(failureClass, describe(e), status, contentType, headers, null, false,
                    millisSince(start), Instant.now(), null);
        }
        FailureClass failureClass = classify(status);
        return new CallResult(failureClass, failureClass == FailureClass.NONE ? null : "HTTP " + status, status,
                contentType, headers, read.bytes(), read.truncated(), millisSince(start), Instant.now(),
                retryAfter(response.header("Retry-After")));
    }

    private static CallResult failed(IOException e, AttemptTrace trace, long start, Integer status) {
        FailureClass failureClass = classify(e, trace.requestStarted());
        return new CallResult(failureClass, describe(e), status, null, Map.of(), null, false, millisSince(start),
                Instant.now(), null);
    }

    /** Cancels the calls still running and releases the shared client's threads and pooled connections. */
    @Override
    public void close() {
        shared.dispatcher().cancelAll();
        shared.dispatcher().executorService().shutdown();
        shared.connectionPool().evictAll();
    }

    /** 5xx and 429 are failures worth a retry; any other answer is for the validator to judge. */
    static FailureClass classify(int status) {
        if (status == 429) {
            return FailureClass.HTTP_429;
        }
        if (status >= 500) {
            return FailureClass.HTTP_5XX;
        }
        return FailureClass.NONE;
    }

    static FailureClass classify(IOException e, boolean requestStarted) {
        if (e instanceof ConnectException || e instanceof UnknownHostException || e instanceof NoRouteToHostException
                || !requestStarted) {
            return FailureClass.CONNECT;
        }
        if (e instanceof InterruptedIOException) {
            // SocketTimeoutException (read/write timeout) and OkHttp's call timeout
            return FailureClass.TIMEOUT;
        }
        return FailureClass.IO;
    }

    private OkHttpClient clientFor(Timeouts timeouts) {
        // newBuilder() shares the connection pool and dispatcher; one derived client per distinct set of timeouts
        return clients.computeIfAbsent(timeouts, t -> shared.newBuilder()
                .connectTimeout(t.connect())
                .readTimeout(t.read())
                .writeTimeout(t.total())
                .callTimeout(t.total())
                .build());
    }

    private static Request toOkHttp(RenderedRequest rendered, AttemptTrace trace) {
        Request.Builder builder = new Request.Builder().url(rendered.url()).tag(AttemptTrace.class, trace);
        rendered.headers().forEach(builder::header);
        RequestBody body = null;
        if (rendered.body() != null) {
            MediaType mediaType = rendered.contentType() == null ? null : MediaType.get(rendered.contentType());
            body = RequestBody.create(rendered.body(), mediaType);
        }
        return builder.method(rendered.method(), body).build();
    }

    /** Reads at most the limit, and one byte more to know whether there was more. */
    private static BodyRead readBounded(BufferedSource source, int limit) throws IOException {
        boolean more = source.request(limit + 1L);
        long available = Math.min(source.getBuffer().size(), limit);
        return new BodyRead(source.getBuffer().readByteArray(available), more);
    }

    private Map<String, String> recordedHeaders(Response response) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : recordedHeaders) {
            String value = response.header(name);
            if (value != null) {
                out.put(name, value);
            }
        }
        return out;
    }

    /** Retry-After as delta-seconds or as an HTTP-date (RFC 9110); null when absent or unreadable. */
    static Duration retryAfter(String header) {
        return retryAfter(header, Instant.now());
    }

    static Duration retryAfter(String header, Instant now) {
        if (header == null) {
            return null;
        }
        String value = header.trim();
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            // not seconds: an HTTP-date?
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.isBefore(now) ? Duration.ZERO : Duration.between(now, at);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String describe(IOException e) {
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return message.length() > MAX_FAILURE_MESSAGE ? message.substring(0, MAX_FAILURE_MESSAGE) : message;
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /**
     * @param connect most time to connect (a failure then is CONNECT: the advertiser cannot have seen the lead)
     * @param read most time between two reads of the answer
     * @param total the whole call, answer read included
     */
    public record Timeouts(Duration connect, Duration read, Duration total) {
    }

    private record BodyRead(byte[] bytes, boolean truncated) {
    }
}
