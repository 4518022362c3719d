package io.datapost.forwarder.config;

/** A lead names an event type this instance does not know. Not retryable: the lead is dead-lettered. */
public class UnknownEventTypeException extends RuntimeException {
    public UnknownEventTypeException(String eventTypeId) {
        super("Unknown event type '" + eventTypeId + "'");
    }
}
