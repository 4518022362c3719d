package io.datapost.schemas.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Partner API keys are stored only as {@code sha256:<salt hex>:<SHA-256(salt || key) hex>} and compared in
 * constant time. Keys are long random strings, so a fast salted hash is enough; a slow KDF would cost a
 * millisecond on every lead posted.
 */
public final class ApiKeyHasher {

    private static final String PREFIX = "sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ApiKeyHasher() {
    }

    public static String hash(String apiKey) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return PREFIX + ":" + HEX.formatHex(salt) + ":" + HEX.formatHex(digest(salt, apiKey));
    }

    /** True when {@code apiKey} matches {@code storedHash}; false for any malformed stored value. */
    public static boolean matches(String apiKey, String storedHash) {
        if (apiKey == null || storedHash == null) {
            return false;
        }
        String[] parts = storedHash.split(":");
        if (parts.length != 3 || !PREFIX.equals(parts[0])) {
            return false;
        }
        try {
            byte[] salt = HEX.parseHex(parts[1]);
            byte[] expected = HEX.parseHex(parts[2]);
            return MessageDigest.isEqual(expected, digest(salt, apiKey));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] digest(byte[] salt, String apiKey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha.digest(apiKey.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
