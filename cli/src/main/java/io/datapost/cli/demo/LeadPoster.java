package io.datapost.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Posts leads to ingest-api the way a partner integration does: JSON over a few concurrent keep-alive
 * connections, HTTP Basic credentials, an {@code Idempotency-Key} per lead, and a retry with the SAME key when
 * a try gets no answer or a 5xx (ingest then answers with the same submission id), and after the
 * {@code Retry-After} ingest gives with a 429 (the partner's rate limit) or a 503.
 */
public final class LeadPoster implements AutoCloseable {

    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_TRIES = 6;
    private static final long MAX_RETRY_AFTER_MILLIS = 10_000;

    private final OkHttpClient client;
    private final URI endpoint;
    private final String authorization;
    private final int connections;

    /** @param endpoint e.g. {@code http://127.0.0.1:8080/v1/leads/insurance-quote} */
    public LeadPoster(URI endpoint, String partnerId, String apiKey, int connections) {
        this.endpoint = endpoint;
        this.connections = connections;
        this.authorization = Credentials.basic(partnerId, apiKey);
        Dispatcher dispatcher = new Dispatcher();
        dispatcher.setMaxRequests(connections);
        dispatcher.setMaxRequestsPerHost(connections);
        this.client = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(new ConnectionPool(connections, 1, TimeUnit.MINUTES))
                .connectTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(30))
                .retryOnConnectionFailure(false) // retries are ours, with the same idempotency key
                .build();
    }

    /**
     * Posts every lead, {@code connections} at a time.
     *
     * @param keyPrefix makes the idempotency keys of this run unique: {@code <prefix>-<line>}
     * @param progress  called with the number of leads done so far
     */
    public List<Posting> postAll(List<String> leads, String keyPrefix, IntConsumer progress)
            throws InterruptedException {
        Posting[] results = new Posting[leads.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < connections; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < leads.size(); i = next.getAndIncrement()) {
                        results[i] = post(i + 1, keyPrefix + "-" + (i + 1), leads.get(i));
                        progress.accept(done.incrementAndGet());
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("posting failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return List.of(results);
    }

    Posting post(int line, String key, String body) throws InterruptedException {
        Instant postedAt = Instant.now();
        int status = Posting.NO_RESPONSE;
        String submissionId = null;
        int tries = 0;
        while (tries < MAX_TRIES) {
            tries++;
            long pauseMillis = 200L * tries;
            Request request = new Request.Builder().url(endpoint.toString())
                    .header("Authorization", authorization)
                    .header("Idempotency-Key", key)
                    .post(RequestBody.create(body, JSON_TYPE))
                    .build();
            try (Response response = client.newCall(request).execute()) {
                status = response.code();
                String text = response.body().string();
                if (status == 202) {
                    submissionId = submissionId(text, response.header("Location"));
                }
                if (status == 429 || status == 503) {
                    pauseMillis = retryAfterMillis(response.header("Retry-After"), pauseMillis);
                } else if (status < 500) {
                    break;
                }
            } catch (IOException e) {
                status = Posting.NO_RESPONSE;
            }
            if (tries < MAX_TRIES) {
                Thread.sleep(pauseMillis);
            }
        }
        return new Posting(line, key, status, submissionId, postedAt, tries);
    }

    /** A Retry-After in seconds (the form ingest sends), capped; otherwise the fallback. */
    static long retryAfterMillis(String retryAfter, long fallbackMillis) {
        if (retryAfter == null) {
            return fallbackMillis;
        }
        try {
            long seconds = Long.parseLong(retryAfter.trim());
            return seconds < 0 ? fallbackMillis : Math.min(seconds * 1000, MAX_RETRY_AFTER_MILLIS);
        } catch (NumberFormatException e) {
            return fallbackMillis;
        }
    }

    /** ingest answers {@code {"submissionId": ..., "statusUrl": ...}}; the Location header ends with the id too. */
    static String submissionId(String body, String location) {
        try {
            JsonNode json = JSON.readTree(body);
            for (String field : List.of("submissionId", "submission_id", "id")) {
                if (json != null && json.hasNonNull(field)) {
                    return json.get(field).asString();
                }
            }
        } catch (JacksonException e) {
            // fall back to the Location header
        }
        if (location != null && location.contains("/")) {
            return location.substring(location.lastIndexOf('/') + 1);
        }
        return null;
    }

    @Override
    public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
    }
}
