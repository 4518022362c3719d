package io.datapost.sink.store;

import static io.datapost.sink.store.SqlValues.money;
import static io.datapost.sink.store.SqlValues.text;
import static io.datapost.sink.store.SqlValues.time;

import java.sql.Types;
import java.util.List;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

import io.datapost.schemas.ConversionReversed;

/** {@code conversion_reversals}: one row per reversal id (submission id + ':' + the reversing revision). */
@Repository
public class ConversionReversalRows implements RowWriter<ConversionReversed> {

    public static final String TABLE = "conversion_reversals";

    private static final String INSERT = """
            INSERT INTO conversion_reversals (reversal_id, conversion_id, submission_id, revision, event_type_id,
                partner_id, order_id, amount, currency, reason, reversed_at)
            VALUES (:reversalId, :conversionId, :submissionId, :revision, :eventTypeId,
                :partnerId, :orderId, :amount, :currency, :reason, :reversedAt)
            ON CONFLICT (reversal_id) DO NOTHING
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public ConversionReversalRows(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public int[] insert(List<ConversionReversed> reversals) {
        return jdbc.batchUpdate(INSERT,
                reversals.stream().map(ConversionReversalRows::parameters).toArray(SqlParameterSource[]::new));
    }

    private static SqlParameterSource parameters(ConversionReversed r) {
        return new MapSqlParameterSource()
                .addValue("reversalId", text(r.getReversalId()), Types.VARCHAR)
                .addValue("conversionId", text(r.getConversionId()), Types.VARCHAR)
                .addValue("submissionId", text(r.getSubmissionId()), Types.VARCHAR)
                .addValue("revision", r.getRevision(), Types.INTEGER)
                .addValue("eventTypeId", text(r.getEventTypeId()), Types.VARCHAR)
                .addValue("partnerId", text(r.getPartnerId()), Types.VARCHAR)
                .addValue("orderId", text(r.getOrderId()), Types.VARCHAR)
                .addValue("amount", money(r.getAmount()), Types.NUMERIC)
                .addValue("currency", text(r.getCurrency()), Types.VARCHAR)
                .addValue("reason", text(r.getReason()), Types.VARCHAR)
                .addValue("reversedAt", time(r.getReversedAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    }
}
