package io.datapost.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What makes two posts "the same lead": SHA-256 over a canonical encoding of event type id, partner id and the
 * fields sorted by name. Independent of the body's format (JSON, form, XML, query), field order, the time it
 * arrived and the submission id, so a partner's honest retry has the same fingerprint and a reused
 * Idempotency-Key with another body has another. ingest-api (its per-instance key cache) and validator-streams
 * (the dedupe gate) both use this one function: if they disagreed, a repeat ingest accepted would be dead-lettered.
 *
 * <p>Encoding (version 1): the ASCII tag {@code datapost-lead-fingerprint-v1}, then event type id, partner id,
 * the number of fields, and per field (sorted by name, {@link String#compareTo}) its name and value; every string
 * as a 4-byte big-endian length of its UTF-8 bytes followed by them (a null value as length -1). Lengths make
 * the encoding unambiguous: {@code a=bc} and {@code ab=c} differ. Fingerprints are stored (the gate's state): the
 * encoding must never change without a new version tag.
 */
public final class LeadFingerprint {

    /** Size of a fingerprint in bytes. */
    public static final int BYTES = 32;

    private static final byte[] TAG = "datapost-lead-fingerprint-v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] digest;

    private LeadFingerprint(byte[] digest) {
        this.digest = digest;
    }

    public static LeadFingerprint of(LeadSubmitted lead) {
        return of(lead.getEventTypeId(), lead.getPartnerId(), lead.getFields());
    }

    public static LeadFingerprint of(String eventTypeId, String partnerId, Map<String, String> fields) {
        Objects.requireNonNull(eventTypeId, "eventTypeId");
        Objects.requireNonNull(partnerId, "partnerId");
        Objects.requireNonNull(fields, "fields");
        MessageDigest sha256 = sha256();
        sha256.update(TAG);
        update(sha256, eventTypeId);
        update(sha256, partnerId);
        sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(fields.size()).array());
        for (Map.Entry<String, String> field : new TreeMap<>(fields).entrySet()) {
            update(sha256, field.getKey());
            update(sha256, field.getValue());
        }
        return new LeadFingerprint(sha256.digest());
    }

    /** A fingerprint as stored ({@link #bytes()}). */
    public static LeadFingerprint fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException("A lead fingerprint has " + BYTES + " bytes");
        }
        return new LeadFingerprint(bytes.clone());
    }

    /** The 32 bytes of the SHA-256 digest (a copy). */
    public byte[] bytes() {
        return digest.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(digest);
    }

    private static void update(MessageDigest sha256, String value) {
        if (value == null) {
            sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(-1).array());
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        sha256.update(ByteBuffer.allocate(Integer.BYTES).putInt(utf8.length).array());
        sha256.update(utf8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LeadFingerprint that && MessageDigest.isEqual(digest, that.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    /** Hex of the digest: it says nothing about the lead's fields. */
    @Override
    public String toString() {
        return hex();
    }
}
