package io.datapost.ingest.server;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

import tools.jackson.databind.json.JsonMapper;

/**
 * The RFC 9457 body of every error the container answers itself (Tomcat's valve, the error page): the same
 * members Spring MVC writes for a {@code ProblemDetail} ({@code title}, {@code status}, {@code detail},
 * {@code instance} when known; no {@code type}, which RFC 9457 then reads as {@code about:blank}). The detail is a
 * fixed text per status: never a parser message, a stack trace or anything the client sent.
 */
public final class ProblemJson {

    public static final String CONTENT_TYPE = "application/problem+json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemJson() {
    }

    public static byte[] body(int status, String instance) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("title", title(status));
        problem.put("status", status);
        problem.put("detail", detail(status));
        if (instance != null) {
            problem.put("instance", instance);
        }
        return JSON.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
    }

    public static String title(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "Error" : known.getReasonPhrase();
    }

    /** A fixed, safe explanation per status. */
    public static String detail(int status) {
        return switch (status) {
            case 400 -> "The request could not be parsed (request line, path encoding, headers or body framing).";
            case 404 -> "Nothing is served at this path.";
            case 405 -> "This method is not allowed here.";
            case 408 -> "The request body did not arrive in time; the connection is closed.";
            case 413 -> "The request is too large.";
            case 414 -> "The request line is too long.";
            case 431 -> "The request header section is too large.";
            case 500 -> "An unexpected error occurred and has been logged. A lead may or may not have been stored: "
                    + "retry with the same Idempotency-Key.";
            case 501 -> "A transfer coding or method of this request is not implemented.";
            case 503 -> "The service is not available right now.";
            case 505 -> "Only HTTP/1.0 and HTTP/1.1 are supported.";
            default -> title(status) + ".";
        };
    }
}
