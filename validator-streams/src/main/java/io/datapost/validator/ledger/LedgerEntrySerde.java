package io.datapost.validator.ledger;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for the ledger store and its changelog. Internal to this service (no other reader), so it lives here
 * and not in the Avro contracts; unknown fields are ignored so a newer entry shape can be rolled back.
 */
public final class LedgerEntrySerde implements Serde<LedgerEntry> {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Override
    public Serializer<LedgerEntry> serializer() {
        return (topic, entry) -> {
            if (entry == null) {
                return null;
            }
            try {
                return MAPPER.writeValueAsBytes(entry);
            } catch (JacksonException e) {
                throw new SerializationException("Cannot encode ledger entry: " + e.getOriginalMessage(), e);
            }
        };
    }

    @Override
    public Deserializer<LedgerEntry> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return MAPPER.readValue(bytes, LedgerEntry.class);
            } catch (JacksonException e) {
                throw new SerializationException("Cannot decode ledger entry: " + e.getOriginalMessage(), e);
            }
        };
    }
}
