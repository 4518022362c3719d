package io.datapost.ingest.web;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.async.DeferredResult;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.service.LeadIntake;
import io.datapost.ingest.service.OutcomeWaiters;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.config.LiveTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Turns an accepted lead into its answer: 202 {@code {submissionId, statusUrl}} at once, or, when the partner
 * waits, a {@link DeferredResult} that the lead-outcomes follower completes with 200 and the verdict, or a
 * one-thread timer completes with the same 202 when the wait is over. Spring MVC releases the request thread
 * meanwhile, so waiting requests cost a connection and a map entry, not a thread.
 */
@Component
public class SynchronousAnswers implements DisposableBean {

    /** The container's own async timeout, only a backstop behind our timer. */
    private static final Duration CONTAINER_BACKSTOP = Duration.ofSeconds(5);

    private final String statusBaseUrl;
    private final LiveTable<Partner> partners;
    private final ScheduledThreadPoolExecutor timer;
    private final Counter decided;
    private final Counter timedOut;

    public SynchronousAnswers(IngestProperties properties, LiveTable<Partner> partnersTable, MeterRegistry registry) {
        this.statusBaseUrl = properties.statusBaseUrl();
        this.partners = partnersTable;
        this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "ingest-wait-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        this.decided = Counter.builder("datapost.ingest.sync.answers").tag("result", "verdict")
                .description("Waiting requests by how they were answered").register(registry);
        this.timedOut = Counter.builder("datapost.ingest.sync.answers").tag("result", "timeout")
                .description("Waiting requests by how they were answered").register(registry);
    }

    /** The normal answer: the lead is stored; its outcome will be at statusUrl. */
    public record SubmissionAccepted(String submissionId, String statusUrl) {
    }

    /** The synchronous answer: the verdict arrived within the wait. Amounts are decimal strings with 4 places. */
    public record SubmissionDecided(String submissionId, String statusUrl, String verdict, String reason,
            String orderId, String payout, String payoutCurrency, int revision, Instant decidedAt) {
    }

    Object answer(LeadIntake.Accepted accepted) {
        String statusUrl = statusBaseUrl + "/v1/leads/" + accepted.submissionId();
        ResponseEntity<SubmissionAccepted> stored = ResponseEntity.accepted().location(URI.create(statusUrl))
                .contentType(MediaType.APPLICATION_JSON).body(new SubmissionAccepted(accepted.submissionId(), statusUrl));
        if (accepted.waiter().isEmpty()) {
            return stored;
        }
        OutcomeWaiters.Waiter waiter = accepted.waiter().get();
        Duration wait = accepted.waitFor();
        if (wait.isZero()) {
            waiter.release();
            return stored;
        }
        DeferredResult<ResponseEntity<?>> deferred = new DeferredResult<>(wait.plus(CONTAINER_BACKSTOP).toMillis(),
                () -> stored);
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (deferred.setResult(stored)) {
                timedOut.increment();
            }
        }, wait.toNanos(), TimeUnit.NANOSECONDS);
        deferred.onCompletion(() -> {
            deadline.cancel(false);
            waiter.release();
        });
        waiter.outcome().thenAccept(outcome -> {
            if (deferred.setResult(decided(accepted, statusUrl, outcome))) {
                decided.increment();
            }
        });
        return deferred;
    }

    private ResponseEntity<SubmissionDecided> decided(LeadIntake.Accepted accepted, String statusUrl,
            LeadOutcome outcome) {
        String payoutCurrency = outcome.getPayout() == null ? null : partners.get(accepted.partnerId())
                .flatMap(partner -> partner.getPayouts().stream()
                        .filter(term -> term.getEventTypeId().equals(accepted.eventTypeId())).findFirst())
                .map(PayoutTerm::getCurrency).orElse(null);
        return ResponseEntity.status(HttpStatus.OK).location(URI.create(statusUrl))
                .contentType(MediaType.APPLICATION_JSON)
                .body(new SubmissionDecided(accepted.submissionId(), statusUrl, outcome.getVerdict().name(),
                        outcome.getReason(), outcome.getOrderId(), money(outcome.getPayout()), payoutCurrency,
                        outcome.getRevision(), outcome.getDecidedAt()));
    }

    private static String money(BigDecimal amount) {
        return amount == null ? null : amount.setScale(4, RoundingMode.HALF_EVEN).toPlainString();
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }
}
