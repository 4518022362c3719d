package io.datapost.validator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keeps the benchmark harness working: a tiny driver-mode run decides every lead. Figures: see README. */
class LedgerBenchmarkSmokeTest {

    @Test
    void driverModeDecidesEveryLead() throws Exception {
        assertThat(LedgerBenchmark.driver(500)).isEqualTo(500);
    }
}
