package io.datapost.sink.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The operator's bearer token ({@code datapost.sink.operator-token}). Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}: constant time, and the length of the real token does not show either.
 * Without a configured token nothing matches.
 */
public final class OperatorToken {

    private final byte[] expected;

    /** @param token the configured token; null or empty disables operator access */
    public OperatorToken(String token) {
        this.expected = token == null || token.isEmpty() ? null : sha256(token);
    }

    public boolean enabled() {
        return expected != null;
    }

    /** True when the {@code Authorization} header is {@code Bearer <the operator token>}. */
    public boolean matches(String authorization) {
        if (expected == null || authorization == null) {
            return false;
        }
        String header = authorization.trim();
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(header.substring(7).trim()));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
