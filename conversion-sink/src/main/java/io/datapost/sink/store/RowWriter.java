package io.datapost.sink.store;

import java.util.List;

/**
 * Inserts one kind of record into its table. Every insert is {@code ON CONFLICT DO NOTHING} on the record's
 * own id, so writing a record twice leaves one row: replays and redeliveries are harmless.
 */
public interface RowWriter<V> {

    /** The table written, as named in the schema (also the {@code table} tag of the row metrics). */
    String table();

    /**
     * Inserts the values as one JDBC batch in the caller's transaction.
     *
     * @return per value the rows inserted: 1, or 0 when the row was already there
     */
    int[] insert(List<V> values);
}
