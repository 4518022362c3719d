package io.datapost.forwarder.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import okhttp3.HttpUrl;

/**
 * One advertiser request, ready to send.
 *
 * @param method GET, POST or PUT
 * @param url the full URL, query string included
 * @param headers headers to send, in order; values are validated printable ASCII
 * @param body the body bytes, or null for GET; empty when the fields travel in the query string
 * @param contentType the body's media type, or null when there is no body
 * @param requestId this attempt's id (also in {@code X-Request-Id})
 */
public record RenderedRequest(String method, HttpUrl url, Map<String, String> headers, byte[] body,
        String contentType, String requestId) {

    public RenderedRequest {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }
}
