package io.datapost.ingest.service;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import io.datapost.schemas.EventType;
import io.datapost.schemas.config.LiveTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code datapost.ingest.leads.accepted{event_type}} and {@code datapost.ingest.leads.rejected{event_type,
 * status}}. The event type tag is the path's id only when it is a configured event type, otherwise
 * {@code unknown}: anyone can post to any path, and every distinct tag value is a new time series.
 */
@Component
public class IngestMetrics {

    static final String ACCEPTED = "datapost.ingest.leads.accepted";
    static final String REJECTED = "datapost.ingest.leads.rejected";
    static final String UNKNOWN = "unknown";

    private final MeterRegistry registry;
    private final LiveTable<EventType> eventTypes;
    /** Counters by tag values, so the hot path does not build and look up a meter id per post. */
    private final Map<String, Counter> acceptedByEventType = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejectedByEventTypeAndStatus = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry, LiveTable<EventType> eventTypesTable) {
        this.registry = registry;
        this.eventTypes = eventTypesTable;
    }

    public void accepted(String eventTypeId) {
        acceptedByEventType.computeIfAbsent(tag(eventTypeId), tag -> Counter.builder(ACCEPTED)
                .description("Leads written to the leads topic and answered 202")
                .tag("event_type", tag).register(registry)).increment();
    }

    public void rejected(String eventTypeId, int status) {
        String tag = tag(eventTypeId);
        rejectedByEventTypeAndStatus.computeIfAbsent(tag + " " + status, key -> Counter.builder(REJECTED)
                .description("Posts answered with an error, by status")
                .tag("event_type", tag).tag("status", Integer.toString(status)).register(registry)).increment();
    }

    private String tag(String eventTypeId) {
        return eventTypeId != null && eventTypes.get(eventTypeId).isPresent() ? eventTypeId : UNKNOWN;
    }
}
