package io.datapost.forwarder.config;

/** A lead names an event type that is switched off. Not retryable: the lead is dead-lettered. */
public class InactiveEventTypeException extends RuntimeException {
    public InactiveEventTypeException(String eventTypeId) {
        super("Event type '" + eventTypeId + "' is not active");
    }
}
