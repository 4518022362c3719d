package io.datapost.schemas.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import io.datapost.schemas.LeadSubmitted;

/**
 * Avro single-object encoding (magic bytes + schema fingerprint + binary datum) for a generated class.
 * Without a schema registry the fingerprint names the writer schema; the decoder knows the current schema
 * and every released one kept under {@code schema-history/<Name>/} on the classpath, so records written by
 * an older release still decode.
 */
public final class AvroSerde {

    static {
        // Avro 1.12.2 instantiates only trusted classes; trust exactly the package of our generated records.
        String generated = LeadSubmitted.class.getPackageName();
        ClassSecurityValidator.ClassSecurityPredicate ours = type -> generated.equals(type.getPackageName());
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    }

    private AvroSerde() {
    }

    public static <T extends SpecificRecord> Serde<T> of(Class<T> type) {
        Schema schema = SpecificData.get().getSchema(type);
        SpecificData model = SpecificData.getForClass(type);
        BinaryMessageEncoder<T> encoder = new BinaryMessageEncoder<>(model, schema);
        BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, schema);
        for (Schema older : SchemaHistory.versions(type.getSimpleName())) {
            decoder.addSchema(older);
        }
        Serializer<T> serializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try {
                ByteBuffer buffer = encoder.encode(data);
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return bytes;
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Cannot encode " + type.getSimpleName() + " for " + topic, e);
            }
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            if (bytes == null) {
                return null; // a tombstone on a compacted topic
            }
            try {
                return decoder.decode(bytes);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException(
                        "Cannot decode " + type.getSimpleName() + " from " + topic + ": " + e.getMessage(), e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** Released schema versions kept under {@code schema-history/<Name>/v<N>.avsc}. */
    public static final class SchemaHistory {
        private SchemaHistory() {
        }

        public static List<Schema> versions(String recordName) {
            List<Schema> versions = new ArrayList<>();
            for (int v = 1; ; v++) {
                String path = "/schema-history/" + recordName + "/v" + v + ".avsc";
                try (InputStream in = AvroSerde.class.getResourceAsStream(path)) {
                    if (in == null) {
                        return versions;
                    }
                    versions.add(new Schema.Parser().parse(in));
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot read " + path, e);
                }
            }
        }
    }
}
