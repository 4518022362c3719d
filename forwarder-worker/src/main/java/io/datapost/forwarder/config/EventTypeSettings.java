package io.datapost.forwarder.config;

import java.time.Duration;

/**
 * How the forwarder treats one event type's advertiser, resolved from {@link ForwarderProperties}.
 *
 * @param maxInFlight calls in progress at once for this event type
 * @param connectTimeout overrides the event type's {@code request.connectTimeoutMillis}, or null
 * @param readTimeout most time between two reads of the answer, or null for the whole-call timeout
 * @param totalTimeout overrides the event type's {@code request.timeoutMillis} (whole call), or null
 * @param retryBackoffBase first delay between attempts
 * @param retryBackoffMax cap of the exponential back-off
 * @param retryAfterMax cap of an advertiser's Retry-After
 * @param circuit when calls to the advertiser stop for a while
 */
public record EventTypeSettings(int maxInFlight, Duration connectTimeout, Duration readTimeout,
        Duration totalTimeout, Duration retryBackoffBase, Duration retryBackoffMax, Duration retryAfterMax,
        CircuitSettings circuit) {

    /** Defaults for tests and tools: 64 calls, timeouts from the event type, 200 ms..5 s back-off. */
    public static EventTypeSettings defaults() {
        return new EventTypeSettings(64, null, null, null, Duration.ofMillis(200), Duration.ofSeconds(5),
                Duration.ofMinutes(5), new CircuitSettings(50, 20, 10, Duration.ofSeconds(30), 1));
    }

    public EventTypeSettings withMaxInFlight(int value) {
        return new EventTypeSettings(value, connectTimeout, readTimeout, totalTimeout, retryBackoffBase,
                retryBackoffMax, retryAfterMax, circuit);
    }

    public EventTypeSettings withBackoff(Duration base, Duration max) {
        return new EventTypeSettings(maxInFlight, connectTimeout, readTimeout, totalTimeout, base, max, retryAfterMax,
                circuit);
    }

    public EventTypeSettings withRetryAfterMax(Duration value) {
        return new EventTypeSettings(maxInFlight, connectTimeout, readTimeout, totalTimeout, retryBackoffBase,
                retryBackoffMax, value, circuit);
    }

    public EventTypeSettings withCircuit(CircuitSettings value) {
        return new EventTypeSettings(maxInFlight, connectTimeout, readTimeout, totalTimeout, retryBackoffBase,
                retryBackoffMax, retryAfterMax, value);
    }

    public EventTypeSettings withReadTimeout(Duration value) {
        return new EventTypeSettings(maxInFlight, connectTimeout, value, totalTimeout, retryBackoffBase,
                retryBackoffMax, retryAfterMax, circuit);
    }
}
