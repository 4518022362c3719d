package io.datapost.forwarder.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.datapost.schemas.FailureClass;

/**
 * What one advertiser call gave.
 *
 * @param failureClass NONE when an HTTP answer other than 5xx/429 came back
 * @param failureMessage why the call failed, or null
 * @param httpStatus the status, or null when no answer came
 * @param contentType the answer's Content-Type, or null
 * @param headers the recorded answer headers
 * @param body up to the body limit of the answer, or null when no answer came
 * @param bodyTruncated true when the answer had more than the limit
 * @param latencyMillis from the start of the call to the end of reading
 * @param respondedAt when the call ended
 * @param retryAfter the answer's Retry-After in seconds, or null
 */
public record CallResult(FailureClass failureClass, String failureMessage, Integer httpStatus, String contentType,
        Map<String, String> headers, byte[] body, boolean bodyTruncated, long latencyMillis, Instant respondedAt,
        Duration retryAfter) {
}
