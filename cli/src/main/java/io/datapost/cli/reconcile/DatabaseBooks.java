package io.datapost.cli.reconcile;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Reads what conversion-sink stored into {@link Books}: the current outcome of each submission (its highest
 * revision), the conversions that stand (recorded and not reversed) and the sum of its payouts per currency.
 */
final class DatabaseBooks {

    private static final String CURRENT_OUTCOMES =
            "SELECT submission_id, partner_id, revision, verdict, payout, payout_currency FROM current_outcomes";
    private static final String STANDING_CONVERSIONS =
            "SELECT submission_id, conversion_id FROM standing_conversions";
    private static final String PAYOUT_SUMS =
            "SELECT submission_id, currency, sum(amount) FROM payouts GROUP BY submission_id, currency";
    private static final int FETCH_SIZE = 10_000;

    private final String url;
    private final String user;
    private final String password;

    DatabaseBooks(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    Books read() throws SQLException {
        Books books = new Books();
        try (Connection connection = DriverManager.getConnection(url, user, password)) {
            connection.setReadOnly(true);
            // one snapshot for the three queries, and a cursor (fetch size) instead of every row in memory
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement statement = connection.createStatement()) {
                statement.setFetchSize(FETCH_SIZE);
                try (ResultSet rs = statement.executeQuery(CURRENT_OUTCOMES)) {
                    while (rs.next()) {
                        books.outcome(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                                rs.getBigDecimal(5), rs.getString(6));
                    }
                }
                try (ResultSet rs = statement.executeQuery(STANDING_CONVERSIONS)) {
                    while (rs.next()) {
                        books.conversionStands(rs.getString(1), rs.getString(2));
                    }
                }
                try (ResultSet rs = statement.executeQuery(PAYOUT_SUMS)) {
                    while (rs.next()) {
                        books.paid(rs.getString(1), rs.getString(2), rs.getBigDecimal(3));
                    }
                }
            } finally {
                connection.rollback();
            }
        }
        return books;
    }
}
