package io.datapost.ingest.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
    void ofManyConcurrentClaimsOfOneKeyWithDifferentBodiesExactlyOneIsNew() throws Exception {
        // Given 8 threads, each claiming one key with its own body at the same moment, 500 times
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(100_000, WINDOW));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 500; round++) {
                String id = "sub-" + round;
                CyclicBarrier together = new CyclicBarrier(8);
                List<Future<Check>> claims = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    LeadFingerprint body = LeadFingerprint.of("insurance-quote", "p", Map.of("email", t + "@b.org"));
                    claims.add(pool.submit(() -> {
                        together.await();
                        return keys.reserve(id, body, T0);
                    }));
                }
                List<Check> results = new ArrayList<>();
                for (Future<Check> claim : claims) {
                    results.add(claim.get(10, TimeUnit.SECONDS));
                }

                // Then one claim wins and the other seven see a different body
                assertThat(results).as("round " + round).containsOnlyOnce(Check.NEW)
                        .filteredOn(c -> c != Check.NEW).hasSize(7).containsOnly(Check.DIFFERENT_BODY);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClaimWhoseWriteFailedIsWithdrawnAndTheKeyIsFreeForAnotherBody() {
        // Given a key claimed for one body
        IdempotencyKeys keys = new IdempotencyKeys(new IdempotencyProperties(100, WINDOW));
        assertThat(keys.reserve("sub-1", BODY, T0)).isEqualTo(Check.NEW);
        assertThat(keys.reserve("sub-1", BODY, T0 + 1)).isEqualTo(Check.SAME_BODY);
        assertThat(keys.reserve("sub-1", OTHER, T0 + 1)).isEqualTo(Check.DIFFERENT_BODY);

        // When its write fails and the claim is withdrawn
        keys.release("sub-1", BODY, T0);

        // Then the retry may bring another body
        assertThat(keys.check("sub-1", OTHER, T0 + 2)).isEqualTo(Check.NEW);
        assertThat(keys.reserve("sub-1", OTHER, T0 + 2)).isEqualTo(Check.NEW);
        // and withdrawing the old claim again does not remove the new one
        keys.release("sub-1", BODY, T0);
        assertThat(keys.check("sub-1", BODY, T0 + 3)).isEqualTo(Check.DIFFERENT_BODY);
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
