package io.datapost.ingest.ratelimit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.config.IngestProperties.RateLimit;

/**
 * One token bucket per authenticated partner ({@code datapost.ingest.rate-limit}, overridden per partner by
 * {@code datapost.ingest.rate-limits.<partnerId>}). Buckets exist only for partners that authenticated, so
 * their number is bounded by the configured partners. Local to this instance: N instances behind a load
 * balancer let a partner post N times the rate, which is why the limit protects the instance, not a contract.
 */
@Component
public class PartnerRateLimiter {

    private final IngestProperties properties;
    private final LongSupplier clock;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    @Autowired
    public PartnerRateLimiter(IngestProperties properties) {
        this(properties, System::nanoTime);
    }

    PartnerRateLimiter(IngestProperties properties, LongSupplier clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /** {@link Duration#ZERO} when the post may go ahead, otherwise how long until the partner may post again. */
    public Duration tryAcquire(String partnerId) {
        long now = clock.getAsLong();
        TokenBucket bucket = buckets.computeIfAbsent(partnerId, id -> {
            RateLimit limit = properties.rateLimitOf(id);
            return new TokenBucket(limit.perSecond(), limit.burst(), now);
        });
        return Duration.ofNanos(bucket.tryTake(now));
    }
}
