package io.datapost.sink.web;

import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.format.annotation.DateTimeFormat.ISO;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.datapost.sink.config.SinkProperties;
import io.datapost.sink.store.ReportQueries;
import io.datapost.sink.store.ReportQueries.ConversionPage;

/**
 * A partner's payout totals and conversions: for that partner itself or the operator, which
 * {@link PartnerAccessInterceptor} checks for every {@code /v1/partners/{partnerId}/**} request before its
 * parameters are bound. Days are UTC.
 */
@RestController
public class PartnerReportsController {

    static final long MAX_DAYS = 366;
    private static final int FIRST_YEAR = 1970;
    private static final int LAST_YEAR = 9998;

    private final ReportQueries reports;
    private final int maxPageSize;

    public PartnerReportsController(ReportQueries reports, SinkProperties properties) {
        this.reports = reports;
        this.maxPageSize = properties.maxPageSize();
    }

    /** Sum of payout events (payments, reversals, adjustments) per UTC day and currency, both days included. */
    @GetMapping(path = "/v1/partners/{partnerId}/payouts/daily", produces = MediaType.APPLICATION_JSON_VALUE)
    public DailyPayouts dailyPayouts(@PathVariable String partnerId,
            @RequestParam @DateTimeFormat(iso = ISO.DATE) LocalDate from,
            @RequestParam @DateTimeFormat(iso = ISO.DATE) LocalDate to) {
        checkRange(from, to);
        if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
            throw ApiProblems.badRequest("A report covers at most " + MAX_DAYS + " days.");
        }
        List<Day> days = reports.dailyPayouts(partnerId, from, to).stream()
                .map(t -> new Day(t.day(), t.currency(), Money.format(t.total()), t.events()))
                .toList();
        return new DailyPayouts(partnerId, from, to, days);
    }

    /** Conversions newest first; {@code from}/{@code to} (UTC days, included) are optional. */
    @GetMapping(path = "/v1/partners/{partnerId}/conversions", produces = MediaType.APPLICATION_JSON_VALUE)
    public Conversions conversions(@PathVariable String partnerId,
            @RequestParam(required = false) @DateTimeFormat(iso = ISO.DATE) LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = ISO.DATE) LocalDate to,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        if (from != null && to != null) {
            checkRange(from, to);
        } else {
            checkDay(from);
            checkDay(to);
        }
        if (page < 0 || size < 1 || size > maxPageSize) {
            throw ApiProblems.badRequest("page must be >= 0 and size between 1 and " + maxPageSize + ".");
        }
        ConversionPage result = reports.conversions(partnerId, from, to, page, size);
        List<Conversion> items = result.items().stream()
                .map(c -> new Conversion(c.conversionId(), c.submissionId(), c.revision(), c.eventTypeId(),
                        c.orderId(), Money.format(c.amount()), c.currency(), c.amountDefaulted(), c.recordedAt(),
                        c.reversedAt() != null, c.reversedAt()))
                .toList();
        int totalPages = (int) ((result.totalItems() + size - 1) / size);
        return new Conversions(partnerId, from, to, page, size, result.totalItems(), totalPages, items);
    }

    private static void checkRange(LocalDate from, LocalDate to) {
        checkDay(from);
        checkDay(to);
        if (from.isAfter(to)) {
            throw ApiProblems.badRequest("from must not be after to.");
        }
    }

    private static void checkDay(LocalDate day) {
        if (day != null && (day.getYear() < FIRST_YEAR || day.getYear() > LAST_YEAR)) {
            throw ApiProblems.badRequest("Dates must lie between " + FIRST_YEAR + " and " + LAST_YEAR + ".");
        }
    }

    public record DailyPayouts(String partnerId, LocalDate from, LocalDate to, List<Day> days) {
    }

    public record Day(LocalDate date, String currency, String total, long events) {
    }

    public record Conversions(String partnerId, LocalDate from, LocalDate to, int page, int size, long totalItems,
            int totalPages, List<Conversion> items) {
    }

    /** {@code reversed}: a later correction took the conversion back (see the submission's history). */
    public record Conversion(String conversionId, String submissionId, int revision, String eventTypeId,
            String orderId, String amount, String currency, boolean amountDefaulted, Instant recordedAt,
            boolean reversed, Instant reversedAt) {
    }
}
