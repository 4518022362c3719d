package io.datapost.forwarder.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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

    private final OkHttpClient shared;
    private final int maxBodyBytes;
    private final List<String> recordedHeaders;
    private final Map<Timeouts, OkHttpClient> clients = new ConcurrentHashMap<>();

    /**
     * @param shared the one client whose connection pool every event type shares; see {@link #newSharedClient()}
     */
    public AdvertiserClient(OkHttpClient shared, int maxBodyBytes, List<String> recordedHeaders) {
        this.shared = shared;
        this.maxBodyBytes = maxBodyBytes;
        this.recordedHeaders = List.copyOf(recordedHeaders);
    }

    /**
     * The shared client. Redirects are not followed (a 3xx is the advertiser's answer) and OkHttp's own silent
     * retries are off, so every attempt is one request at most and the retry policy alone decides repeats.
     */
    public static OkHttpClient newSharedClient() {
        return new OkHttpClient.Builder()
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .eventListenerFactory(AttemptTrace.LISTENER_FACTORY)
                .build();
    }

    public CallResult call(RenderedRequest rendered, AdvertiserRequest config) {
        OkHttpClient client = clientFor(config);
        AttemptTrace trace = new AttemptTrace();
        Request request = toOkHttp(rendered, trace);
        long start = System.nanoTime();
        Integer status = null;
        String contentType = null;
        Map<String, String> headers = Map.of();
        try (Response response = client.newCall(request).execute()) {
            status = response.code();
            contentType = response.header("Content-Type");
            headers = recordedHeaders(response);
            BodyRead read = readBounded(response.body().source());
            FailureClass failureClass = classify(status);
            return new CallResult(failureClass, failureClass == FailureClass.NONE ? null : "HTTP " + status, status,
                    contentType, headers, read.bytes(), read.truncated(), millisSince(start), Instant.now(),
                    retryAfter(response.header("Retry-After")));
        } catch (IOException e) {
            FailureClass failureClass = classify(e, trace.requestStarted());
            return new CallResult(failureClass, describe(e), status, contentType, headers, null, false,
                    millisSince(start), Instant.now(), null);
        }
    }

    /** Releases the shared client's threads and pooled connections. */
    @Override
    public void close() {
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

    private OkHttpClient clientFor(AdvertiserRequest config) {
        int connect = config.getConnectTimeoutMillis() > 0 ? config.getConnectTimeoutMillis()
                : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        int call = config.getTimeoutMillis() > 0 ? config.getTimeoutMillis() : DEFAULT_CALL_TIMEOUT_MILLIS;
        // newBuilder() shares the connection pool and dispatcher; one derived client per distinct pair of timeouts
        return clients.computeIfAbsent(new Timeouts(connect, call), t -> shared.newBuilder()
                .connectTimeout(t.connectMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(t.callMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(t.callMillis(), TimeUnit.MILLISECONDS)
                .callTimeout(t.callMillis(), TimeUnit.MILLISECONDS)
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
    private BodyRead readBounded(BufferedSource source) throws IOException {
        boolean more = source.request(maxBodyBytes + 1L);
        long available = Math.min(source.getBuffer().size(), maxBodyBytes);
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

    /** Retry-After in delta-seconds; an HTTP-date is ignored (the back-off applies). */
    static Duration retryAfter(String header) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
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

    private record Timeouts(int connectMillis, int callMillis) {
    }

    private record BodyRead(byte[] bytes, boolean truncated) {
    }
}
