package io.datapost.forwarder.http;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import okhttp3.HttpUrl;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.LeadSubmitted;

/**
 * Turns a lead and its event type's request description into the exact HTTP request for one attempt.
 * Pure: no I/O, the same inputs give the same request (fields are sorted by name so every attempt of a lead
 * sends identical bytes).
 */
public final class AdvertiserRequestRenderer {

    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    public static final String IDEMPOTENCY_KEY_PREFIX = "dp-";
    public static final String JSON_CONTENT_TYPE = "application/json; charset=UTF-8";
    public static final String FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

    private static final String USER_AGENT = "datapost-forwarder";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The idempotency key of a submission: the same on every attempt and after a crash, so an advertiser that
     * collapses repeats by it sees one lead.
     */
    public static String idempotencyKey(String submissionId) {
        return IDEMPOTENCY_KEY_PREFIX + submissionId;
    }

    /**
     * @param requestId this attempt's own id, sent as {@value #REQUEST_ID_HEADER}
     * @throws RequestRenderException when the request cannot be sent safely
     */
    public RenderedRequest render(LeadSubmitted lead, AdvertiserRequest config, String requestId) {
        Map<String, String> fields = mapFields(lead.getFields(), config.getFieldMapping());
        String method = config.getMethod() == null ? "POST" : config.getMethod().trim().toUpperCase(Locale.ROOT);
        if (!method.equals("GET") && !method.equals("POST") && !method.equals("PUT")) {
            throw new RequestRenderException("Unsupported method '" + method + "' (GET, POST or PUT)");
        }
        String format = config.getBodyFormat() == null ? "JSON"
                : config.getBodyFormat().trim().toUpperCase(Locale.ROOT);
        if (!format.equals("JSON") && !format.equals("FORM") && !format.equals("NONE")) {
            throw new RequestRenderException("Unsupported body format '" + format + "' (JSON, FORM or NONE)");
        }
        HttpUrl base = HttpUrl.parse(config.getUrl() == null ? "" : config.getUrl());
        if (base == null) {
            throw new RequestRenderException("The event type's URL is not an absolute http(s) URL");
        }

        boolean inQuery = method.equals("GET") || format.equals("NONE");
        HttpUrl url = base;
        byte[] body = null;
        String contentType = null;
        if (inQuery) {
            HttpUrl.Builder withQuery = base.newBuilder();
            fields.forEach(withQuery::addQueryParameter);
            url = withQuery.build();
            if (!method.equals("GET")) {
                body = new byte[0];
            }
        } else if (format.equals("JSON")) {
            body = json(fields);
            contentType = JSON_CONTENT_TYPE;
        } else {
            body = form(fields);
            contentType = FORM_CONTENT_TYPE;
        }

        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", USER_AGENT);
        config.getHeaders().forEach((name, value) -> putHeader(headers, name, value));
        String idempotencyHeader = config.getIdempotencyHeader();
        if (idempotencyHeader != null && !idempotencyHeader.isBlank()) {
            putHeader(headers, idempotencyHeader.trim(), idempotencyKey(lead.getSubmissionId()));
        }
        putHeader(headers, REQUEST_ID_HEADER, requestId);
        return new RenderedRequest(method, url, headers, body, contentType, requestId);
    }

    /** Advertiser name -> lead field; an empty mapping sends the lead's fields as they are. */
    static Map<String, String> mapFields(Map<String, String> leadFields, Map<String, String> mapping) {
        Map<String, String> out = new TreeMap<>();
        if (mapping == null || mapping.isEmpty()) {
            out.putAll(leadFields);
            return out;
        }
        mapping.forEach((advertiserName, leadField) -> {
            String value = leadFields.get(leadField);
            if (value != null) {
                out.put(advertiserName, value);
            }
        });
        return out;
    }

    private static byte[] json(Map<String, String> fields) {
        try {
            return JSON.writeValueAsBytes(fields);
        } catch (JacksonException e) {
            throw new RequestRenderException("Cannot write the lead as JSON: " + e.getClass().getSimpleName());
        }
    }

    /** application/x-www-form-urlencoded: UTF-8 bytes, percent-encoded, space as '+'. */
    private static byte[] form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((name, value) -> {
            if (!out.isEmpty()) {
                out.append('&');
            }
            out.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        });
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Header names must be HTTP tokens and values printable ASCII (or tab): a CR or LF in a value would split it
     * into a second header line (header injection), so such a request is refused rather than sent.
     */
    private static void putHeader(Map<String, String> headers, String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(AdvertiserRequestRenderer::isTokenChar)) {
            throw new RequestRenderException("Invalid header name '" + printable(name) + "'");
        }
        if (value == null) {
            throw new RequestRenderException("Header " + name + " has no value");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < 0x20 || c > 0x7e)) {
                throw new RequestRenderException(String.format(Locale.ROOT,
                        "Header %s has a forbidden character 0x%02x at index %d", name, (int) c, i));
            }
        }
        headers.keySet().removeIf(existing -> existing.equalsIgnoreCase(name));
        headers.put(name, value);
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static String printable(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        name.chars().limit(64).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format(Locale.ROOT, "\\x%02x", c)));
        return out.toString();
    }
}
