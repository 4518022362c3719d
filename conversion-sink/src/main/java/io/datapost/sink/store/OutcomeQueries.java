package io.datapost.sink.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/** Reads of {@code lead_outcomes}. */
@Repository
public class OutcomeQueries {

    private static final String REVISIONS = """
            SELECT submission_id, event_type_id, partner_id, revision, verdict, reason, order_id, amount, currency,
                   amount_defaulted, payout, attempts, failure_class, received_at, decided_at, payout_currency, cause
            FROM lead_outcomes
            WHERE submission_id = :submissionId AND partner_id = :partnerId
            ORDER BY revision
            """;

    private final NamedParameterJdbcTemplate jdbc;

    public OutcomeQueries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Every revision of a submission's outcome, oldest first, if the submission belongs to the partner.
     * The owner is part of the query, so another partner gets the same empty answer as for an unknown id.
     */
    public List<OutcomeRevision> revisions(String submissionId, String partnerId) {
        return jdbc.query(REVISIONS, Map.of("submissionId", submissionId, "partnerId", partnerId),
                OutcomeQueries::revision);
    }

    private static OutcomeRevision revision(ResultSet rs, int row) throws SQLException {
        return new OutcomeRevision(
                rs.getString("submission_id"),
                rs.getString("event_type_id"),
                rs.getString("partner_id"),
                rs.getInt("revision"),
                rs.getString("verdict"),
                rs.getString("reason"),
                rs.getString("order_id"),
                rs.getBigDecimal("amount"),
                rs.getString("currency"),
                rs.getBoolean("amount_defaulted"),
                rs.getBigDecimal("payout"),
                rs.getInt("attempts"),
                rs.getString("failure_class"),
                rs.getObject("received_at", OffsetDateTime.class).toInstant(),
                rs.getObject("decided_at", OffsetDateTime.class).toInstant(),
                rs.getString("payout_currency"),
                rs.getString("cause"));
    }
}
