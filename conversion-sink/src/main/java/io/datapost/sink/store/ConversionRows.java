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

import io.datapost.schemas.ConversionRecorded;

/** {@code conversions}: one row per conversion id (submission id + ':' + revision). */
@Repository
public class ConversionRows implements RowWriter<ConversionRecorded> {

    public static final String TABLE = "conversions";

    private static final String INSERT = """
            INSERT INTO conversions (conversion_id, submission_id, revision, event_type_id, partner_id, order_id,
                amount, currency, amount_defaulted, recorded_at)
            VALUES (:conversionId, :submissionId, :revision, :eventTypeId, :partnerId, :orderId,
                :amount, :currency, :amountDefaulted, :recordedAt)
            ON CONFLICT (conversion_id) DO NOTHING
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public ConversionRows(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public int[] insert(List<ConversionRecorded> conversions) {
        return jdbc.batchUpdate(INSERT,
                conversions.stream().map(ConversionRows::parameters).toArray(SqlParameterSource[]::new));
    }

    private static SqlParameterSource parameters(ConversionRecorded c) {
        return new MapSqlParameterSource()
                .addValue("conversionId", text(c.getConversionId()), Types.VARCHAR)
                .addValue("submissionId", text(c.getSubmissionId()), Types.VARCHAR)
                .addValue("revision", c.getRevision(), Types.INTEGER)
                .addValue("eventTypeId", text(c.getEventTypeId()), Types.VARCHAR)
                .addValue("partnerId", text(c.getPartnerId()), Types.VARCHAR)
                .addValue("orderId", text(c.getOrderId()), Types.VARCHAR)
                .addValue("amount", money(c.getAmount()), Types.NUMERIC)
                .addValue("currency", text(c.getCurrency()), Types.VARCHAR)
                .addValue("amountDefaulted", c.getAmountDefaulted(), Types.BOOLEAN)
                .addValue("recordedAt", time(c.getRecordedAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    }
}
