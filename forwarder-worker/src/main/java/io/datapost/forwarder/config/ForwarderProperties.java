package io.datapost.forwarder.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the forwarder, under {@code datapost.forwarder}.
 *
 * @param groupId consumer group of the leads consumer
 * @param maxInFlight advertiser calls in progress at once in this worker, all event types together
 * @param maxPendingLeads leads held in memory at once (waiting for a slot, a circuit, a retry, or in a call); the
 *        leads consumer pauses above it
 * @param commitInterval how often offsets are committed (up to the lowest unfinished lead of each partition)
 * @param maxBodyBytes the most of an advertiser's answer that is read and kept
 * @param retryBackoffBase first delay between attempts; doubles per attempt, with jitter (per event type:
 *        {@code event-types.<id>.retry-backoff-base})
 * @param retryBackoffMax cap of the exponential back-off between attempts
 * @param retryAfterMax cap of an advertiser's Retry-After (which is otherwise honoured as given)
 * @param recordedResponseHeaders response headers copied into each {@code AdvertiserResponse}
 * @param sendTimeout how long to wait for Kafka to acknowledge a dead letter
 * @param errorRetryInterval delay before publishing again a response or dead letter Kafka did not acknowledge
 * @param unknownEventTypeGrace how long a lead waits for its event type to appear before it is dead-lettered
 *        (covers the moment between a config change and this instance seeing it)
 * @param configCatchUpTimeout how long start-up waits to read the event types; the app fails to start after it
 * @param topicReplicationFactor replication of the topics this service creates when they are missing
 * @param shutdownTimeout how long a stop (or a partition revocation) waits for the advertiser calls in flight
 * @param skipFinishedLeads on partition assignment, read the responses written since the oldest unfinished lead
 *        and skip leads that already have a final response (bounds the calls a crash repeats)
 * @param skipLookbackMargin clock skew allowed between lead and response timestamps for that read
 * @param skipIndexMaxEntries most submissions that read keeps in memory per assignment; also the most submission
 *        ids remembered per partition to skip a repeated lead (same submission id)
 * @param dedupeWindow how long a submission id in flight or finished is remembered per partition: a second lead
 *        with that id within it is skipped (no second advertiser call)
 * @param eventTypeDefaults per-event-type settings used when {@code event-types.<id>} does not override them
 * @param eventTypes per-event-type overrides, by event type id
 */
