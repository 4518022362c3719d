package io.datapost.ingest.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Posts leads the way a partner's software does: real HTTP, exact bytes, exact Content-Type. */
public final class PartnerClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String baseUrl;

    public PartnerClient(int port) {
        this.baseUrl = "http://127.0.0.1:" + port;
    }

    public static String basic(String partnerId, String key) {
        return "Basic " + Base64.getEncoder().encodeToString((partnerId + ":" + key).getBytes(StandardCharsets.UTF_8));
    }

    public static String bearer(String key) {
        return "Bearer " + key;
    }

    public record Answer(int status, HttpHeaders headers, String body, Duration took) {

        public String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    /** A post builder; headers are sent exactly as given. */
    public final class Post {
        private final String eventTypeId;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private byte[] body = new byte[0];
        private boolean chunked;
        private String query;
        private final java.util.List<String[]> repeated = new java.util.ArrayList<>();

        private Post(String eventTypeId) {
            this.eventTypeId = eventTypeId;
        }

        public Post header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** One more header line, also when a header of that name is already there. */
        public Post addHeader(String name, String value) {
            repeated.add(new String[] {name, value});
            return this;
        }

        public Post authorization(String value) {
            return header("Authorization", value);
        }

        public Post body(String contentType, byte[] bytes) {
            header("Content-Type", contentType);
            body = bytes;
            return this;
        }

        public Post body(String contentType, String text) {
            return body(contentType, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Sends the body without a Content-Length (chunked), as streaming clients do. */
        public Post chunked() {
            chunked = true;
            return this;
        }

        /** Adds a raw (already encoded) query string, e.g. {@code wait=PT5S}. */
        public Post query(String rawQuery) {
            query = rawQuery;
            return this;
        }

        public Answer send() {
            HttpRequest.BodyPublisher publisher = chunked
                    ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                    : HttpRequest.BodyPublishers.ofByteArray(body);
            String uri = baseUrl + "/v1/leads/" + eventTypeId + (query == null ? "" : "?" + query);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri))
                    .timeout(Duration.ofSeconds(30)).POST(publisher);
            headers.forEach(request::header);
            repeated.forEach(h -> request.header(h[0], h[1]));
            return exchange(request.build());
        }
    }

    public Post post(String eventTypeId) {
        return new Post(eventTypeId);
    }

    public Answer get(String path) {
        return exchange(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    /** Any method without a body, with the given headers (name, value, name, value...). */
    public Answer send(String method, String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return exchange(request.build());
    }

    private static Answer exchange(HttpRequest request) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(response.statusCode(), response.headers(), response.body(),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            throw new IllegalStateException("HTTP exchange failed: " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
