package io.datapost.forwarder.kafka;

import static io.datapost.forwarder.Fixtures.eventType;
import static io.datapost.forwarder.Fixtures.lead;
import static io.datapost.forwarder.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import mockwebserver3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.coordinator.group.GroupCoordinatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.forwarder.ForwarderApplication;
import io.datapost.forwarder.config.EventTypeCatalog;
import io.datapost.forwarder.config.InactiveEventTypeException;
import io.datapost.forwarder.config.UnknownEventTypeException;
import io.datapost.forwarder.http.RequestRenderException;
import io.datapost.forwarder.service.ForwarderMetrics;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/** The whole service on a real KRaft broker, calling a MockWebServer advertiser. */
@Tag("integration")
class ForwarderIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static EmbeddedKafkaKraftBroker broker;
    private static MockWebServer advertiser;
    private static final Map<String, List<RecordedRequest>> requestsByPath = new ConcurrentHashMap<>();
    private static KafkaProducer<String, EventType> configProducer;
    private static KafkaProducer<String, LeadSubmitted> leadProducer;
    private static KafkaProducer<byte[], byte[]> rawProducer;
    private static TopicRecorder<String, AdvertiserResponse> responses;
    private static ConfigurableApplicationContext app;
    private static volatile boolean downAdvertiserHealed;
    /** holds the answers of /it/gate until the test opens it */
    private static final CountDownLatch gate = new CountDownLatch(1);

    @BeforeAll
    static void startBrokerAdvertiserAndService() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperty(GroupCoordinatorConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_CONFIG, "0");
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));

        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                requestsByPath.computeIfAbsent(request.getUrl().encodedPath(), p -> new CopyOnWriteArrayList<>())
                        .add(request);
                if (request.getUrl().encodedPath().equals("/it/down") && !downAdvertiserHealed) {
                    return new MockResponse.Builder().code(503).body("down").build();
                }
                if (request.getUrl().encodedPath().equals("/it/gate")) {
                    try {
                        gate.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (request.getUrl().encodedPath().equals("/it/reforward")) {
                    // calls 1-3 (the first delivery) and 4 fail, 5 succeeds
                    int call = requestsByPath.get("/it/reforward").size();
                    return call < 5 ? new MockResponse.Builder().code(503).body("busy").build()
                            : new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                                    .body("{\"status\":\"accepted\"}").build();
                }
                if (request.getUrl().encodedPath().equals("/it/hang")) {
                    return new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();
                }
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                        .body("{\"status\":\"accepted\"}").build();
            }
        });
        advertiser.start();

        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all");
        configProducer = new KafkaProducer<>(producerConfig, Topics.EVENT_TYPES.keySerializer(),
                Topics.EVENT_TYPES.valueSerializer());
        leadProducer = new KafkaProducer<>(producerConfig, Topics.LEADS.keySerializer(),
                Topics.LEADS.valueSerializer());
        rawProducer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        responses = new TopicRecorder<>(Topics.ADVERTISER_RESPONSES, bootstrap());

        publish(eventType("it-basic", request(advertiser.url("/it/basic").toString()).setIdempotent(true).build()));
        publish(eventType("it-after", request(advertiser.url("/it/after").toString()).build()));
        publish(eventType("it-hanging", request(advertiser.url("/it/hang").toString()).setTimeoutMillis(120_000)
                .build()));
        publish(eventType("it-healthy", request(advertiser.url("/it/healthy").toString()).build()));
        publish(eventType("it-down", request(advertiser.url("/it/down").toString()).build()));
        EventType inactive = eventType("it-inactive", request(advertiser.url("/it/inactive").toString()).build());
        inactive.setActive(false);
        publish(inactive);
        publish(eventType("it-dup", request(advertiser.url("/it/dup").toString()).build()));
        publish(eventType("it-gate", request(advertiser.url("/it/gate").toString()).build()));
        publish(eventType("it-reforward", request(advertiser.url("/it/reforward").toString()).setIdempotent(true)
                .build()));
        publish(eventType("it-bad-header", request(advertiser.url("/it/bad-header").toString())
                .setHeaders(Map.of("X-Api-Key", "k\r\nX-Injected: 1")).build()));

        // overrides as arguments: they must beat the module's own forwarder-worker.yml
        app = ForwarderApplication.builder().run(
                "--spring.kafka.bootstrap-servers=" + bootstrap(),
                "--server.port=0",
                "--datapost.forwarder.retry-backoff-base=10ms",
                "--datapost.forwarder.retry-backoff-max=50ms",
                "--datapost.forwarder.unknown-event-type-grace=200ms",
                "--datapost.forwarder.error-retry-interval=100ms",
                "--datapost.forwarder.shutdown-timeout=1s",
                "--datapost.forwarder.commit-interval=100ms",
                "--datapost.forwarder.event-types.it-hanging.max-in-flight=3",
                // small enough that a dead advertiser's waiting leads exceed it (a poll may overshoot it by
                // max-poll-records)
                "--datapost.forwarder.max-pending-leads=40",
                "--spring.kafka.consumer.max-poll-records=10",
                "--datapost.forwarder.event-types.it-down.max-in-flight=2",
                "--datapost.forwarder.event-types.it-down.circuit-window=5",
                "--datapost.forwarder.event-types.it-down.circuit-minimum-calls=5",
                "--datapost.forwarder.event-types.it-down.circuit-open-duration=2s");
    }

    @AfterAll
    static void stopAll() {
        if (app != null) {
            app.close();
        }
        for (AutoCloseable closeable : new AutoCloseable[] {responses, configProducer, leadProducer, rawProducer,
                advertiser}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
        if (broker != null) {
            broker.destroy();
        }
    }

    @Test
    void everyLeadEndsWithExactlyOneFinalResponseAfterOneAdvertiserCall() {
        // Given 20 leads for an event type whose advertiser accepts
        List<String> ids = IntStream.rangeClosed(1, 20).mapToObj(i -> "basic-" + i).toList();

        // When
        ids.forEach(id -> leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), id,
                lead(id, "it-basic", Map.of("first_name", "Ann", "zip", "10001")))));
        leadProducer.flush();

        // Then each gets its final response
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().keySet().containsAll(ids));
        Map<String, List<AdvertiserResponse>> finals = finalResponsesBySubmission();
        assertThat(ids).allSatisfy(id -> assertThat(finals.get(id)).singleElement().satisfies(response -> {
            assertThat(response.getAttempt()).isEqualTo(1);
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.NONE);
            assertThat(response.getHttpStatus()).isEqualTo(200);
            assertThat(response.getEventTypeId()).isEqualTo("it-basic");
        }));
        // and the advertiser was called once per lead, with the lead's idempotency key
        List<RecordedRequest> calls = requestsByPath.getOrDefault("/it/basic", List.of());
        assertThat(calls).hasSize(20);
        assertThat(calls).extracting(r -> r.getHeaders().get("Idempotency-Key"))
                .containsExactlyInAnyOrderElementsOf(ids.stream().map(id -> "dp-" + id).toList());
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        assertThat(registry.get(ForwarderMetrics.CALLS).tag("eventType", "it-basic").tag("failureClass", "NONE")
                .counter().count()).isEqualTo(20);
    }

    @Test
    void undecodableAndUnprocessableLeadsAreDeadLetteredOnceAndLaterLeadsStillFlow() throws Exception {
        // Given, in one partition: garbage, an empty value, leads for an unknown event type, an inactive one and
        // one whose request would carry a CR/LF header, then a good lead
        byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
        LeadSubmitted unknown = lead("dlt-unknown", "no-such-type", Map.of("zip", "10001"));
        LeadSubmitted inactive = lead("dlt-inactive", "it-inactive", Map.of("zip", "10001"));
        RecordMetadata garbageSent = rawProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0,
                "dlt-garbage".getBytes(StandardCharsets.UTF_8), garbage)).get();
        rawProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0, "dlt-empty".getBytes(StandardCharsets.UTF_8),
                null)).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0, "dlt-unknown", unknown)).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0, "dlt-inactive", inactive)).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0, "dlt-render",
                lead("dlt-render", "it-bad-header", Map.of("zip", "10001")))).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), 0, "dlt-after",
                lead("dlt-after", "it-after", Map.of("zip", "10001")))).get();

        // When the good lead behind them has been delivered (it does not wait for them: the unknown event type's
        // grace runs on a timer) and the bad ones have been dead-lettered
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().containsKey("dlt-after"));
        Map<String, List<ConsumerRecord<byte[], byte[]>>> deadLetters;
        try (TopicRecorder<byte[], byte[]> recorder = new TopicRecorder<>(Topics.DEAD_LETTERS, bootstrap())) {
            await().atMost(WAIT).pollInSameThread().until(() -> recorder.readToEnd().stream()
                    .map(r -> new String(r.key(), StandardCharsets.UTF_8)).collect(Collectors.toSet())
                    .containsAll(List.of("dlt-garbage", "dlt-empty", "dlt-unknown", "dlt-inactive", "dlt-render")));
            deadLetters = recorder.readToEnd().stream()
                    .collect(Collectors.groupingBy(r -> new String(r.key(), StandardCharsets.UTF_8)));
        }

        // Then the bad records are on the dead-letter topic, once each, with the cause
        assertThat(deadLetters.get("dlt-garbage")).singleElement().satisfies(record -> {
            assertThat(record.value()).isEqualTo(garbage);
            assertThat(header(record, DeadLetters.CAUSE_CLASS)).isEqualTo(DeserializationException.class.getName());
            assertThat(header(record, DeadLetters.CAUSE_MESSAGE)).contains("LeadSubmitted");
            assertThat(header(record, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.LEADS.name());
            assertThat(header(record, DeadLetters.ORIGINAL_PARTITION)).isEqualTo("0");
            assertThat(header(record, DeadLetters.ORIGINAL_OFFSET)).isEqualTo(String.valueOf(garbageSent.offset()));
            assertThat(header(record, DeadLetters.SERVICE)).isEqualTo("forwarder-worker");
        });
        assertThat(deadLetters.get("dlt-unknown")).singleElement().satisfies(record -> {
            assertThat(Topics.LEADS.valueDeserializer().deserialize(Topics.LEADS.name(), record.value()))
                    .isEqualTo(unknown);
            assertThat(header(record, DeadLetters.CAUSE_CLASS)).isEqualTo(UnknownEventTypeException.class.getName());
            assertThat(header(record, DeadLetters.CAUSE_MESSAGE)).contains("no-such-type");
            assertThat(header(record, DeadLetters.SERVICE)).isEqualTo("forwarder-worker");
        });
        assertThat(deadLetters.get("dlt-inactive")).singleElement().satisfies(record -> assertThat(
                header(record, DeadLetters.CAUSE_CLASS)).isEqualTo(InactiveEventTypeException.class.getName()));
        assertThat(deadLetters.get("dlt-render")).singleElement().satisfies(record -> {
            assertThat(header(record, DeadLetters.CAUSE_CLASS)).isEqualTo(RequestRenderException.class.getName());
            assertThat(header(record, DeadLetters.CAUSE_MESSAGE)).contains("X-Api-Key").doesNotContain("X-Injected");
        });
        assertThat(deadLetters.get("dlt-empty")).singleElement().satisfies(record -> {
            assertThat(record.value()).isNull();
            assertThat(header(record, DeadLetters.CAUSE_CLASS)).isEqualTo(InvalidLeadException.class.getName());
        });
        // and nothing was sent for them; the lead whose request cannot be sent still gets its final verdict-making
        // response at once (INVALID_REQUEST), the others have no usable lead or event type
        assertThat(finalResponsesBySubmission()).doesNotContainKeys("dlt-garbage", "dlt-empty", "dlt-unknown",
                "dlt-inactive");
        assertThat(finalResponsesBySubmission().get("dlt-render")).singleElement().satisfies(response -> {
            assertThat(response.getFailureClass()).isEqualTo(FailureClass.INVALID_REQUEST);
            assertThat(response.getAttempt()).isEqualTo(1);
            assertThat(response.getFailureMessage()).contains("X-Api-Key").doesNotContain("X-Injected");
        });
        assertThat(requestsByPath).doesNotContainKeys("/it/inactive", "/it/bad-header");
    }

    @Test
    void aRepeatedSubmissionIdAfterItsFinalResponseCallsTheAdvertiserOnce() throws Exception {
        // Given a lead delivered with its final response
        int partition = 1;
        double skippedBefore = skipped();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-1",
                lead("dup-1", "it-dup", Map.of("zip", "10001")))).get();
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("dup-1"));

        // When the partner retries it (same submission id, same partition), followed by another lead
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-1",
                lead("dup-1", "it-dup", Map.of("zip", "10001")))).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-1-after",
                lead("dup-1-after", "it-dup", Map.of("zip", "10001")))).get();
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("dup-1-after"));

        // Then the advertiser was called once for it, and it has one final response (and no other response)
        await().during(Duration.ofSeconds(1)).atMost(WAIT).pollInSameThread()
                .until(() -> responses.readToEnd().stream().filter(r -> r.key().equals("dup-1")).count() == 1);
        assertThat(requestsByPath.get("/it/dup")).extracting(r -> r.getHeaders().get("Idempotency-Key"))
                .containsExactlyInAnyOrder("dp-dup-1", "dp-dup-1-after");
        assertThat(responses.readToEnd()).filteredOn(r -> r.key().equals("dup-1")).hasSize(1);
        assertThat(skipped()).isEqualTo(skippedBefore + 1);
    }

    @Test
    void aReforwardedLeadIsCalledAgainWithAttemptsNumberedFromItsHeaderAndOnlyOnce() throws Exception {
        // Given a lead whose three attempts failed (final attempt 3: the validator says ERROR)
        int partition = 3;
        LeadSubmitted original = lead("refwd-1", "it-reforward", Map.of("zip", "10001"));
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "refwd-1", original)).get();
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("refwd-1"));
        assertThat(attemptsOf("refwd-1")).containsExactly("1", "2", "3 final");
        double skippedBefore = skipped();

        // When a replay writes the same lead again with the header, starting at attempt 4
        ProducerRecord<String, LeadSubmitted> reforward = new ProducerRecord<>(Topics.LEADS.name(), partition,
                "refwd-1", original);
        reforward.headers().add(ReforwardHeader.NAME, ReforwardHeader.value(4));
        leadProducer.send(reforward).get();

        // Then the advertiser is called again (same idempotency key), attempts 4 (503, retried) and 5 (final)
        await().atMost(WAIT).pollInSameThread().until(() -> attemptsOf("refwd-1").contains("5 final"));
        assertThat(attemptsOf("refwd-1")).containsExactly("1", "2", "3 final", "4", "5 final");
        assertThat(requestsByPath.get("/it/reforward")).hasSize(5)
                .extracting(r -> r.getHeaders().get("Idempotency-Key")).containsOnly("dp-refwd-1");

        // When the same re-forward record comes again, and a partner's plain repeat of the lead, then another lead
        ProducerRecord<String, LeadSubmitted> again = new ProducerRecord<>(Topics.LEADS.name(), partition,
                "refwd-1", original);
        again.headers().add(ReforwardHeader.NAME, ReforwardHeader.value(4));
        leadProducer.send(again).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "refwd-1", original)).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "refwd-1-after",
                lead("refwd-1-after", "it-dup", Map.of("zip", "10001")))).get();
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("refwd-1-after"));

        // Then neither calls the advertiser nor publishes anything
        assertThat(requestsByPath.get("/it/reforward")).hasSize(5);
        assertThat(attemptsOf("refwd-1")).hasSize(5);
        assertThat(skipped()).isEqualTo(skippedBefore + 2);
    }

    @Test
    void theFinishedLeadsIndexDoesNotCountTheEarlierDeliverysFinalResponseAgainstAReforward() throws Exception {
        // Given on the responses topic: a delivery that ended at attempt 3, and a lead on the leads topic
        int partition = 4;
        String id = "index-1";
        for (int attempt = 1; attempt <= 3; attempt++) {
            sendResponse(partition, id, attempt, attempt == 3);
        }
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, id,
                lead(id, "it-unknown-for-index", Map.of()))).get();
        TopicPartition leads = new TopicPartition(Topics.LEADS.name(), partition);

        // When the index is built for the partition (no committed offset: everything in it is unfinished)
        FinishedLeadsIndex.Seen seen = buildIndexAndLookUp(leads, id);

        // Then the lead is finished as an ordinary lead, but not as a re-forward starting at attempt 4
        assertThat(seen.attempts()).isEqualTo(3);
        assertThat(seen.finished()).isTrue();
        assertThat(seen.finishedFrom(1)).isTrue();
        assertThat(seen.finishedFrom(4)).isFalse();

        // When the re-forward published attempt 4 (not final) and then its final attempt 5
        sendResponse(partition, id, 4, false);
        assertThat(buildIndexAndLookUp(leads, id)).satisfies(s -> {
            assertThat(s.attempts()).isEqualTo(4);
            assertThat(s.finishedFrom(4)).isFalse();
        });
        sendResponse(partition, id, 5, true);

        // Then the re-forward counts as finished
        assertThat(buildIndexAndLookUp(leads, id).finishedFrom(4)).isTrue();
    }

    private static FinishedLeadsIndex.Seen buildIndexAndLookUp(TopicPartition partition, String id) {
        Map<String, Object> config = Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap(), org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG, "index-test");
        FinishedLeadsIndex index = new FinishedLeadsIndex(config, Duration.ofMinutes(5), 1000);
        try (var leadsConsumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            index.build(leadsConsumer, List.of(partition));
        }
        return index.lookup(partition, 0, id);
    }

    private static void sendResponse(int partition, String id, int attempt, boolean isFinal) throws Exception {
        AdvertiserResponse response = AdvertiserResponse.newBuilder().setSubmissionId(id).setEventTypeId("it-x")
                .setPartnerId("demo-partner").setAttempt(attempt).setFinalAttempt(isFinal)
                .setRequestId(id + "-" + attempt).setFailureClass(FailureClass.HTTP_5XX).setHttpStatus(503)
                .setHeaders(Map.of()).setLatencyMillis(1).setRespondedAt(java.time.Instant.now()).build();
        rawProducer.send(new ProducerRecord<>(Topics.ADVERTISER_RESPONSES.name(), partition,
                Topics.ADVERTISER_RESPONSES.keySerializer().serialize(Topics.ADVERTISER_RESPONSES.name(), id),
                Topics.ADVERTISER_RESPONSES.valueSerializer().serialize(Topics.ADVERTISER_RESPONSES.name(),
                        response))).get();
    }

    private static List<String> attemptsOf(String id) {
        return responses.readToEnd().stream().map(ConsumerRecord::value).filter(r -> r.getSubmissionId().equals(id))
                .map(r -> r.getAttempt() + (r.getFinalAttempt() ? " final" : "")).toList();
    }

    @Test
    void aRepeatedSubmissionIdWhileItsCallIsInFlightCallsTheAdvertiserOnce() throws Exception {
        // Given a lead whose advertiser call is in flight (the advertiser holds its answer)
        int partition = 2;
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-2",
                lead("dup-2", "it-gate", Map.of("zip", "10001")))).get();
        await().atMost(WAIT).until(() -> requestsByPath.getOrDefault("/it/gate", List.of()).size() == 1);

        // When the partner retries it meanwhile, followed by another lead that is delivered
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-2",
                lead("dup-2", "it-gate", Map.of("zip", "10001")))).get();
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "dup-2-after",
                lead("dup-2-after", "it-dup", Map.of("zip", "10001")))).get();
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("dup-2-after"));
        gate.countDown();

        // Then, once the advertiser answered, the lead has one final response after exactly one call
        await().atMost(WAIT).pollInSameThread().until(() -> finalResponsesBySubmission().containsKey("dup-2"));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).pollInSameThread()
                .until(() -> requestsByPath.get("/it/gate").size() == 1
                        && responses.readToEnd().stream().filter(r -> r.key().equals("dup-2")).count() == 1);
    }

    @Test
    void aHangingAdvertiserDoesNotStallAnotherAdvertisersLeadsInTheSamePartitionAndHoldsTheCommit()
            throws Exception {
        // Given, in ONE partition, 5 leads for an advertiser that never answers, then 30 for a healthy one
        int partition = 3;
        RecordMetadata firstHanging = null;
        for (int i = 0; i < 5; i++) {
            RecordMetadata sent = leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, "hang-" + i,
                    lead("hang-" + i, "it-hanging", Map.of("zip", "10001")))).get();
            firstHanging = firstHanging == null ? sent : firstHanging;
        }
        List<String> healthy = IntStream.range(0, 30).mapToObj(i -> "healthy-" + i).toList();
        long start = System.nanoTime();
        for (String id : healthy) {
            leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, id,
                    lead(id, "it-healthy", Map.of("zip", "10001"))));
        }
        leadProducer.flush();

        // When / Then the healthy leads all get their final response promptly
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().keySet().containsAll(healthy));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        // while the hanging advertiser has exactly its 3 slots (event-types.it-hanging.max-in-flight) in use
        await().atMost(WAIT).until(() -> requestsByPath.getOrDefault("/it/hang", List.of()).size() == 3);
        assertThat(finalResponsesBySubmission()).doesNotContainKeys("hang-0", "hang-1", "hang-2", "hang-3",
                "hang-4");
        // and the committed offset of the partition stays at the first unfinished lead
        long firstHangingOffset = firstHanging.offset();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            TopicPartition leads = new TopicPartition(Topics.LEADS.name(), partition);
            await().atMost(WAIT).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("datapost-forwarder")
                        .partitionsToOffsetAndMetadata().get().get(leads);
                return committed != null && committed.offset() == firstHangingOffset;
            });
        }
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        assertThat(registry.get(ForwarderMetrics.IN_FLIGHT).tag("eventType", "it-hanging").gauge().value())
                .isEqualTo(3);
        assertThat(registry.get(ForwarderMetrics.WAITING).tag("eventType", "it-hanging").gauge().value())
                .isEqualTo(2);
    }

    @Test
    void aDeadAdvertisersWaitingLeadsAreSpilledSoOthersFlowAndAllAreDeliveredOnceAfterItRecovers()
            throws Exception {
        // Given, in ONE partition, 120 leads for an advertiser answering 503 (its circuit opens after 5 calls) mixed
        // with 60 for a healthy one, and room for only 40 leads in memory
        int partition = 4;
        List<String> down = IntStream.range(0, 120).mapToObj(i -> "down-" + i).toList();
        List<String> healthy = IntStream.range(0, 60).mapToObj(i -> "fine-" + i).toList();
        for (int i = 0; i < 120; i++) {
            leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, down.get(i),
                    lead(down.get(i), "it-down", Map.of("zip", "10001"))));
            if (i % 2 == 1) {
                String id = healthy.get(i / 2);
                leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), partition, id,
                        lead(id, "it-healthy", Map.of("zip", "10001"))));
            }
        }
        leadProducer.flush();

        // When / Then the healthy leads are all delivered while the advertiser is still down
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().keySet().containsAll(healthy));
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        assertThat(registry.get(ForwarderMetrics.SPILLED).counter().count()).isPositive();
        assertThat(registry.get(ForwarderMetrics.CIRCUIT_TRANSITIONS).tag("eventType", "it-down").tag("state", "OPEN")
                .counter().count()).isPositive();

        // and once it recovers, every lead of it ends with exactly one final response after one call
        downAdvertiserHealed = true;
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().keySet().containsAll(down));
        Map<String, List<AdvertiserResponse>> finals = finalResponsesBySubmission();
        assertThat(down).allSatisfy(id -> assertThat(finals.get(id)).hasSize(1));
        assertThat(requestsByPath.get("/it/down")).extracting(r -> r.getHeaders().get("Idempotency-Key"))
                .doesNotHaveDuplicates().hasSize(120);
        long failed = down.stream().filter(id -> finals.get(id).get(0).getFailureClass() != FailureClass.NONE)
                .count();
        assertThat(failed).as("calls made while it was down: 5 to open the circuit, one per trial")
                .isBetween(5L, 40L);
    }

    @Test
    void changedEventTypeAppliesToTheNextLeadWithoutRestart() {
        // Given version 1 of an event type
        String url = advertiser.url("/it/live").toString();
        publish(eventType("it-live", request(url).setHeaders(Map.of("X-Config-Version", "1")).build()));
        awaitConfigVersion("1");
        send("live-1", "it-live");
        await().atMost(WAIT).until(() -> requestsByPath.getOrDefault("/it/live", List.of()).size() == 1);

        // When it changes
        publish(eventType("it-live", request(url).setHeaders(Map.of("X-Config-Version", "2")).build()));
        awaitConfigVersion("2");
        send("live-2", "it-live");

        // Then the next lead is sent as the new version says
        await().atMost(WAIT).until(() -> requestsByPath.getOrDefault("/it/live", List.of()).size() == 2);
        assertThat(requestsByPath.get("/it/live")).extracting(r -> r.getHeaders().get("X-Config-Version"))
                .containsExactly("1", "2");
    }

    @Test
    void actuatorExposesHealthAndForwarderMetricsOnly() throws Exception {
        // Given a lead went through, so the call metrics exist
        send("metrics-1", "it-after");
        await().atMost(WAIT).pollInSameThread()
                .until(() -> finalResponsesBySubmission().containsKey("metrics-1"));
        String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port") + "/actuator/";
        OkHttpClient http = new OkHttpClient();

        // When / Then
        try (Response health = http.newCall(new Request.Builder().url(base + "health").build()).execute()) {
            assertThat(health.code()).isEqualTo(200);
        }
        try (Response prometheus = http.newCall(new Request.Builder().url(base + "prometheus").build()).execute()) {
            assertThat(prometheus.code()).isEqualTo(200);
            assertThat(prometheus.body().string()).contains("datapost_forwarder_calls_total{",
                    "datapost_forwarder_call_latency_seconds_bucket{", "datapost_forwarder_calls_in_flight{",
                    "datapost_forwarder_worker_in_flight", "datapost_forwarder_leads_pending",
                    "datapost_forwarder_leads_waiting{", "datapost_forwarder_circuit_state{");
        }
        try (Response env = http.newCall(new Request.Builder().url(base + "env").build()).execute()) {
            assertThat(env.code()).isEqualTo(404);
        }
    }

    private static double skipped() {
        var counter = app.getBean(MeterRegistry.class).find(ForwarderMetrics.SKIPPED).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitConfigVersion(String version) {
        EventTypeCatalog catalog = app.getBean(EventTypeCatalog.class);
        await().atMost(WAIT).until(() -> catalog.find("it-live")
                .map(t -> version.equals(t.getRequest().getHeaders().get("X-Config-Version"))).orElse(false));
    }

    private static void send(String submissionId, String eventTypeId) {
        leadProducer.send(new ProducerRecord<>(Topics.LEADS.name(), submissionId,
                lead(submissionId, eventTypeId, Map.of("zip", "10001"))));
        leadProducer.flush();
    }

    private static Map<String, List<AdvertiserResponse>> finalResponsesBySubmission() {
        return responses.readToEnd().stream().map(ConsumerRecord::value).filter(AdvertiserResponse::getFinalAttempt)
                .collect(Collectors.groupingBy(AdvertiserResponse::getSubmissionId));
    }

    private static void publish(EventType eventType) {
        try {
            configProducer.send(new ProducerRecord<>(Topics.EVENT_TYPES.name(), eventType.getId(), eventType)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String bootstrap() {
        return broker.getBrokersAsString();
    }

}
