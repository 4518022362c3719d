package io.datapost.forwarder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.datapost.schemas.FailureClass;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5));

    @ParameterizedTest(name = "{0} idempotent={1} -> retry={2}")
    @CsvSource({
            "CONNECT, false, true", "CONNECT, true, true",
            "TIMEOUT, false, false", "TIMEOUT, true, true",
            "HTTP_5XX, false, false", "HTTP_5XX, true, true",
            "HTTP_429, false, false", "HTTP_429, true, true",
            "IO, false, false", "IO, true, true", "NONE, true, false", "INVALID_REQUEST, true, false"})
    void retriesOnlyWhatCannotHaveReachedTheAdvertiserOrWhatItCollapses(FailureClass failureClass,
            boolean idempotent, boolean expected) {
        assertThat(policy.isRetryable(failureClass, idempotent)).isEqualTo(expected);
    }

    @Test
    void delayGrowsExponentiallyWithJitterAndStaysUnderTheCap() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            assertThat(policy.delayAfter(1, null, random)).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
            assertThat(policy.delayAfter(2, null, random)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(policy.delayAfter(3, null, random)).isBetween(Duration.ofMillis(400), Duration.ofMillis(800));
            assertThat(policy.delayAfter(40, null, random)).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(5));
        }
    }

    @Test
    void jitterSpreadsTheDelays() {
        Random random = new Random(7);
        long distinct = IntStream.range(0, 50)
                .mapToObj(i -> policy.delayAfter(3, null, random)).distinct().count();
        assertThat(distinct).isGreaterThan(10);
    }

    @Test
    void retryAfterLongerThanTheBackOffCapIsHonouredUpToItsOwnCap() {
        RetryPolicy honouring = new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofMinutes(5));
        Random random = new Random(7);
        assertThat(honouring.delayAfter(1, Duration.ofSeconds(120), random)).isEqualTo(Duration.ofSeconds(120));
        assertThat(honouring.delayAfter(1, Duration.ofHours(2), random)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void retryAfterIsHonouredUpToTheCap() {
        Random random = new Random(7);
        assertThat(policy.delayAfter(1, Duration.ofSeconds(2), random)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.delayAfter(1, Duration.ofSeconds(120), random)).isEqualTo(Duration.ofSeconds(5));
    }
}
