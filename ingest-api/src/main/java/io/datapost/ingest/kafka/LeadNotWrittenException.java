package io.datapost.ingest.kafka;

/** The broker did not acknowledge a lead within the deadline; the partner must not be told it was accepted. */
public class LeadNotWrittenException extends RuntimeException {

    public LeadNotWrittenException(String message, Throwable cause) {
        super(message, cause);
    }
}
