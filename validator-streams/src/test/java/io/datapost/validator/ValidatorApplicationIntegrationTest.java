package io.datapost.validator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.Verdict;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/** The real Spring application with exactly_once_v2 against a real (embedded KRaft) broker. */
@Tag("integration")
class ValidatorApplicationIntegrationTest {

    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    static Path stateDir;

    private static EmbeddedKafkaKraftBroker broker;
    private static ConfigurableApplicationContext app;

    @BeforeAll
    static void startBrokerConfigAndApp() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));

        // config is on its topics before the app starts, as after `datapost config apply`
        send(Topics.EVENT_TYPES, Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build());
        send(Topics.PARTNERS, Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.FIXED, "4.00"));
        sendRaw(Topics.EVENT_TYPES.name(), "broken-type", new byte[] {1, 2, 3});

        app = ValidatorApplication.builder().run(
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--server.port=0",
                "--datapost.validator.state-dir=" + stateDir);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void leadAndFinalResponseInGiveOneCommittedOutcomeConversionAndPayoutOut() throws Exception {
        // Given
        Instant receivedAt = Instant.now();

        // When
        send(Topics.LEADS, "it-1", Fixtures.lead("it-1", receivedAt));
        send(Topics.ADVERTISER_RESPONSES, "it-1", Fixtures.json("it-1", 1, true, 200,
                "{\"status\":\"accepted\",\"lead_id\":\"L-9\",\"price\":\"25.00\"}").build());

        // Then: read committed records until all three arrived, then check nothing was doubled
        List<ConsumerRecord<String, LeadOutcome>> outcomes = new ArrayList<>();
        List<ConsumerRecord<String, ConversionRecorded>> conversions = new ArrayList<>();
        List<ConsumerRecord<String, PayoutEvent>> payouts = new ArrayList<>();
        try (KafkaConsumer<String, LeadOutcome> outcomeConsumer = committedReader(Topics.LEAD_OUTCOMES);
                KafkaConsumer<String, ConversionRecorded> conversionConsumer = committedReader(Topics.CONVERSIONS);
                KafkaConsumer<String, PayoutEvent> payoutConsumer = committedReader(Topics.PAYOUTS)) {
            await().atMost(BOUND).pollInterval(Duration.ofMillis(100)).until(() -> {
                outcomeConsumer.poll(Duration.ofMillis(100)).forEach(outcomes::add);
                conversionConsumer.poll(Duration.ofMillis(100)).forEach(conversions::add);
                payoutConsumer.poll(Duration.ofMillis(100)).forEach(payouts::add);
                return !outcomes.isEmpty() && !conversions.isEmpty() && !payouts.isEmpty();
            });
            // one more round: a second transaction with duplicates would be visible by now
            outcomeConsumer.poll(Duration.ofMillis(500)).forEach(outcomes::add);
            payoutConsumer.poll(Duration.ofMillis(100)).forEach(payouts::add);
        }
        assertThat(outcomes).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo("it-1");
            assertThat(r.value().getVerdict()).isEqualTo(Verdict.ACCEPTED);
            assertThat(r.value().getRevision()).isEqualTo(1);
            assertThat(r.value().getPayout()).isEqualTo(Fixtures.money("4.00"));
        });
        assertThat(conversions).singleElement().satisfies(r -> {
            assertThat(r.value().getConversionId()).isEqualTo("it-1:1");
            assertThat(r.value().getOrderId()).isEqualTo("L-9");
        });
        assertThat(payouts).singleElement().satisfies(r -> {
            assertThat(r.value().getPayoutId()).isEqualTo("it-1:1");
            assertThat(r.value().getAmount()).isEqualTo(Fixtures.money("4.00"));
        });

        // and the service reports itself: health UP, the outcome counted on the prometheus endpoint
        String port = app.getEnvironment().getProperty("local.server.port");
        assertThat(get(port, "/actuator/health")).contains("\"status\":\"UP\"");
        assertThat(get(port, "/actuator/prometheus"))
                .contains("datapost_validator_outcomes_total{correction=\"false\",event_type=\"insurance-quote\","
                        + "verdict=\"ACCEPTED\"} 1.0");
    }

    @Test
    void onlyHealthAndPrometheusAreExposedOnTheManagementEndpoints() throws Exception {
        // Given the running service
        String port = app.getEnvironment().getProperty("local.server.port");

        // When / Then
        for (String endpoint : List.of("env", "beans", "heapdump", "threaddump", "configprops", "loggers", "metrics",
                "mappings", "conditions", "scheduledtasks", "shutdown")) {
            assertThat(status(port, "/actuator/" + endpoint)).as(endpoint).isEqualTo(404);
        }
        assertThat(status(port, "/actuator/health")).isEqualTo(200);
        assertThat(status(port, "/actuator/prometheus")).isEqualTo(200);
    }

    @Test
    void undecodableConfigRecordIsDeadLetteredByTheRunningApp() {
        List<ConsumerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(Topics.DEAD_LETTERS)) {
            await().atMost(BOUND).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(deadLetters::add);
                return !deadLetters.isEmpty();
            });
        }
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetters.get(0);
        assertThat(new String(deadLetter.key(), StandardCharsets.UTF_8)).isEqualTo("broken-type");
        assertThat(deadLetter.value()).containsExactly(1, 2, 3);
        assertThat(new String(deadLetter.headers().lastHeader(DeadLetters.ORIGINAL_TOPIC).value(),
                StandardCharsets.UTF_8)).isEqualTo(Topics.EVENT_TYPES.name());
    }

    private static <V> void send(Topic<String, V> topic, String key, V value) throws Exception {
        try (KafkaProducer<String, V> producer = new KafkaProducer<>(producerProps(), topic.keySerializer(),
                topic.valueSerializer())) {
            producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
        }
    }

    private static void sendRaw(String topic, String key, byte[] value) throws Exception {
        Serializer<byte[]> bytes = new ByteArraySerializer();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps(), bytes, bytes)) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }

    /** A group-less consumer of every partition from the beginning, seeing committed transactions only. */
    private static <K, V> KafkaConsumer<K, V> committedReader(Topic<K, V> topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(props, topic.keyDeserializer(), topic.valueDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static int status(String port, String path) throws Exception {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String get(String port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }
}
