package io.datapost.ingest.service;

import io.datapost.schemas.EventType;
import io.datapost.schemas.IngestSettings;

/**
 * What an event type says about intake ({@code EventType.ingest}): whether leads may come as a GET with the
 * fields in the query string, its own body size limit, and the body field that carries the partner's
 * idempotency key.
 *
 * @param allowGet            GET with the fields in the query string is accepted (405 otherwise)
 * @param maxBodyBytes        this event type's size limit, or null for {@code datapost.ingest.max-body-bytes}
 * @param idempotencyKeyField the field whose value is the idempotency key when no header carries one, or null
 */
public record IngestOptions(boolean allowGet, Integer maxBodyBytes, String idempotencyKeyField) {

    static final IngestOptions DEFAULTS = new IngestOptions(false, null, null);

    public static IngestOptions of(EventType eventType) {
        IngestSettings settings = eventType.getIngest();
        if (settings == null) {
            return DEFAULTS;
        }
        String keyField = settings.getIdempotencyKeyField();
        return new IngestOptions(settings.getAllowGet(), settings.getMaxBodyBytes(),
                keyField == null || keyField.isBlank() ? null : keyField);
    }

    /** The size limit for this event type: its own when it has one (at most the 16 MiB ceiling), the default otherwise. */
    public int maxBodyBytes(int defaultLimit, long ceiling) {
        if (maxBodyBytes == null || maxBodyBytes < 1) {
            return defaultLimit;
        }
        return (int) Math.min(maxBodyBytes, ceiling);
    }
}
