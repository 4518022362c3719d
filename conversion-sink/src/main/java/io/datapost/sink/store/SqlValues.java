package io.datapost.sink.store;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/** Conversions from Avro field values to JDBC parameters. */
final class SqlValues {

    private SqlValues() {
    }

    /**
     * PostgreSQL rejects NUL in text and jsonb. Values such as a reason come from advertisers' answers; one stray
     * NUL must not make a record impossible to store (and block its partition), so it becomes U+FFFD.
     */
    static String text(String value) {
        return value == null || value.indexOf('\0') < 0 ? value : value.replace('\0', '\uFFFD');
    }

    static BigDecimal money(BigDecimal value) {
        return value == null ? null : value.setScale(4, RoundingMode.HALF_EVEN);
    }

    static OffsetDateTime time(Instant value) {
        return value == null ? null : OffsetDateTime.ofInstant(value, ZoneOffset.UTC);
    }

    static String name(Enum<?> value) {
        return value == null ? null : value.name();
    }
}
