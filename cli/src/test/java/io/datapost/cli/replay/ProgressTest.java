package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void theLineShowsReadChangedRateAndTimeLeft() {
        // Given 25,000 of 100,000 records read at 5,000 records/s
        String line = Progress.line(25, 25_000, 100_000, 312, 5_000, Progress.format(Duration.ofSeconds(15)));

        // Then the bar is a quarter full and the figures are all there
        assertThat(line).startsWith("[#####...............]  25%")
                .contains("read 25,000/100,000", "changed 312", "5,000 records/s", "ETA 0:00:15");
    }
}
