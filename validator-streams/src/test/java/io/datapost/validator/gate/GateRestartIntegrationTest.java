package io.datapost.validator.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.util.FileSystemUtils;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.config.GateProperties;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;
import io.datapost.validator.kafka.GateStreams;

/**
 * The gate's memory survives restarts: the gate's own Kafka Streams (exactly_once_v2, RocksDB, changelogged) on a
 * real broker is stopped and started again, first on the same state directory, then on a wiped one (the store is
 * restored from its changelog), and a repeat posted after each restart is not forwarded.
 */
@Tag("integration")
class GateRestartIntegrationTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Map<String, String> BODY = Map.of("email", "ana@example.org", "zip", "30301");

    @TempDir
    static Path stateDir;

    private static EmbeddedKafkaKraftBroker broker;
    private static KafkaProducer<String, LeadSubmitted> producer;
    private static KafkaConsumer<String, LeadSubmitted> committedLeads;
    private static final List<LeadSubmitted> forwarded = new CopyOnWriteArrayList<>();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GateMetrics metrics = new GateMetrics(registry);

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all"), Topics.SUBMISSIONS.keySerializer(),
                Topics.SUBMISSIONS.valueSerializer());
        committedLeads = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                Topics.LEADS.keyDeserializer(), Topics.LEADS.valueDeserializer());
        committedLeads.assign(committedLeads.partitionsFor(Topics.LEADS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
    }

    @AfterAll
    static void stopBroker() {
        if (committedLeads != null) {
            committedLeads.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void repeatPostedAfterARestartIsNotForwardedWithTheSameOrAWipedStateDirectory() throws Exception {
        // Given the gate running, and a keyed lead that passed it
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        GateStreams gate = start();
        submit(lead("sub-1", "key-1", now));
        awaitForwarded("sub-1");

        // When the gate is stopped and started again on the same state directory, and the partner retries
        gate.stop();
        gate = start();
        submit(lead("sub-1", "key-1", now.plusSeconds(5)));
        submit(lead("marker-1", null, now.plusSeconds(5)));

        // Then the repeat is dropped (counted, not forwarded) while other leads flow
        awaitForwarded("marker-1");
        await().atMost(BOUND).until(() -> registry.get(GateMetrics.REPEATS).counter().count() == 1);

        // When the gate is stopped, its state directory wiped, and it starts again (restores from the changelog)
        gate.stop();
        FileSystemUtils.deleteRecursively(StreamsProperties.gateStateDir(validator()));
        assertThat(StreamsProperties.gateStateDir(validator())).doesNotExist();
        gate = start();
        submit(lead("sub-1", "key-1", now.plusSeconds(10)));
        submit(lead("marker-2", null, now.plusSeconds(10)));

        // Then that repeat is dropped too
        awaitForwarded("marker-2");
        await().atMost(BOUND).until(() -> registry.get(GateMetrics.REPEATS).counter().count() == 2);
        gate.stop();

        // and the leads topic holds the lead once, the first copy
        poll(Duration.ofSeconds(1));
        assertThat(forwarded).filteredOn(lead -> lead.getSubmissionId().equals("sub-1")).singleElement()
                .satisfies(lead -> assertThat(lead.getReceivedAt()).isEqualTo(now));
    }

    private GateStreams start() {
        GateStreams gate = new GateStreams(broker.getBrokersAsString(), validator(),
                new GateProperties(Duration.ofDays(7), Duration.ofMinutes(1), Map.of()), metrics);
        gate.start();
        await().atMost(BOUND).until(() -> gate.state() == KafkaStreams.State.RUNNING);
        return gate;
    }

    private static ValidatorProperties validator() {
        return new ValidatorProperties(1, stateDir.toString(), Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(30), Map.of());
    }

    private static void submit(LeadSubmitted lead) throws Exception {
        producer.send(new ProducerRecord<>(Topics.SUBMISSIONS.name(), lead.getSubmissionId(), lead))
                .get(30, TimeUnit.SECONDS);
    }

    private static void awaitForwarded(String submissionId) {
        await().atMost(BOUND).until(() -> {
            poll(Duration.ofMillis(200));
            return forwarded.stream().anyMatch(lead -> lead.getSubmissionId().equals(submissionId));
        });
    }

    private static void poll(Duration duration) {
        committedLeads.poll(duration).forEach(record -> forwarded.add(record.value()));
    }

    private static LeadSubmitted lead(String submissionId, String key, Instant receivedAt) {
        return GateTopologyTest.lead(submissionId, key, receivedAt, BODY);
    }
}
