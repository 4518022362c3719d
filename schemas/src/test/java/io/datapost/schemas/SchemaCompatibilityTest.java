package io.datapost.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.datapost.schemas.kafka.AvroSerde.SchemaHistory;

/**
 * What a schema registry set to FULL_TRANSITIVE would enforce: the current schema of every record reads
 * data written with each released version (backward) and each released version reads data written with
 * the current schema (forward).
 */
class SchemaCompatibilityTest {

    static final List<Class<?>> RECORDS = List.of(LeadSubmitted.class, AdvertiserResponse.class, LeadOutcome.class,
            ConversionRecorded.class, PayoutEvent.class, EventType.class, Partner.class, ConversionReversed.class,
            ReclassifyRequested.class);

    static Stream<Arguments> currentAndReleased() {
        return RECORDS.stream().flatMap(type -> {
            Schema current = SpecificData.get().getSchema(type);
            List<Schema> released = SchemaHistory.versions(type.getSimpleName());
            assertThat(released).as("released versions of %s in schema-history", type.getSimpleName()).isNotEmpty();
            return released.stream().map(old -> Arguments.of(type.getSimpleName(), current, old));
        });
    }

    @ParameterizedTest(name = "{0}: current reads every released version")
    @MethodSource("currentAndReleased")
    void currentSchemaIsBackwardCompatible(String name, Schema current, Schema released) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(current, released);
        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}: every released version reads current")
    @MethodSource("currentAndReleased")
    void currentSchemaIsForwardCompatible(String name, Schema current, Schema released) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(released, current);
        assertThat(result.getType()).as(result.getDescription()).isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }
}
