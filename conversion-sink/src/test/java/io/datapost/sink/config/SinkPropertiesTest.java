package io.datapost.sink.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class SinkPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Settings.class);

    @Test
    void defaultsApplyWhenNothingIsSet() {
        runner.run(context -> {
            SinkProperties properties = context.getBean(SinkProperties.class);
            assertThat(properties.groupId()).isEqualTo("datapost-sink");
            assertThat(properties.concurrency()).isEqualTo(1);
            assertThat(properties.retry().initialInterval()).isEqualTo(Duration.ofMillis(500));
            assertThat(properties.retry().maxInterval()).isEqualTo(Duration.ofSeconds(10));
            assertThat(properties.enabledOperatorToken()).isEmpty();
        });
    }

    @Test
    void shortOperatorTokenFailsAtStartUp() {
        runner.withPropertyValues("datapost.sink.operator-token=short")
                .run(context -> assertThat(context).hasFailed());
    }

    @Test
    void concurrencyAbovePartitionCountFailsAtStartUp() {
        runner.withPropertyValues("datapost.sink.concurrency=99")
                .run(context -> assertThat(context).hasFailed());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SinkProperties.class)
    static class Settings {
    }
}
