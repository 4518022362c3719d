package io.datapost.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LeadFingerprintTest {

    private static final Map<String, String> FIELDS = Map.of("email", "ana@example.org", "zip", "30301");

    @Test
    void sameLeadGivesTheSameFingerprintWhateverTheFieldOrder() {
        // Given the same fields inserted in two orders
        Map<String, String> oneOrder = new LinkedHashMap<>();
        oneOrder.put("email", "ana@example.org");
        oneOrder.put("zip", "30301");
        Map<String, String> otherOrder = new LinkedHashMap<>();
        otherOrder.put("zip", "30301");
        otherOrder.put("email", "ana@example.org");

        // When / Then
        assertThat(LeadFingerprint.of("insurance-quote", "demo-partner", oneOrder))
                .isEqualTo(LeadFingerprint.of("insurance-quote", "demo-partner", otherOrder))
                .hasSameHashCodeAs(LeadFingerprint.of("insurance-quote", "demo-partner", otherOrder));
    }

    @Test
    void fingerprintIsAPinnedSha256OfTheCanonicalEncoding() {
        // stored in the gate's state: a change of encoding would make every stored repeat look like a reused key
        assertThat(LeadFingerprint.of("insurance-quote", "demo-partner", FIELDS).hex())
                .isEqualTo(PINNED);
    }

    @Test
    void anyDifferenceInEventTypePartnerOrFieldsChangesTheFingerprint() {
        LeadFingerprint base = LeadFingerprint.of("insurance-quote", "demo-partner", FIELDS);

        assertThat(LeadFingerprint.of("other-quote", "demo-partner", FIELDS)).isNotEqualTo(base);
        assertThat(LeadFingerprint.of("insurance-quote", "other-partner", FIELDS)).isNotEqualTo(base);
        assertThat(LeadFingerprint.of("insurance-quote", "demo-partner",
                Map.of("email", "ana@example.org", "zip", "30302"))).isNotEqualTo(base);
        assertThat(LeadFingerprint.of("insurance-quote", "demo-partner",
                Map.of("email", "ana@example.org", "zip", "30301", "phone", ""))).isNotEqualTo(base);
        assertThat(LeadFingerprint.of("insurance-quote", "demo-partner", Map.of("email", "ana@example.org")))
                .isNotEqualTo(base);
    }

    @Test
    void lengthPrefixesKeepShiftedBoundariesApart() {
        // "a" = "bc" and "ab" = "c" concatenate to the same text; they are different leads
        assertThat(LeadFingerprint.of("e", "p", Map.of("a", "bc")))
                .isNotEqualTo(LeadFingerprint.of("e", "p", Map.of("ab", "c")));
        assertThat(LeadFingerprint.of("ep", "", Map.of())).isNotEqualTo(LeadFingerprint.of("e", "p", Map.of()));
    }

    @Test
    void leadFingerprintIgnoresSubmissionIdKeyAndArrivalTime() {
        LeadSubmitted first = lead("id-1", "key-1", Instant.ofEpochMilli(1_000));
        LeadSubmitted retried = lead("id-2", "key-2", Instant.ofEpochMilli(9_000));

        assertThat(LeadFingerprint.of(first)).isEqualTo(LeadFingerprint.of(retried))
                .isEqualTo(LeadFingerprint.of("insurance-quote", "demo-partner", FIELDS));
    }

    @Test
    void roundTripsThroughItsBytes() {
        LeadFingerprint fingerprint = LeadFingerprint.of("insurance-quote", "demo-partner", FIELDS);

        byte[] bytes = fingerprint.bytes();
        bytes[0] ^= 1; // a copy: changing it changes nothing

        assertThat(fingerprint.bytes()).hasSize(LeadFingerprint.BYTES);
        assertThat(LeadFingerprint.fromBytes(fingerprint.bytes())).isEqualTo(fingerprint);
        assertThat(LeadFingerprint.fromBytes(bytes)).isNotEqualTo(fingerprint);
        assertThatThrownBy(() -> LeadFingerprint.fromBytes(new byte[3])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullValueDiffersFromEmptyValue() {
        Map<String, String> withNull = new HashMap<>();
        withNull.put("x", null);

        assertThat(LeadFingerprint.of("e", "p", withNull)).isNotEqualTo(LeadFingerprint.of("e", "p", Map.of("x", "")));
    }

    private static LeadSubmitted lead(String id, String key, Instant receivedAt) {
        return LeadSubmitted.newBuilder().setSubmissionId(id).setEventTypeId("insurance-quote")
                .setPartnerId("demo-partner").setIdempotencyKey(key).setFields(FIELDS).setReceivedAt(receivedAt)
                .build();
    }

    private static final String PINNED = "ac5b4ccfd00f9461d0829f3641770e91dbb8ddc1d75b59253d96938f2e8f9386"; // computed independently (Python hashlib)
}
