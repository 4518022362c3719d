package io.datapost.ingest.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

class ConfigTablesHealthIndicatorTest {

    @Test
    void outOfServiceUntilBothTablesHaveReadTheirTopics() {
        assertThat(new ConfigTablesHealthIndicator(() -> false, () -> false).health().getStatus())
                .isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(new ConfigTablesHealthIndicator(() -> true, () -> false).health().getStatus())
                .isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(new ConfigTablesHealthIndicator(() -> false, () -> true).health().getStatus())
                .isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(new ConfigTablesHealthIndicator(() -> true, () -> true).health().getStatus())
                .isEqualTo(Status.UP);
    }
}
