package io.datapost.forwarder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.datapost.forwarder.config.CircuitSettings;
import io.datapost.forwarder.service.CircuitBreaker.State;

class CircuitBreakerTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<State> transitions = new ArrayList<>();
    // opens when >= 50% of the last 10 calls failed, at least 4 calls in; 30 s cool-down; 2 trial calls
    private final CircuitBreaker circuit = new CircuitBreaker(
            new CircuitSettings(50, 10, 4, Duration.ofSeconds(30), 2), nanos::get, transitions::add);

    @Test
    void staysClosedBelowTheMinimumNumberOfCallsEvenIfAllFailed() {
        for (int i = 0; i < 3; i++) {
            assertThat(circuit.tryAcquire()).isTrue();
            circuit.record(false);
        }
        assertThat(circuit.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).isEmpty();
    }

    @Test
    void opensWhenTheFailureRateReachesTheThresholdAndThenRefusesCalls() {
        // Given 3 successes and 2 failures (40 %)
        record(true, true, true, false, false);
        assertThat(circuit.state()).isEqualTo(State.CLOSED);

        // When one more fails (3 of 6 = 50 %)
        record(false);

        // Then
        assertThat(circuit.state()).isEqualTo(State.OPEN);
        assertThat(transitions).containsExactly(State.OPEN);
        assertThat(circuit.tryAcquire()).isFalse();
        assertThat(circuit.nanosUntilTrial()).isEqualTo(Duration.ofSeconds(30).toNanos());
    }

    @Test
    void onlyTheLastWindowOfCallsCounts() {
        // Given 4 old failures pushed out of the 10-call window by 10 successes... interleaved so it never opens
        record(true, true, true, true, false, true, true, false, true, true);
        record(true, true, true, true, true, true, true, true, true, true);
        // When 4 failures come: 4 of the last 10
        record(false, false, false, false);
        // Then still closed; the 5th makes 5 of 10
        assertThat(circuit.state()).isEqualTo(State.CLOSED);
        record(false);
        assertThat(circuit.state()).isEqualTo(State.OPEN);
    }

    @Test
    void afterTheCoolDownTrialCallsCloseItWhenAllSucceed() {
        open();
        nanos.addAndGet(Duration.ofSeconds(30).toNanos() - 1);
        assertThat(circuit.tryAcquire()).isFalse();

        nanos.addAndGet(1);
        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.tryAcquire()).as("only 2 trial calls").isFalse();
        assertThat(circuit.state()).isEqualTo(State.HALF_OPEN);

        circuit.record(true);
        assertThat(circuit.state()).isEqualTo(State.HALF_OPEN);
        circuit.record(true);
        assertThat(circuit.state()).isEqualTo(State.CLOSED);
        assertThat(transitions).containsExactly(State.OPEN, State.HALF_OPEN, State.CLOSED);
        // and the old failures are forgotten
        record(false, false, false);
        assertThat(circuit.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void aFailedTrialOpensItForAnotherCoolDown() {
        open();
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(circuit.tryAcquire()).isTrue();

        circuit.record(false);

        assertThat(circuit.state()).isEqualTo(State.OPEN);
        assertThat(circuit.tryAcquire()).isFalse();
        assertThat(circuit.nanosUntilTrial()).isEqualTo(Duration.ofSeconds(30).toNanos());
    }

    @Test
    void anUnusedTrialPermitCanBeGivenBack() {
        open();
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.tryAcquire()).isTrue();

        circuit.release();

        assertThat(circuit.tryAcquire()).isTrue();
        assertThat(circuit.tryAcquire()).isFalse();
    }

    @Test
    void outcomesOfCallsStartedBeforeItOpenedChangeNothing() {
        open();
        circuit.record(true);
        circuit.record(true);
        assertThat(circuit.state()).isEqualTo(State.OPEN);
        assertThat(transitions).containsExactly(State.OPEN);
    }

    private void open() {
        record(false, false, false, false);
        assertThat(circuit.state()).isEqualTo(State.OPEN);
    }

    private void record(boolean... outcomes) {
        for (boolean success : outcomes) {
            assertThat(circuit.tryAcquire()).isTrue();
            circuit.record(success);
        }
    }
}
