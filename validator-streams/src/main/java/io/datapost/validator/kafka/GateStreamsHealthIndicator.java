package io.datapost.validator.kafka;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** UP while the gate's Kafka Streams runs or rebalances; DOWN when it stopped or failed (no lead passes then). */
public class GateStreamsHealthIndicator implements HealthIndicator {

    private final GateStreams streams;

    public GateStreamsHealthIndicator(GateStreams streams) {
        this.streams = streams;
    }

    @Override
    public Health health() {
        KafkaStreams.State state = streams.state();
        if (state == null) {
            return Health.down().withDetail("state", "NOT_STARTED").build();
        }
        Health.Builder health = state.isRunningOrRebalancing() ? Health.up() : Health.down();
        return health.withDetail("state", state.name()).build();
    }
}
