package io.datapost.cli.demo;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.datapost.cli.stack.JdbcTarget;

/** Reads what conversion-sink wrote (lead_outcomes, payouts) for a set of submission ids. */
final class OutcomeStore implements AutoCloseable {

    record OutcomeRow(String submissionId, int revision, String verdict, String reason, BigDecimal payout,
            String partnerId, Instant writtenAt) {
    }

    record PayoutTotal(String partnerId, String currency, BigDecimal amount, long payments) {
    }

    record VerdictCount(String verdict, String reason, long count) {
    }

    /** Rows so far: submissions with an outcome row, those rows that say ACCEPTED, payout rows. */
    record Progress(long submissions, long accepted, long payouts) {
    }

    private final JdbcTarget database;
    private Connection connection;

    OutcomeStore(JdbcTarget database) {
        this.database = database;
    }

    Progress progress(Collection<String> ids) throws SQLException {
        long submissions;
        long accepted;
        try (PreparedStatement query = prepare("SELECT count(DISTINCT submission_id),"
                + " count(*) FILTER (WHERE verdict = 'ACCEPTED') FROM lead_outcomes WHERE submission_id = ANY(?)",
                ids); ResultSet rs = query.executeQuery()) {
            rs.next();
            submissions = rs.getLong(1);
            accepted = rs.getLong(2);
        }
        try (PreparedStatement query = prepare("SELECT count(*) FROM payouts WHERE submission_id = ANY(?)", ids);
                ResultSet rs = query.executeQuery()) {
            rs.next();
            return new Progress(submissions, accepted, rs.getLong(1));
        }
    }

    List<OutcomeRow> outcomes(Collection<String> ids) throws SQLException {
        List<OutcomeRow> rows = new ArrayList<>();
        try (PreparedStatement query = prepare("SELECT submission_id, revision, verdict, reason, payout, partner_id,"
                + " written_at FROM lead_outcomes WHERE submission_id = ANY(?)", ids);
                ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                rows.add(new OutcomeRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                        rs.getBigDecimal(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant()));
            }
        }
        return rows;
    }

    /** Totals computed by PostgreSQL itself, to compare with the per-row view. */
    List<VerdictCount> verdictCounts(Collection<String> ids) throws SQLException {
        List<VerdictCount> counts = new ArrayList<>();
        try (PreparedStatement query = prepare("SELECT verdict, reason, count(*) FROM lead_outcomes"
                + " WHERE submission_id = ANY(?) GROUP BY verdict, reason ORDER BY verdict, reason", ids);
                ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                counts.add(new VerdictCount(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
        }
        return counts;
    }

    List<PayoutTotal> payoutTotals(Collection<String> ids) throws SQLException {
        List<PayoutTotal> totals = new ArrayList<>();
        try (PreparedStatement query = prepare("SELECT partner_id, currency, sum(amount), count(*) FROM payouts"
                + " WHERE submission_id = ANY(?) GROUP BY partner_id, currency ORDER BY partner_id, currency", ids);
                ResultSet rs = query.executeQuery()) {
            while (rs.next()) {
                totals.add(new PayoutTotal(rs.getString(1), rs.getString(2), rs.getBigDecimal(3), rs.getLong(4)));
            }
        }
        return totals;
    }

    private PreparedStatement prepare(String sql, Collection<String> ids) throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(database.url(), database.user(), database.password());
        }
        try {
            PreparedStatement statement = connection.prepareStatement(sql);
            Array array = connection.createArrayOf("text", ids.toArray());
            statement.setArray(1, array);
            return statement;
        } catch (SQLException e) {
            close(); // reconnect next time
            throw e;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
            connection = null;
        }
    }
}
