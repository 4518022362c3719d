package io.datapost.sink.store;

import static io.datapost.sink.store.SqlValues.money;
import static io.datapost.sink.store.SqlValues.name;
import static io.datapost.sink.store.SqlValues.text;
import static io.datapost.sink.store.SqlValues.time;

import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Repository;

import io.datapost.schemas.DecisionCause;
import io.datapost.schemas.LeadOutcome;
import tools.jackson.databind.json.JsonMapper;

/** {@code lead_outcomes}: one row per (submission, revision). */
@Repository
public class LeadOutcomeRows implements RowWriter<LeadOutcome> {

    public static final String TABLE = "lead_outcomes";

    private static final String INSERT = """
            INSERT INTO lead_outcomes (submission_id, revision, event_type_id, partner_id, verdict, reason, order_id,
                amount, currency, amount_defaulted, payout, payout_currency, extras, attempts, failure_class,
                received_at, decided_at, cause, request_id)
            VALUES (:submissionId, :revision, :eventTypeId, :partnerId, :verdict, :reason, :orderId,
                :amount, :currency, :amountDefaulted, :payout, :payoutCurrency, CAST(:extras AS jsonb), :attempts,
                :failureClass, :receivedAt, :decidedAt, :cause, :requestId)
            ON CONFLICT (submission_id, revision) DO NOTHING
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final JsonMapper json;

    public LeadOutcomeRows(NamedParameterJdbcTemplate jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Override
    public String table() {
        return TABLE;
    }

    @Override
    public int[] insert(List<LeadOutcome> outcomes) {
        return jdbc.batchUpdate(INSERT, outcomes.stream().map(this::parameters).toArray(SqlParameterSource[]::new));
    }

    private SqlParameterSource parameters(LeadOutcome o) {
        return new MapSqlParameterSource()
                .addValue("submissionId", text(o.getSubmissionId()), Types.VARCHAR)
                .addValue("revision", o.getRevision(), Types.INTEGER)
                .addValue("eventTypeId", text(o.getEventTypeId()), Types.VARCHAR)
                .addValue("partnerId", text(o.getPartnerId()), Types.VARCHAR)
                .addValue("verdict", name(o.getVerdict()), Types.VARCHAR)
                .addValue("reason", text(o.getReason()), Types.VARCHAR)
                .addValue("orderId", text(o.getOrderId()), Types.VARCHAR)
                .addValue("amount", money(o.getAmount()), Types.NUMERIC)
                .addValue("currency", text(o.getCurrency()), Types.VARCHAR)
                .addValue("amountDefaulted", o.getAmountDefaulted(), Types.BOOLEAN)
                .addValue("payout", money(o.getPayout()), Types.NUMERIC)
                .addValue("payoutCurrency", text(o.getPayoutCurrency()), Types.VARCHAR)
                .addValue("extras", extras(o.getExtras()), Types.VARCHAR)
                .addValue("attempts", o.getAttempts(), Types.INTEGER)
                .addValue("failureClass", name(o.getFailureClass()), Types.VARCHAR)
                .addValue("receivedAt", time(o.getReceivedAt()), Types.TIMESTAMP_WITH_TIMEZONE)
                .addValue("decidedAt", time(o.getDecidedAt()), Types.TIMESTAMP_WITH_TIMEZONE)
                // UNKNOWN is what a record written before LeadOutcome v2 decodes to: nothing known, stored as null
                .addValue("cause", o.getCause() == null || o.getCause() == DecisionCause.UNKNOWN ? null
                        : o.getCause().name(), Types.VARCHAR)
                .addValue("requestId", text(o.getRequestId()), Types.VARCHAR);
    }

    private String extras(Map<String, String> extras) {
        Map<String, String> clean = new TreeMap<>();
        if (extras != null) {
            extras.forEach((k, v) -> clean.put(text(k), text(v)));
        }
        return json.writeValueAsString(clean);
    }
}
