package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.datapost.ingest.service.IdempotencyKeys.Check;
import io.datapost.schemas.LeadFingerprint;

class IdempotencyKeysTest {

    private static final long T0 = 1_767_225_600_000L;
    private static final Duration WINDOW = Duration.ofDays(7);
    private static final LeadFingerprint BODY = LeadFingerprint.of("insurance-quote", "p", Map.of("email", "a@b.org"));
    private static final LeadFingerprint OTHER = LeadFingerprint.of("insurance-quote", "p", Map.of("email", "c@d.org"));

    @Test
    void keyAcceptedWithOneBodyIsAReuseWithAnotherAndARetryWithTheSame() {
        // Given
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(100, WINDOW));

        // When
        Check before = keys.check("sub-1", BODY, T0);
        keys.accepted("sub-1", BODY, T0);

        // Then
        assertThat(before).isEqualTo(Check.NEW);
        assertThat(keys.check("sub-1", BODY, T0 + 1)).isEqualTo(Check.SAME_BODY);
        assertThat(keys.check("sub-1", OTHER, T0 + 1)).isEqualTo(Check.DIFFERENT_BODY);
        assertThat(keys.check("sub-2", OTHER, T0 + 1)).isEqualTo(Check.NEW);
    }

    @Test
    void firstAcceptedBodyStandsWhenASecondIsAcceptedConcurrently() {
        // Given two posts that both passed the check before either was acknowledged
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(100, WINDOW));
        keys.accepted("sub-1", BODY, T0);

        // When
        keys.accepted("sub-1", OTHER, T0 + 5);

        // Then
        assertThat(keys.check("sub-1", BODY, T0 + 10)).isEqualTo(Check.SAME_BODY);
    }

    @Test
    void keyIsForgottenAfterTheWindow() {
        // Given
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(100, WINDOW));
        keys.accepted("sub-1", BODY, T0);

        // Then
        assertThat(keys.check("sub-1", OTHER, T0 + WINDOW.toMillis() - 1)).isEqualTo(Check.DIFFERENT_BODY);
        assertThat(keys.check("sub-1", OTHER, T0 + WINDOW.toMillis())).isEqualTo(Check.NEW);

        // and a new acceptance starts a new window, dropping what expired
        keys.accepted("sub-1", OTHER, T0 + WINDOW.toMillis());
        assertThat(keys.check("sub-1", OTHER, T0 + WINDOW.toMillis() + 1)).isEqualTo(Check.SAME_BODY);
        assertThat(keys.size()).isEqualTo(1);
    }

    @Test
    void memoryIsBoundedAndTheOldestKeysGoFirst() {
        // Given room for 16 keys (one per segment)
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(16, WINDOW));

        // When 10,000 keys are accepted
        for (int i = 0; i < 10_000; i++) {
            keys.accepted("sub-" + i, BODY, T0 + i);
        }

        // Then at most 16 are remembered, the newest among them
        assertThat(keys.size()).isLessThanOrEqualTo(16);
        assertThat(keys.check("sub-0", OTHER, T0 + 10_000)).isEqualTo(Check.NEW);
        assertThat(keys.check("sub-9999", OTHER, T0 + 10_000)).isEqualTo(Check.DIFFERENT_BODY);
    }

    @Test
    void zeroEntriesTurnsTheCheckOff() {
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(0, WINDOW));

        keys.accepted("sub-1", BODY, T0);

        assertThat(keys.check("sub-1", OTHER, T0 + 1)).isEqualTo(Check.NEW);
        assertThat(keys.size()).isZero();
    }
}
