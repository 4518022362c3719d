package io.datapost.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TopicCreatorTest {

    EmbeddedKafkaKraftBroker kafka;

    @BeforeAll
    void startBroker() {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
    }

    @AfterAll
    void stopBroker() {
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void createsEveryRegistryTopicOnceAndReturnsOnlyWhenEveryPartitionHasALeader() throws Exception {
        List<String> names = Topics.all().stream().map(Topic::name).toList();

        List<String> created = TopicCreator.createAll(kafka.getBrokersAsString(), (short) 1, Duration.ofSeconds(60));

        assertThat(created).containsExactlyInAnyOrderElementsOf(names);
        try (Admin admin = admin()) {
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
            for (Topic<?, ?> topic : Topics.all()) {
                assertThat(described.get(topic.name()).partitions()).as(topic.name())
                        .hasSize(topic.newTopic((short) 1).numPartitions())
                        .allSatisfy(p -> assertThat(p.leader()).isNotNull().matches(l -> !l.isEmpty()));
            }
        }
        // a second run (the stack started again) creates nothing and leaves the topics as they are
        assertThat(TopicCreator.createAll(kafka.getBrokersAsString(), (short) 1, Duration.ofSeconds(60))).isEmpty();
    }

    @Test
    void waitingForATopicThatNeverAppearsTimesOutNamingIt() {
        try (Admin admin = admin()) {
            assertThatThrownBy(() -> TopicLeaders.await(admin, List.of("no-such-topic"), Duration.ofMillis(500)))
                    .isInstanceOf(TimeoutException.class).hasMessageContaining("no-such-topic");
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString()));
    }
}
