package io.datapost.validator.gate;

import java.nio.ByteBuffer;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import io.datapost.schemas.LeadFingerprint;

/**
 * What the gate remembers of a submission id: when its first copy was received (ingest's {@code receivedAt})
 * and the fingerprint of its body.
 */
record GateEntry(long firstSeenMillis, LeadFingerprint fingerprint) {

    /** Store value: version byte 1, first-seen millis (8 bytes, big-endian), the 32 fingerprint bytes. */
    static final class GateEntrySerde implements Serde<GateEntry>, Serializer<GateEntry>, Deserializer<GateEntry> {

        private static final byte VERSION = 1;
        private static final int SIZE = 1 + Long.BYTES + LeadFingerprint.BYTES;

        @Override
        public byte[] serialize(String topic, GateEntry entry) {
            if (entry == null) {
                return null;
            }
            return ByteBuffer.allocate(SIZE).put(VERSION).putLong(entry.firstSeenMillis())
                    .put(entry.fingerprint().bytes()).array();
        }

        @Override
        public GateEntry deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            if (data.length != SIZE || data[0] != VERSION) {
                throw new SerializationException("Not a version-" + VERSION + " gate entry (" + data.length + " bytes)");
            }
            ByteBuffer buffer = ByteBuffer.wrap(data, 1, SIZE - 1);
            long firstSeen = buffer.getLong();
            byte[] fingerprint = new byte[LeadFingerprint.BYTES];
            buffer.get(fingerprint);
            return new GateEntry(firstSeen, LeadFingerprint.fromBytes(fingerprint));
        }

        @Override
        public Serializer<GateEntry> serializer() {
            return this;
        }

        @Override
        public Deserializer<GateEntry> deserializer() {
            return this;
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
        }

        @Override
        public void close() {
        }
    }
}
