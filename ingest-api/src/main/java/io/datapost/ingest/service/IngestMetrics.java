package io.datapost.ingest.service;

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

    public IngestMetrics(MeterRegistry registry, LiveTable<EventType> eventTypesTable) {
        this.registry = registry;
        this.eventTypes = eventTypesTable;
    }

    public void accepted(String eventTypeId) {
        Counter.builder(ACCEPTED).description("Leads written to the leads topic and answered 202")
                .tag("event_type", tag(eventTypeId)).register(registry).increment();
    }

    public void rejected(String eventTypeId, int status) {
        Counter.builder(REJECTED).description("Posts answered with an error, by status")
                .tag("event_type", tag(eventTypeId)).tag("status", Integer.toString(status))
                .register(registry).increment();
    }

    private String tag(String eventTypeId) {
        return eventTypeId != null && eventTypes.get(eventTypeId).isPresent() ? eventTypeId : UNKNOWN;
    }
}
