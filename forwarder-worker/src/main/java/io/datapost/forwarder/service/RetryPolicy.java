package io.datapost.forwarder.service;

import java.time.Duration;
import java.util.random.RandomGenerator;

import io.datapost.schemas.FailureClass;

/**
 * Which failed attempts are repeated and after how long.
 * A CONNECT failure is always repeated: the request never left, so the advertiser cannot have seen it.
 * A timeout, another I/O failure (e.g. the connection closed after the request was written), 5xx or 429 may have
 * reached the advertiser, so it is repeated only when the advertiser collapses repeats by the idempotency key
 * ({@code request.idempotent}).
 *
 * @param base delay after the first failed attempt (doubled per further attempt)
 * @param max cap of the exponential back-off
 * @param retryAfterMax cap of an advertiser's Retry-After (a safety net against absurd values); the wait holds no
 *        thread and no call slot, only the lead's place in memory
 */
public record RetryPolicy(Duration base, Duration max, Duration retryAfterMax) {

    /** A Retry-After capped like the back-off. */
    public RetryPolicy(Duration base, Duration max) {
        this(base, max, max);
    }

    public boolean isRetryable(FailureClass failureClass, boolean idempotent) {
        return switch (failureClass) {
            case CONNECT -> true;
            case TIMEOUT, IO, HTTP_5XX, HTTP_429 -> idempotent;
            default -> false;
        };
    }

    /**
     * Delay before the attempt after {@code failedAttempt} (1-based): the advertiser's Retry-After when it gave
     * one (at most {@link #retryAfterMax}), else exponential back-off with "equal jitter" (half fixed, half random)
     * so that leads failing together do not all retry together, at most {@link #max}.
     */
    public Duration delayAfter(int failedAttempt, Duration retryAfter, RandomGenerator random) {
        if (retryAfter != null) {
            return retryAfter.compareTo(retryAfterMax) > 0 ? retryAfterMax : retryAfter;
        }
        long maxMillis = max.toMillis();
        long exponential = base.toMillis();
        for (int i = 1; i < failedAttempt && exponential < maxMillis; i++) {
            exponential *= 2;
        }
        exponential = Math.min(exponential, maxMillis);
        long half = exponential / 2;
        return Duration.ofMillis(half + random.nextLong(exponential - half + 1));
    }
}
