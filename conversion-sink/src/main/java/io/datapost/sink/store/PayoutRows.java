package io.datapost.sink.store;

import static io.datapost.sink.store.SqlValues.money;
import static io.datapost.sink.store.SqlValues.name;
import static io.datapost.sink.store.SqlValues.text;
import static io.datapost.sink.store.SqlValues.time;

import java.sql.Types;
import java.util.List;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

import io.datapost.schemas.PayoutEvent;

/** {@code payouts}: one row per payout id (submission id + ':' + revision); amounts are signed. */
@Repository
public class PayoutRows implements RowWriter<PayoutEvent> {

    public static final String TABLE = "payouts";

    private static final String INSERT = """
            INSERT INTO payouts (payout_id, submission_id, revision, partner_id, event_type_id, amount, currency,
                kind, created_at)
            VALUES (:payoutId, :submissionId, :revision, :partnerId, :eventTypeId, :amount, :currency,
                :kind, :createdAt)
            ON CONFLICT (payout_id) DO NOTHING
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public PayoutRows(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public int[] insert(List<PayoutEvent> payouts) {
        return jdbc.batchUpdate(INSERT, payouts.stream().map(PayoutRows::parameters).toArray(SqlParameterSource[]::new));
    }

    private static SqlParameterSource parameters(PayoutEvent p) {
        return new MapSqlParameterSource()
                .addValue("payoutId", text(p.getPayoutId()), Types.VARCHAR)
                .addValue("submissionId", text(p.getSubmissionId()), Types.VARCHAR)
                .addValue("revision", p.getRevision(), Types.INTEGER)
                .addValue("partnerId", text(p.getPartnerId()), Types.VARCHAR)
                .addValue("eventTypeId", text(p.getEventTypeId()), Types.VARCHAR)
                .addValue("amount", money(p.getAmount()), Types.NUMERIC)
                .addValue("currency", text(p.getCurrency()), Types.VARCHAR)
                .addValue("kind", name(p.getKind()), Types.VARCHAR)
                .addValue("createdAt", time(p.getCreatedAt()), Types.TIMESTAMP_WITH_TIMEZONE);
    }
}