@ConfigurationProperties("datapost.forwarder")
@Validated
public record ForwarderProperties(
        @DefaultValue("datapost-forwarder") @NotBlank String groupId,
        @DefaultValue("256") @Min(1) int maxInFlight,
        @DefaultValue("4096") @Min(1) int maxPendingLeads,
        @DefaultValue("200ms") @NotNull Duration commitInterval,
        @DefaultValue("262144") @Min(1) int maxBodyBytes,
        @DefaultValue("200ms") @NotNull Duration retryBackoffBase,
        @DefaultValue("5s") @NotNull Duration retryBackoffMax,
        @DefaultValue("5m") @NotNull Duration retryAfterMax,
        @DefaultValue({"Content-Type", "Retry-After"}) @NotNull List<String> recordedResponseHeaders,
        @DefaultValue("30s") @NotNull Duration sendTimeout,
        @DefaultValue("500ms") @NotNull Duration errorRetryInterval,
        @DefaultValue("1s") @NotNull Duration unknownEventTypeGrace,
        @DefaultValue("60s") @NotNull Duration configCatchUpTimeout,
        @DefaultValue("1") @Min(1) @Max(Short.MAX_VALUE) int topicReplicationFactor,
        @DefaultValue("10s") @NotNull Duration shutdownTimeout,
        @DefaultValue("true") boolean skipFinishedLeads,
        @DefaultValue("5m") @NotNull Duration skipLookbackMargin,
        @DefaultValue("200000") @Min(1) int skipIndexMaxEntries,
        @DefaultValue("P7D") @NotNull Duration dedupeWindow,
        @DefaultValue @Valid @NotNull EventTypeDefaults eventTypeDefaults,
        @DefaultValue @NotNull Map<String, @Valid EventTypeOverrides> eventTypes) {

    public ForwarderProperties {
        requireBackoffOrder("datapost.forwarder", retryBackoffBase, retryBackoffMax);
        if (eventTypes != null) {
            eventTypes = Map.copyOf(eventTypes);
        }
    }

    /** The settings in force for one event type: its overrides, else the defaults. */
    public EventTypeSettings settingsFor(String eventTypeId) {
        EventTypeOverrides o = eventTypes.getOrDefault(eventTypeId, EventTypeOverrides.NONE);
        EventTypeDefaults d = eventTypeDefaults;
        Duration base = pick(o.retryBackoffBase(), retryBackoffBase);
        Duration max = pick(o.retryBackoffMax(), retryBackoffMax);
        requireBackoffOrder("datapost.forwarder.event-types." + eventTypeId, base, max);
        return new EventTypeSettings(
                Math.min(pick(o.maxInFlight(), d.maxInFlight()), maxInFlight),
                o.connectTimeout(), o.readTimeout() != null ? o.readTimeout() : d.readTimeout(), o.totalTimeout(),
                base, max, pick(o.retryAfterMax(), retryAfterMax),
                new CircuitSettings(
                        pick(o.circuitFailureRate(), d.circuitFailureRate()),
                        pick(o.circuitWindow(), d.circuitWindow()),
                        pick(o.circuitMinimumCalls(), d.circuitMinimumCalls()),
                        pick(o.circuitOpenDuration(), d.circuitOpenDuration()),
                        pick(o.circuitHalfOpenCalls(), d.circuitHalfOpenCalls())));
    }

    private static <T> T pick(T override, T fallback) {
        return override != null ? override : fallback;
    }

    private static void requireBackoffOrder(String prefix, Duration base, Duration max) {
        if (base != null && base.isNegative()) {
            throw new IllegalArgumentException(prefix + ".retry-backoff-base must not be negative");
        }
        if (base != null && max != null && base.compareTo(max) > 0) {
            throw new IllegalArgumentException(prefix + ".retry-backoff-base (" + base
                    + ") must not exceed " + prefix + ".retry-backoff-max (" + max + ")");
        }
    }

    /**
     * Per-event-type settings for every event type without its own override ({@code event-type-defaults.*}).
     *
     * @param maxInFlight calls in progress at once for one event type (capped by the worker's max-in-flight)
     * @param readTimeout most time between two reads of the answer; unset: the event type's whole-call timeout
     * @param circuitFailureRate percentage of failed calls among the last {@code circuitWindow} that opens the
     *        circuit
     * @param circuitWindow calls the failure rate is computed over
     * @param circuitMinimumCalls calls needed in the window before the rate is judged
     * @param circuitOpenDuration cool-down: no call to the advertiser for this long once the circuit opened
     * @param circuitHalfOpenCalls trial calls after the cool-down; all must succeed to close the circuit
     */
    public record EventTypeDefaults(
            @DefaultValue("64") @Min(1) int maxInFlight,
            Duration readTimeout,
            @DefaultValue("50") @Min(1) @Max(100) int circuitFailureRate,
            @DefaultValue("20") @Min(1) int circuitWindow,
            @DefaultValue("10") @Min(1) int circuitMinimumCalls,
            @DefaultValue("30s") @NotNull Duration circuitOpenDuration,
            @DefaultValue("1") @Min(1) int circuitHalfOpenCalls) {
    }

    /**
     * Overrides for one event type ({@code event-types.<id>.*}); anything unset falls back to the defaults. The
     * connect and total timeouts default to the event type's own {@code request.connectTimeoutMillis} and
     * {@code request.timeoutMillis}.
     */
    public record EventTypeOverrides(
            @Min(1) Integer maxInFlight,
            Duration connectTimeout,
            Duration readTimeout,
            Duration totalTimeout,
            Duration retryBackoffBase,
            Duration retryBackoffMax,
            Duration retryAfterMax,
            @Min(1) @Max(100) Integer circuitFailureRate,
            @Min(1) Integer circuitWindow,
            @Min(1) Integer circuitMinimumCalls,
            Duration circuitOpenDuration,
            @Min(1) Integer circuitHalfOpenCalls) {

        static final EventTypeOverrides NONE = new EventTypeOverrides(null, null, null, null, null, null, null, null,
                null, null, null, null);
    }
}
