package io.datapost.cli.demo;

import java.time.Instant;

/**
 * What happened to one lead posted to ingest: the final HTTP status ({@link #NO_RESPONSE} when every try failed
 * in transport), the submission id of a 202, when the first try was sent, and how many tries it took.
 */
public record Posting(int line, String idempotencyKey, int status, String submissionId, Instant postedAt,
        int tries) {

    public static final int NO_RESPONSE = -1;

    public boolean acceptedByIngest() {
        return status == 202 && submissionId != null;
    }
}
