package io.datapost.validator.ledger;

import java.time.Duration;
import java.util.Objects;

/**
 * What the ledger topology needs besides its topics.
 *
 * @param noResponseGrace       added to timeout x attempts before a lead without a final response is NO_RESPONSE
 * @param deadlineCheckInterval how often (in stream time) overdue leads are looked for; a NO_RESPONSE may come
 *                              up to this much after its deadline, never before
 * @param metrics               where outcomes and dropped duplicates are counted
 */
public record LedgerSettings(Duration noResponseGrace, Duration deadlineCheckInterval, LedgerMetrics metrics) {

    public static final Duration DEFAULT_NO_RESPONSE_GRACE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DEADLINE_CHECK_INTERVAL = Duration.ofSeconds(1);

    public LedgerSettings {
        Objects.requireNonNull(noResponseGrace, "noResponseGrace");
        Objects.requireNonNull(deadlineCheckInterval, "deadlineCheckInterval");
        Objects.requireNonNull(metrics, "metrics");
        if (noResponseGrace.isNegative()) {
            throw new IllegalArgumentException("noResponseGrace must not be negative");
        }
        if (deadlineCheckInterval.isNegative() || deadlineCheckInterval.isZero()) {
            throw new IllegalArgumentException("deadlineCheckInterval must be positive");
        }
    }
}
