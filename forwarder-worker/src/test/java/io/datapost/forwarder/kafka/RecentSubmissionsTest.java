package io.datapost.forwarder.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RecentSubmissionsTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    @Test
    void aRepeatedIdIsRefusedWithinTheWindowAndAcceptedAfterIt() {
        RecentSubmissions ids = new RecentSubmissions(100, Duration.ofSeconds(10), now::get);

        assertThat(ids.claim("a")).isTrue();
        now.addAndGet(9_999);
        assertThat(ids.claim("a")).isFalse();
        now.addAndGet(1);
        assertThat(ids.claim("a")).isTrue();
    }

    @Test
    void theOldestIdIsForgottenBeyondTheSizeBound() {
        RecentSubmissions ids = new RecentSubmissions(2, Duration.ofDays(7), now::get);

        assertThat(ids.claim("a")).isTrue();
        assertThat(ids.claim("b")).isTrue();
        assertThat(ids.claim("c")).isTrue();

        assertThat(ids.size()).isEqualTo(2);
        assertThat(ids.claim("b")).isFalse();
        assertThat(ids.claim("c")).isFalse();
        assertThat(ids.claim("a")).isTrue();
    }

    @Test
    void anIdFoundFinishedAtAssignmentIsRefused() {
        RecentSubmissions ids = new RecentSubmissions(10, Duration.ofDays(7), now::get);

        ids.remember("done");

        assertThat(ids.claim("done")).isFalse();
    }
}
