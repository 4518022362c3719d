package io.datapost.cli.replay;

import static io.datapost.cli.replay.ReplayIntegrationTest.count;
import static io.datapost.cli.replay.ReplayIntegrationTest.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigPublisher;
import io.datapost.cli.config.ConfigSet;
import io.datapost.forwarder.ForwarderApplication;
import io.datapost.forwarder.kafka.ReforwardHeader;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import picocli.CommandLine;

/**
 * {@code replay reforward} end to end on a real broker and a real PostgreSQL, with the forwarder, the validator and
 * conversion-sink running in this JVM and a MockWebServer advertiser: leads that ended in ERROR while the advertiser
 * was down are sent again once it is fixed, at their next attempt number with the same idempotency key, become
 * ACCEPTED and are paid once; running the same reforward again writes nothing, calls nobody and pays nobody.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReforwardIntegrationTest {

    static final int LEADS = 6;
    static final BigDecimal FIXED = new BigDecimal("4.00");

    @TempDir
    Path dataDir;

    EmbeddedKafkaKraftBroker kafka;
    EmbeddedPostgres postgres;
    MockWebServer advertiser;
    String bootstrap;
    final List<ConfigurableApplicationContext> services = new ArrayList<>();
    final AtomicBoolean advertiserDown = new AtomicBoolean(true);
    final Map<String, AtomicInteger> callsByIdempotencyKey = new ConcurrentHashMap<>();

    @BeforeAll
    void startEverything() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
        postgres = EmbeddedPostgres.builder().start();

        advertiser = new MockWebServer();
        advertiser.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String key = String.valueOf(request.getHeaders().get("Idempotency-Key"));
                callsByIdempotencyKey.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                if (advertiserDown.get()) {
                    return new MockResponse.Builder().code(503).body("down for maintenance").build();
                }
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                        .body("{\"status\":\"accepted\",\"lead_id\":\"adv-" + key + "\",\"price\":12.5}").build();
            }
        });
        advertiser.start();

        ConfigSet config = new ConfigLoader(null).load(Path.of("..", "config"));
        assertThat(config.problems()).isEmpty();
        List<EventType> pointedAtMock = config.eventTypes().stream().map(e -> {
            EventType copy = EventType.newBuilder(e).build();
            copy.getRequest().setUrl(advertiser.url("/v1/leads").toString());
            return copy;
        }).toList();
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(pointedAtMock, config.partners(), List.of()));

        String kafkaArg = "--spring.kafka.bootstrap-servers=" + bootstrap;
        String noDatabase = "--spring.autoconfigure.exclude="
                + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";
        services.add(ConversionSinkApplication.builder().run(kafkaArg, "--server.port=0",
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=postgres"));
        services.add(ValidatorApplication.builder().run(kafkaArg, "--server.port=0", noDatabase,
                "--datapost.validator.state-dir=" + Path.of("target", "reforward-state-" + System.nanoTime())
                        .toAbsolutePath()));
        services.add(ForwarderApplication.builder().run(kafkaArg, "--server.port=0", noDatabase,
                "--datapost.forwarder.retry-backoff-base=10ms", "--datapost.forwarder.retry-backoff-max=50ms",
                // the advertiser is down on purpose: its circuit must not open and hold the leads back
                "--datapost.forwarder.event-type-defaults.circuit-window=100",
                "--datapost.forwarder.event-type-defaults.circuit-minimum-calls=100"));
    }

    @AfterAll
    void stopEverything() throws Exception {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (advertiser != null) {
            advertiser.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void reforwardAfterTheAdvertiserIsFixedCallsEachErrorLeadOnceMoreAndPaysItOnceAndARepeatChangesNothing()
            throws Exception {
        // Given leads delivered while the advertiser answered 503: three attempts each, outcome ERROR, nothing paid
        Instant start = Instant.now();
        List<String> ids = produceLeads();
        DataSource db = postgres.getPostgresDatabase();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from lead_outcomes where verdict = 'ERROR'") == LEADS);
        assertThat(count(db, "select count(*) from payouts")).isZero();
        assertThat(ids).allSatisfy(id -> assertThat(calls(id)).isEqualTo(3));

        // and the advertiser is fixed
        advertiserDown.set(false);

        // When a dry run previews the reforward
        Run dry = replay("reforward", "--from", start.toString(), "--outcome", "ERROR", "--dry-run");

        // Then it shows what would be sent and writes nothing: no lead record, no call
        assertThat(dry.exit).as(dry.out + dry.err).isZero();
        assertThat(dry.out).contains(LEADS + " lead(s) with current outcome ERROR: " + LEADS + " to send again")
                .containsPattern("partner demo-partner\\s+" + LEADS).containsPattern("outcome ERROR\\s+" + LEADS)
                .containsPattern("event type insurance-quote\\s+" + LEADS).contains("leads written: none");
        assertThat(reforwardRecords()).isEmpty();
        assertThat(ids).allSatisfy(id -> assertThat(calls(id)).isEqualTo(3));

        // When the reforward runs for real
        Run real = replay("reforward", "--from", start.toString(), "--outcome", "ERROR");

        // Then each lead is written once more with its next attempt number
        assertThat(real.exit).as(real.out + real.err).isZero();
        assertThat(real.out).contains("leads written: " + LEADS + " to " + Topics.LEADS.name());
        assertThat(reforwardRecords()).hasSize(LEADS)
                .allSatisfy(r -> assertThat(ReforwardHeader.attempt(r.headers())).isEqualTo(4));
        // and the validator decides it again from the new answer: ACCEPTED, one payment each
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from lead_outcomes where revision = 2 and verdict = 'ACCEPTED'")
                        == LEADS && count(db, "select count(*) from payouts") == LEADS);
        assertThat(sum(db)).isEqualByComparingTo(FIXED.multiply(BigDecimal.valueOf(LEADS)));
        assertThat(count(db, "select count(distinct submission_id) from payouts where kind = 'PAYMENT'"))
                .isEqualTo(LEADS);
        // the advertiser was called once more per lead, with the same idempotency key, as attempt 4 (final)
        assertThat(ids).allSatisfy(id -> assertThat(calls(id)).isEqualTo(4));
        Map<String, List<String>> attempts = attemptsBySubmission();
        assertThat(ids).allSatisfy(id -> assertThat(attempts.get(id))
                .containsExactly("1", "2", "3 final", "4 final"));
        assertThat(payoutRecords()).isEqualTo(LEADS);

        // When the same reforward runs again
        Run again = replay("reforward", "--from", start.toString(), "--outcome", "ERROR");

        // Then nothing is selected or written, nobody is called, nobody is paid again
        assertThat(again.exit).as(again.out + again.err).isZero();
        assertThat(again.out).contains("0 lead(s) with current outcome ERROR").contains("leads written: 0");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> count(db, "select count(*) from payouts") == LEADS);
        assertThat(reforwardRecords()).hasSize(LEADS);
        assertThat(ids).allSatisfy(id -> assertThat(calls(id)).isEqualTo(4));
        assertThat(payoutRecords()).isEqualTo(LEADS);
        assertThat(sum(db)).isEqualByComparingTo(FIXED.multiply(BigDecimal.valueOf(LEADS)));

        // and the history lists the three reforwards
        Run list = replay("list");
        assertThat(list.out.lines().filter(l -> l.startsWith("reforward-")).count()).isEqualTo(3);
        System.out.println("reforward dry run:\n" + dry.out + "reforward:\n" + real.out + "again:\n" + again.out
                + "list:\n" + list.out);
    }

    private List<String> produceLeads() throws Exception {
        List<String> ids = new ArrayList<>();
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        // written in a transaction, as the gate's Kafka Streams writes them: the commit marker after the last lead
        // is an offset the replay's scan never receives a record for, and must still get past
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "reforward-it-gate"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < LEADS; i++) {
                String id = "reforward-it-" + i;
                ids.add(id);
                Map<String, String> fields = new HashMap<>(Map.of("email", "person" + i + "@example.org",
                        "phone", "+1 555 0100", "first_name", "Ann", "last_name", "Lee", "zip", "10001"));
                sent.add(StoredAnswers.send(producer, Topics.LEADS, id, LeadSubmitted.newBuilder()
                        .setSubmissionId(id).setEventTypeId("insurance-quote").setPartnerId("demo-partner")
                        .setIdempotencyKey(id).setFields(fields).setReceivedAt(Instant.now()).build()));
            }
            producer.commitTransaction();
        }
        StoredAnswers.requireAllStored(sent);
        return ids;
    }

    private int calls(String id) {
        AtomicInteger calls = callsByIdempotencyKey.get("dp-" + id);
        return calls == null ? 0 : calls.get();
    }

    private List<ConsumerRecord<byte[], byte[]>> reforwardRecords() {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        reader().readFrom(Topics.LEADS.name(), null, r -> {
            if (ReforwardHeader.attempt(r.headers()) > 0) {
                records.add(r);
            }
        });
        return records;
    }

    private Map<String, List<String>> attemptsBySubmission() {
        List<AdvertiserResponse> responses = new ArrayList<>();
        var values = Topics.ADVERTISER_RESPONSES.valueDeserializer();
        reader().readFrom(Topics.ADVERTISER_RESPONSES.name(), null,
                r -> responses.add(values.deserialize(r.topic(), r.value())));
        return responses.stream().collect(Collectors.groupingBy(AdvertiserResponse::getSubmissionId,
                Collectors.mapping(r -> r.getAttempt() + (r.getFinalAttempt() ? " final" : ""),
                        Collectors.toList())));
    }

    private long payoutRecords() {
        AtomicInteger records = new AtomicInteger();
        reader().readFrom(Topics.PAYOUTS.name(), null, r -> records.incrementAndGet());
        return records.get();
    }

    private ReplayKafka reader() {
        return new ReplayKafka(bootstrap, Duration.ofSeconds(30), new AtomicBoolean());
    }

    record Run(int exit, String out, String err) {
    }

    private Run replay(String... args) {
        List<String> all = new ArrayList<>(List.of("replay"));
        all.addAll(List.of(args));
        if (!args[0].equals("list")) {
            all.addAll(List.of("--bootstrap-servers", bootstrap));
        }
        all.addAll(List.of("--data-dir", dataDir.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Datapost.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        // bounded: a replay that cannot reach the end of its range must fail this test, not hang the build
        int exit = assertTimeoutPreemptively(Duration.ofSeconds(120),
                () -> commandLine.execute(all.toArray(String[]::new)));
        return new Run(exit, out.toString(), err.toString());
    }
}
