package io.datapost.forwarder.kafka;

import static io.datapost.forwarder.Fixtures.eventType;
import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.coordinator.group.GroupCoordinatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.forwarder.ForwarderApplication;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/**
 * The forwarder as its own JVM, killed with SIGKILL in the middle of a run and started again: every lead still
 * ends with exactly one final response, and the advertiser calls repeated because of the crash are at most the
 * worker's in-flight limit.
 */
@Tag("integration")
class CrashRecoveryTest {

    private static final int LEADS = 2000;
    private static final int MAX_IN_FLIGHT = 32;
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static EmbeddedKafkaKraftBroker broker;
    private static MockWebServer advertiser;
    private static final Map<String, AtomicInteger> callsByIdempotencyKey = new ConcurrentHashMap<>();
    private static final List<Process> workers = new ArrayList<>();

    @BeforeAll
    static void startBrokerAndAdvertiser() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperty(GroupCoordinatorConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_CONFIG, "0");
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));
        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                callsByIdempotencyKey.computeIfAbsent(String.valueOf(request.getHeaders().get("Idempotency-Key")),
                        k -> new AtomicInteger()).incrementAndGet();
                Thread.sleep(20); // a little latency, so that calls are in flight when the worker dies
                return new MockResponse.Builder().code(200).body("{\"status\":\"accepted\"}").build();
            }
        });
        advertiser.start();
    }

    @AfterAll
    static void stopAll() throws Exception {
        workers.forEach(Process::destroyForcibly);
        if (advertiser != null) {
            advertiser.close();
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void afterKillDashNineAndRestartEveryLeadHasExactlyOneFinalResponseAndRepeatsAreAtMostTheInFlightLimit()
            throws Exception {
        // Given 2000 leads waiting, and a forwarder worker JVM delivering them
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, EventType> config = new KafkaProducer<>(producerConfig,
                Topics.EVENT_TYPES.keySerializer(), Topics.EVENT_TYPES.valueSerializer())) {
            config.send(new ProducerRecord<>(Topics.EVENT_TYPES.name(), "crash",
                    eventType("crash", request(advertiser.url("/leads").toString()).build()))).get();
        }
        try (KafkaProducer<String, LeadSubmitted> leads = new KafkaProducer<>(producerConfig,
                Topics.LEADS.keySerializer(), Topics.LEADS.valueSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < LEADS; i++) {
                String id = "crash-" + i;
                sent.add(leads.send(new ProducerRecord<>(Topics.LEADS.name(), id,
                        lead(id, "crash", Map.of("zip", "10001")))));
            }
            for (Future<RecordMetadata> send : sent) {
                send.get(); // every lead is on the topic, or the test fails here with the broker's cause
            }
        }
        Process first = startWorker(1);

        try (TopicRecorder<String, AdvertiserResponse> responses = new TopicRecorder<>(Topics.ADVERTISER_RESPONSES,
                broker.getBrokersAsString())) {
            // When it is killed with SIGKILL in the middle of the run
            await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                    .until(() -> responses.readToEnd().size() >= LEADS / 4);
            first.destroyForcibly().waitFor();
            int finalsBeforeCrash = finals(responses.readToEnd()).size();
            assertThat(finalsBeforeCrash).as("killed mid-run").isLessThan(LEADS);

            // and a new worker takes over
            startWorker(2);

            // Then every lead gets exactly one final response
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> finalsPerLead(responses.readToEnd()).size() >= LEADS);
            Map<String, Long> finalsPerLead = finalsPerLead(responses.readToEnd());
            assertThat(finalsPerLead).hasSize(LEADS);
            assertThat(finalsPerLead.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey))
                    .as("leads with more than one final response").isEmpty();
            // and the advertiser calls repeated because of the crash are at most the in-flight limit
            int repeated = callsByIdempotencyKey.values().stream().mapToInt(c -> c.get() - 1).sum();
            assertThat(callsByIdempotencyKey).hasSize(LEADS);
            assertThat(repeated).isLessThanOrEqualTo(MAX_IN_FLIGHT);
            System.out.printf("crash test: %d finals before the kill, %d advertiser calls repeated (limit %d)%n",
                    finalsBeforeCrash, repeated, MAX_IN_FLIGHT);
        }
    }

    private static List<AdvertiserResponse> finals(List<ConsumerRecord<String, AdvertiserResponse>> records) {
        return records.stream().map(ConsumerRecord::value).filter(AdvertiserResponse::getFinalAttempt).toList();
    }

    private static Map<String, Long> finalsPerLead(List<ConsumerRecord<String, AdvertiserResponse>> records) {
        return finals(records).stream()
                .collect(Collectors.groupingBy(AdvertiserResponse::getSubmissionId, Collectors.counting()));
    }

    /** The forwarder from the test classpath in its own JVM. */
    private static Process startWorker(int number) throws Exception {
        Path log = Path.of("target", "crash-worker-" + number + ".log");
        Files.createDirectories(log.getParent());
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                ForwarderApplication.class.getName(),
                "--spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                "--server.port=0",
                "--datapost.forwarder.max-in-flight=" + MAX_IN_FLIGHT,
                "--datapost.forwarder.commit-interval=200ms",
                // the dead member leaves the group after 6 s instead of 45 s
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(new File(log.toString())).start();
        workers.add(process);
        return process;
    }
}
