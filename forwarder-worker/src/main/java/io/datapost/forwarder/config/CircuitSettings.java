package io.datapost.forwarder.config;

import java.time.Duration;

/**
 * When the circuit of an advertiser endpoint opens and how it closes again.
 *
 * @param failureRatePercent failed calls among the last {@code window} that open the circuit (at least this share)
 * @param window number of most recent calls judged
 * @param minimumCalls calls needed in the window before it can open
 * @param openDuration cool-down during which no call is made
 * @param halfOpenCalls trial calls after the cool-down; one failure opens it again, all succeeding close it
 */
public record CircuitSettings(int failureRatePercent, int window, int minimumCalls, Duration openDuration,
        int halfOpenCalls) {

    public CircuitSettings {
        if (failureRatePercent < 1 || failureRatePercent > 100) {
            throw new IllegalArgumentException("circuit failure rate must be 1..100 percent");
        }
        if (window < 1 || minimumCalls < 1 || halfOpenCalls < 1) {
            throw new IllegalArgumentException("circuit window, minimum calls and half-open calls must be >= 1");
        }
        if (openDuration == null || openDuration.isNegative()) {
            throw new IllegalArgumentException("circuit open duration must not be negative");
        }
    }
}
