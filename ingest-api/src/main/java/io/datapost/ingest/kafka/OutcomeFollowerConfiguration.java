package io.datapost.ingest.kafka;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.ingest.service.OutcomeWaiters;
import io.micrometer.core.instrument.MeterRegistry;

/** The lead-outcomes follower of the synchronous mode, on Boot's consumer settings (bootstrap, security). */
@Configuration(proxyBeanMethods = false)
public class OutcomeFollowerConfiguration {

    @Bean
    public OutcomeFollower outcomeFollower(KafkaProperties kafka, OutcomeWaiters waiters, MeterRegistry registry,
            IngestProperties properties) {
        return new OutcomeFollower(kafka.buildConsumerProperties(), waiters, registry, properties.maxWaiting() > 0);
    }
}
