package io.datapost.ingest.ratelimit;

/**
 * A token bucket of {@code capacity} tokens refilled continuously at {@code perSecond}: a post takes one token
 * or is told how long until one is there. Time is passed in (nanoseconds from any fixed origin), so tests
 * drive it exactly. Synchronized: one partner's posts contend only for this short critical section.
 */
final class TokenBucket {

    private static final double NANOS_PER_SECOND = 1_000_000_000d;

    private final double capacity;
    private final double perSecond;
    private double tokens;
    private long refilledAt;

    TokenBucket(double perSecond, int capacity, long now) {
        this.capacity = capacity;
        this.perSecond = perSecond;
        this.tokens = capacity;
        this.refilledAt = now;
    }

    /** Takes a token and returns 0, or takes nothing and returns the nanoseconds until a token is there. */
    synchronized long tryTake(long now) {
        if (now > refilledAt) {
            tokens = Math.min(capacity, tokens + (now - refilledAt) * perSecond / NANOS_PER_SECOND);
            refilledAt = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) * NANOS_PER_SECOND / perSecond));
    }
}
