package io.datapost.ingest.service;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Submission ids. With an Idempotency-Key the id is a name-based UUID of partner id and key, the same on
 * every instance and after every restart, so a retried post lands on the same key and partition and
 * downstream drops the repeat. Without one, every post is a new submission.
 */
public final class SubmissionIds {

    private SubmissionIds() {
    }

    public static String of(String partnerId, String idempotencyKey) {
        if (idempotencyKey == null) {
            return UUID.randomUUID().toString();
        }
        return UUID.nameUUIDFromBytes((partnerId + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
