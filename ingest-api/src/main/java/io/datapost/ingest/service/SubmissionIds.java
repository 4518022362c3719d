package io.datapost.ingest.service;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Submission ids. With an Idempotency-Key the id is a name-based UUID of partner id and key, the same on
 * every instance and after every restart, so a retried post lands on the same key and partition and
 * downstream drops the repeat. Without one, every post is a new submission: a random (version 4) UUID.
 *
 * <p>Not {@link UUID#randomUUID()}: it draws from one JVM-wide {@code NativePRNG}, which serialises every caller
 * on a lock; with dozens of request threads that lock was the largest single cost of a post in the ingest
 * benchmark's profile. Each thread here has its own {@code DRBG} instance (SHA-256 Hash_DRBG, seeded from the
 * system's entropy), as unpredictable and without the lock.
 */
public final class SubmissionIds {

    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("DRBG is missing from this JVM", e);
        }
    });

    private SubmissionIds() {
    }

    public static String of(String partnerId, String idempotencyKey) {
        if (idempotencyKey == null) {
            return random().toString();
        }
        return UUID.nameUUIDFromBytes((partnerId + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** A version 4 (random) UUID, as {@link UUID#randomUUID()} makes them. */
    static UUID random() {
        byte[] bytes = new byte[16];
        RANDOM.get().nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40); // version 4
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong());
    }
}
