package io.datapost.schemas.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.Topics;

class LiveTableTest {

    static final String TOPIC = Topics.PARTNERS.name();
    static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @Test
    void keepsTryingWhenTheBrokerTimesOutAtStartAndThenServesTheConfig() throws Exception {
        // Given a broker whose first metadata requests time out (as a loaded broker does at start-up)
        AtomicInteger consumersMade = new AtomicInteger();
        LiveTable<Partner> table = new LiveTable<>(Topics.PARTNERS, () -> {
            boolean slow = consumersMade.incrementAndGet() <= 2;
            MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name()) {
                @Override
                public synchronized List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
                    if (slow) {
                        throw new TimeoutException("Timeout expired while fetching topic metadata");
                    }
                    return super.partitionsFor(topic, timeout);
                }
            };
            consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, null, null, null)));
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            consumer.updateEndOffsets(Map.of(PARTITION, 1L));
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, 0,
                    Topics.PARTNERS.keySerializer().serialize(TOPIC, "demo-partner"),
                    Topics.PARTNERS.valueSerializer().serialize(TOPIC, partner("demo-partner")))));
            return consumer;
        });

        // When it starts
        try (table) {
            table.start();

            // Then it gets past the timeouts and serves the partner
            await().atMost(Duration.ofSeconds(10)).until(() -> table.get("demo-partner").isPresent());
            assertThat(table.isCaughtUp()).isTrue();
            assertThat(consumersMade.get()).isGreaterThanOrEqualTo(3);
        }
    }

    static Partner partner(String id) {
        return Partner.newBuilder().setId(id).setName(id).setActive(true).setApiKeyHashes(List.of())
                .setPayouts(List.of()).build();
    }
}
