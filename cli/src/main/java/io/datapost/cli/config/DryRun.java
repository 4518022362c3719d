package io.datapost.cli.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.RenderedRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.ResponseText;
import io.datapost.validator.rules.VerdictClassifier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * {@code datapost config test}: what the forwarder would send for a lead, and what the validator would conclude
 * from a saved answer, with the services' own renderer and classifier, without Kafka and without calling anyone.
 * Secret values are masked in what is printed.
 */
final class DryRun {

    static final String SUBMISSION_ID = "dry-run";
    static final String REQUEST_ID = "dry-run-1";
    private static final String MASK = "****";
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** A saved advertiser answer. */
    record SavedResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
    }

    private DryRun() {
    }

    /** The lead's fields: a YAML or JSON mapping of name to value (or such a mapping under {@code fields:}). */
    static Map<String, String> readLead(Path file) throws IOException {
        JsonNode root = readYaml(file);
        if (root.has("fields") && root.get("fields").isObject() && root.size() == 1) {
            root = root.get("fields");
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a mapping of lead field names to values");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (!entry.getValue().isValueNode() || entry.getValue().isNull()) {
                throw new IllegalArgumentException(file + ": field " + entry.getKey() + " must be a text value");
            }
            fields.put(entry.getKey(), entry.getValue().asString());
        }
        return fields;
    }

    /**
     * A saved answer, either as the raw HTTP message ({@code HTTP/1.1 200 OK}, header lines, a blank line, the
     * body bytes as they are) or as YAML ({@code status}, {@code content_type}, {@code headers}, {@code body},
     * the body encoded in the content type's charset, as in the advertiser cases).
     */
    static SavedResponse readResponse(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String start = new String(bytes, 0, Math.min(bytes.length, 5), StandardCharsets.ISO_8859_1);
        return start.startsWith("HTTP/") ? rawResponse(file, bytes) : yamlResponse(file);
    }

    private static SavedResponse rawResponse(Path file, byte[] bytes) {
        int headEnd = -1;
        int bodyStart = bytes.length;
        for (int i = 0; i < bytes.length - 1; i++) {
            if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
                headEnd = i;
                bodyStart = i + 2;
                break;
            }
            if (i < bytes.length - 3 && bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r'
                    && bytes[i + 3] == '\n') {
                headEnd = i;
                bodyStart = i + 4;
                break;
            }
        }
        String head = new String(bytes, 0, headEnd < 0 ? bytes.length : headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n");
        String[] statusLine = lines[0].trim().split(" +", 3);
        if (statusLine.length < 2 || !statusLine[1].matches("\\d{3}")) {
            throw new IllegalArgumentException(file + ": line 1 must be a status line such as HTTP/1.1 200 OK");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        String contentType = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(file + ": line " + (i + 1) + " is not a header (Name: value)");
            }
            String name = lines[i].substring(0, colon).trim();
            String value = lines[i].substring(colon + 1).trim();
            headers.put(name, value);
            if (name.equalsIgnoreCase("Content-Type")) {
                contentType = value;
            }
        }
        byte[] body = new byte[bytes.length - bodyStart];
        System.arraycopy(bytes, bodyStart, body, 0, body.length);
        return new SavedResponse(Integer.parseInt(statusLine[1]), contentType, headers, body);
    }

    private static SavedResponse yamlResponse(Path file) throws IOException {
        JsonNode root = readYaml(file);
        JsonNode status = root.get("status");
        if (status == null || !status.isIntegralNumber()) {
            throw new IllegalArgumentException(file + ": status (a number such as 200) is required");
        }
        JsonNode type = root.has("content_type") ? root.get("content_type") : root.get("contentType");
        String contentType = type == null || type.isNull() ? null : type.asString();
        Map<String, String> headers = new LinkedHashMap<>();
        if (root.has("headers") && root.get("headers").isObject()) {
            root.get("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asString()));
        }
        if (contentType != null) {
            headers.putIfAbsent("Content-Type", contentType);
        }
        JsonNode body = root.get("body");
        Charset charset = ResponseText.charset(contentType);
        byte[] bytes = body == null || body.isNull() ? new byte[0] : body.asString().getBytes(charset);
        return new SavedResponse(status.intValue(), contentType, headers, bytes);
    }

    private static JsonNode readYaml(Path file) throws IOException {
        try {
            return YAML.readTree(file.toFile());
        } catch (JacksonException e) {
            String reason = e.getOriginalMessage() == null ? e.getClass().getSimpleName()
                    : e.getOriginalMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException(file + ": not valid YAML/JSON: " + reason);
        }
    }

    static LeadSubmitted lead(EventType eventType, Map<String, String> fields) {
        return LeadSubmitted.newBuilder().setSubmissionId(SUBMISSION_ID).setEventTypeId(eventType.getId())
                .setPartnerId("dry-run").setFields(fields).setReceivedAt(Instant.EPOCH).build();
    }

    /**
     * The request to print: rendered again with every secret that is set replaced by {@link #MASK} where the event
     * type inserts it, so a secret is hidden exactly there (masking its text everywhere afterwards would also
     * garble other text that happens to contain it, and show where it occurs, for a short secret).
     *
     * @param environment where the real secrets are (only whether each is set is used)
     */
    static AdvertiserRequestRenderer.Rendering forDisplay(LeadSubmitted lead, EventType eventType,
            Function<String, String> environment) {
        return new AdvertiserRequestRenderer(name -> environment.apply(name) == null ? null : MASK)
                .renderTracked(lead, eventType, REQUEST_ID);
    }

    /** The request as it would go on the wire (HTTP/1.1 form), secrets masked. */
    static String describe(AdvertiserRequestRenderer.Rendering rendering) {
        RenderedRequest request = rendering.request();
        Set<String> secrets = rendering.secretValues();
        StringBuilder out = new StringBuilder();
        out.append(request.method()).append(' ').append(mask(request.url().toString(), secrets)).append('\n');
        request.headers().forEach((name, value) -> {
            String shown = name.equalsIgnoreCase("Authorization") && value.startsWith("Basic ") && !secrets.isEmpty()
                    ? "Basic " + MASK : mask(value, secrets);
            out.append(name).append(": ").append(shown).append('\n');
        });
        if (request.body() != null) {
            if (request.contentType() != null) {
                out.append("Content-Type: ").append(request.contentType()).append('\n');
            }
            out.append("Content-Length: ").append(request.body().length).append('\n');
            out.append('\n').append(mask(new String(request.body(), StandardCharsets.UTF_8), secrets)).append('\n');
        }
        return out.toString();
    }

    private static String mask(String text, Set<String> secrets) {
        String out = text;
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                out = out.replace(secret, MASK);
                out = out.replace(AdvertiserRequestRenderer.percentEncode(secret), MASK);
            }
        }
        return out;
    }

    /** The saved answer as the forwarder would record it (5xx and 429 get their failure class). */
    static AdvertiserResponse response(EventType eventType, SavedResponse saved) {
        FailureClass failure = saved.status() == 429 ? FailureClass.HTTP_429
                : saved.status() >= 500 ? FailureClass.HTTP_5XX : FailureClass.NONE;
        int limit = eventType.getRequest() != null && eventType.getRequest().getMaxResponseBytes() != null
                ? eventType.getRequest().getMaxResponseBytes() : Integer.MAX_VALUE;
        boolean truncated = saved.body().length > limit;
        byte[] body = truncated ? java.util.Arrays.copyOf(saved.body(), limit) : saved.body();
        return AdvertiserResponse.newBuilder().setSubmissionId(SUBMISSION_ID).setEventTypeId(eventType.getId())
                .setPartnerId("dry-run").setAttempt(1).setFinalAttempt(true).setRequestId(REQUEST_ID)
                .setFailureClass(failure).setFailureMessage(failure == FailureClass.NONE ? null : "HTTP " + saved.status())
                .setHttpStatus(saved.status()).setContentType(saved.contentType()).setHeaders(saved.headers())
                .setBody(ByteBuffer.wrap(body)).setBodyTruncated(truncated).setLatencyMillis(0)
                .setRespondedAt(Instant.EPOCH).build();
    }

    static String describe(EventType eventType, AdvertiserResponse response, Classification result) {
        StringBuilder out = new StringBuilder();
        out.append("answer: HTTP ").append(response.getHttpStatus())
                .append(response.getContentType() == null ? "" : " (" + response.getContentType() + ")")
                .append(", ").append(response.getBody().remaining()).append(" bytes")
                .append(response.getBodyTruncated() ? " (truncated at request.maxResponseBytes)" : "").append('\n');
        out.append(String.format(Locale.ROOT, "verdict:  %s%n", result.verdict()));
        out.append(String.format(Locale.ROOT, "orderId:  %s%n", orDash(result.orderId())));
        out.append(String.format(Locale.ROOT, "amount:   %s%n", result.amount() == null ? "-"
                : result.amount().toPlainString() + " " + eventType.getCurrency()
                        + (result.amountDefaulted() ? " (the event type's defaultPrice: the answer has none)" : "")));
        out.append(String.format(Locale.ROOT, "reason:   %s%n", orDash(result.reason())));
        if (result.extras().isEmpty()) {
            out.append("extras:   -\n");
        } else {
            new java.util.TreeMap<>(result.extras()).forEach((name, value) ->
                    out.append(String.format(Locale.ROOT, "extras.%s: %s%n", name, value)));
        }
        return out.toString();
    }

    static Classification classify(EventType eventType, AdvertiserResponse response) {
        return new VerdictClassifier().classify(eventType, response);
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }
}
