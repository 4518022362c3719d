package io.datapost.sink.store;

import java.math.BigDecimal;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/** A partner's payouts and conversions over UTC days. */
@Repository
public class ReportQueries {

    private static final String DAILY_PAYOUTS = """
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, currency, SUM(amount) AS total, COUNT(*) AS events
            FROM payouts
            WHERE partner_id = :partnerId AND created_at >= :start AND created_at < :end
            GROUP BY day, currency
            ORDER BY day, currency
            """;

    private static final String CONVERSIONS_WHERE = """
            FROM conversions
            WHERE partner_id = :partnerId AND recorded_at >= :start AND recorded_at < :end
            """;

    private static final String CONVERSIONS_PAGE = """
            SELECT conversion_id, submission_id, revision, event_type_id, order_id, amount, currency,
                   amount_defaulted, recorded_at,
                   (SELECT min(r.reversed_at) FROM conversion_reversals r
                    WHERE r.conversion_id = conversions.conversion_id) AS reversed_at
            """ + CONVERSIONS_WHERE + """
            ORDER BY recorded_at DESC, conversion_id
            LIMIT :limit OFFSET :offset
            """;

    private static final String CONVERSIONS_COUNT = "SELECT COUNT(*) " + CONVERSIONS_WHERE;

    /** Far enough back and ahead for an unbounded side of a range, and still a valid timestamptz. */
    private static final LocalDate EARLIEST = LocalDate.of(1970, 1, 1);
    private static final LocalDate LATEST = LocalDate.of(9999, 12, 30);

    private final NamedParameterJdbcTemplate jdbc;

    public ReportQueries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Sum of payout events per UTC day and currency, {@code from} and {@code to} included. */
    public List<DailyPayoutTotal> dailyPayouts(String partnerId, LocalDate from, LocalDate to) {
        return jdbc.query(DAILY_PAYOUTS, range(partnerId, from, to), (rs, row) -> new DailyPayoutTotal(
                rs.getObject("day", LocalDate.class), rs.getString("currency"), rs.getBigDecimal("total"),
                rs.getLong("events")));
    }

    /** A page of conversions, newest first; a null bound leaves that side of the range open. */
    public ConversionPage conversions(String partnerId, LocalDate from, LocalDate to, int page, int size) {
        MapSqlParameterSource params = range(partnerId, from == null ? EARLIEST : from, to == null ? LATEST : to);
        Long total = jdbc.queryForObject(CONVERSIONS_COUNT, params, Long.class);
        params.addValue("limit", size).addValue("offset", (long) page * size);
        List<ConversionEntry> items = jdbc.query(CONVERSIONS_PAGE, params, (rs, row) -> new ConversionEntry(
                rs.getString("conversion_id"), rs.getString("submission_id"), rs.getInt("revision"),
                rs.getString("event_type_id"), rs.getString("order_id"), rs.getBigDecimal("amount"),
                rs.getString("currency"), rs.getBoolean("amount_defaulted"),
                rs.getObject("recorded_at", OffsetDateTime.class).toInstant(),
                instant(rs.getObject("reversed_at", OffsetDateTime.class))));
        return new ConversionPage(items, total == null ? 0 : total);
    }

    private static MapSqlParameterSource range(String partnerId, LocalDate from, LocalDate to) {
        return new MapSqlParameterSource()
                .addValue("partnerId", partnerId, Types.VARCHAR)
                .addValue("start", startOf(from), Types.TIMESTAMP_WITH_TIMEZONE)
                .addValue("end", startOf(to.plusDays(1)), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime startOf(LocalDate day) {
        return day.atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    public record DailyPayoutTotal(LocalDate day, String currency, BigDecimal total, long events) {
    }

    /** A conversion; {@code reversedAt} is set when a correction reversed it (it no longer stands). */
    public record ConversionEntry(String conversionId, String submissionId, int revision, String eventTypeId,
            String orderId, BigDecimal amount, String currency, boolean amountDefaulted, Instant recordedAt,
            Instant reversedAt) {
    }

    public record ConversionPage(List<ConversionEntry> items, long totalItems) {
    }
}
