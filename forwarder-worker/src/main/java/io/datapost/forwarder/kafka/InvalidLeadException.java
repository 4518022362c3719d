package io.datapost.forwarder.kafka;

/** A leads record that decoded but cannot be a lead (e.g. no value). Not retryable: it is dead-lettered. */
public class InvalidLeadException extends RuntimeException {
    public InvalidLeadException(String message) {
        super(message);
    }
}
