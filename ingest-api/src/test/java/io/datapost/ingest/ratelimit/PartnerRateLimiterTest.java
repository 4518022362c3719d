package io.datapost.ingest.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.config.IngestProperties.RateLimit;
import io.datapost.ingest.config.IngestProperties.RateLimitOverride;

class PartnerRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final IngestProperties properties = new IngestProperties(DataSize.ofKilobytes(64), Duration.ofSeconds(5),
            "http://localhost:8083", Duration.ofSeconds(10), 1000, new RateLimit(2, 3),
            Map.of("slow-partner", new RateLimitOverride(0.5, null), "bulk-partner", new RateLimitOverride(null, 10)));
    private final PartnerRateLimiter limiter = new PartnerRateLimiter(properties, now::get);

    private void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }

    @Test
    void fullBucketLetsTheBurstThroughThenSaysHowLongUntilTheNextToken() {
        // Given a partner with the default bucket: 2 per second, burst 3

        // When it posts four times at once
        Duration[] answers = {limiter.tryAcquire("demo-partner"), limiter.tryAcquire("demo-partner"),
                limiter.tryAcquire("demo-partner"), limiter.tryAcquire("demo-partner")};

        // Then three pass and the fourth waits half a second, the refill time of one token
        assertThat(answers).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ofMillis(500));
    }

    @Test
    void tokensComeBackAtTheConfiguredRateButNeverAboveTheBurst() {
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("demo-partner");
        }

        advance(Duration.ofMillis(500));
        assertThat(limiter.tryAcquire("demo-partner")).isZero();
        assertThat(limiter.tryAcquire("demo-partner")).isEqualTo(Duration.ofMillis(500));

        advance(Duration.ofHours(1));
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("demo-partner")).as("post %d after a long pause", i).isZero();
        }
        assertThat(limiter.tryAcquire("demo-partner")).isPositive();
    }

    @Test
    void partnersHaveTheirOwnBuckets() {
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("demo-partner");
        }

        assertThat(limiter.tryAcquire("demo-partner")).isPositive();
        assertThat(limiter.tryAcquire("other-partner")).isZero();
    }

    @Test
    void overrideReplacesOnlyTheHalvesItGives() {
        // slow-partner: 0.5 per second, the default burst of 3
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire("slow-partner")).isZero();
        }
        assertThat(limiter.tryAcquire("slow-partner")).isEqualTo(Duration.ofSeconds(2));

        // bulk-partner: the default 2 per second, a burst of 10
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("bulk-partner")).isZero();
        }
        assertThat(limiter.tryAcquire("bulk-partner")).isEqualTo(Duration.ofMillis(500));
    }
}
