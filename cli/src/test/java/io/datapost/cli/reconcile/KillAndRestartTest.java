package io.datapost.cli.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.cli.ExitCodes;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutTerm;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.VerdictRule;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.validator.ValidatorApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Crash safety of the money path on a real KRaft broker and a real PostgreSQL. 2,000 leads and their
 * advertiser answers (as the forwarder would write them, with repeats, retries, late answers and answers that
 * change their mind) are written while validator-streams and conversion-sink run in their own JVMs; both are
 * killed with SIGKILL mid-run (no shutdown hook, no commit, no transaction abort) and restarted, separately and
 * then together. Afterwards every lead has exactly one current outcome with the verdict its last answer gives,
 * no record was committed twice on any topic, the sum of every submission's payout events is its current payout,
 * the totals match, and {@code datapost reconcile} agrees.
 */
@Tag("integration")
class KillAndRestartTest {

    private static final int LEADS = 2_000;
    /** 10 leads every 450 ms: about 90 s of traffic, long enough for three kills and restarts. */
    private static final int PER_BATCH = 10;
    private static final Duration BATCH_PAUSE = Duration.ofMillis(450);
    private static final String EVENT_TYPE = "crash-quote";
    private static final String PARTNER = "crash-partner";
    private static final BigDecimal FIXED_PAYOUT = new BigDecimal("4.0000");
    private static final String ACCEPTED = "{\"status\":\"accepted\",\"lead_id\":\"L-%d\",\"price\":\"12.50\"}";
    private static final String REJECTED = "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}";

    private final Path work = Path.of("target", "kill-and-restart-" + System.currentTimeMillis()).toAbsolutePath();
    private EmbeddedKafkaKraftBroker kafka;
    private EmbeddedPostgres postgres;
    private final List<ChildJvm> children = new ArrayList<>();
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    private int started;

    /** What each submission's last answer says. */
    private final Map<String, String> expectedVerdicts = new ConcurrentHashMap<>();

    @AfterEach
    void stopEverything() throws Exception {
        sender.shutdownNow();
        for (ChildJvm child : children) {
            child.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void everyLeadEndsWithOneCurrentOutcomeAndExactMoneyAfterTheValidatorAndTheSinkAreKilled() throws Exception {
        // Given a broker, a database, the config, and both services in their own JVMs
        Files.createDirectories(work);
        kafka = new EmbeddedKafkaKraftBroker(1, Topics.DATA_PARTITIONS);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0",
                "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        kafka.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(kafka.getBrokersAsString(), Duration.ofSeconds(30));
        postgres = EmbeddedPostgres.builder().start();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            send(producer, Topics.EVENT_TYPES, EVENT_TYPE, eventType());
            send(producer, Topics.PARTNERS, PARTNER, partner());
        }
        ChildJvm validator = startValidator();
        ChildJvm sink = startSink();

        // When the leads flow in while the validator, then the sink, then both are killed and restarted
        Traffic traffic = new Traffic();
        sender.scheduleAtFixedRate(traffic, 0, BATCH_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        awaitOutcomeRows(100);
        validator = restart(validator, this::startValidator);
        awaitOutcomeRows(600);
        sink = restart(sink, this::startSink);
        awaitOutcomeRows(1_200);
        assertThat(traffic.done).as("traffic still flowing at the last kill").isNotDone();
        validator.kill();
        sink.kill();
        validator = startValidator();
        sink = startSink();
        traffic.done.get(3, TimeUnit.MINUTES);
        sender.shutdownNow();

        // Then, once the sink has stored everything the validator committed (reconcile agrees),
        // every lead has exactly one current outcome, with the verdict of its last answer
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(currentVerdicts()).isEqualTo(expectedVerdicts);
            Reconciled reconciled = reconcile();
            assertThat(reconciled.exitCode()).as(reconciled.output()).isEqualTo(ExitCodes.OK);
            assertThat(reconciled.output()).contains("OK: " + LEADS + " submissions checked, 0 disagree");
        });
        assertThat(validator.alive()).as("validator still running").isTrue();
        assertThat(sink.alive()).as("sink still running").isTrue();
        assertThat(scalar("SELECT count(*) FROM current_outcomes")).isEqualTo(LEADS);
        assertThat(scalar("SELECT count(*) FROM (SELECT submission_id FROM lead_outcomes GROUP BY submission_id"
                + " HAVING max(revision) <> count(*) OR min(revision) <> 1) gaps")).as("revisions 1..n").isZero();

        // and no validator output was committed twice, whatever was aborted by the kills
        assertThat(duplicates(Topics.LEAD_OUTCOMES, r -> r.getSubmissionId() + ":" + r.getRevision()))
                .as("outcome revisions committed twice").isEmpty();
        assertThat(duplicates(Topics.CONVERSIONS, r -> r.getConversionId())).isEmpty();
        assertThat(duplicates(Topics.CONVERSION_REVERSALS, r -> r.getReversalId())).isEmpty();
        assertThat(duplicates(Topics.PAYOUTS, r -> r.getPayoutId())).as("payouts committed twice").isEmpty();

        // and per submission the sum of its payout events is its current payout; conversions stand iff accepted
        assertThat(scalar("""
                SELECT count(*) FROM current_outcomes o
                LEFT JOIN (SELECT submission_id, sum(amount) AS paid FROM payouts GROUP BY submission_id) p
                       ON p.submission_id = o.submission_id
                WHERE coalesce(p.paid, 0) <> coalesce(o.payout, 0)""")).as("payout invariant broken").isZero();
        assertThat(scalar("""
                SELECT count(*) FROM current_outcomes o
                WHERE (o.verdict = 'ACCEPTED') <> EXISTS (SELECT 1 FROM standing_conversions c
                                                         WHERE c.submission_id = o.submission_id)"""))
                .as("standing conversions").isZero();
        assertThat(scalar("SELECT count(*) FROM (SELECT submission_id FROM standing_conversions"
                + " GROUP BY submission_id HAVING count(*) > 1) many")).isZero();

        // and the totals: every accepted lead paid once, every flipped one paid and reversed
        long accepted = expectedVerdicts.values().stream().filter("ACCEPTED"::equals).count();
        assertThat(decimal("SELECT sum(amount) FROM payouts"))
                .isEqualByComparingTo(FIXED_PAYOUT.multiply(BigDecimal.valueOf(accepted)));
        assertThat(decimal("SELECT sum(payout) FROM current_outcomes"))
                .isEqualByComparingTo(FIXED_PAYOUT.multiply(BigDecimal.valueOf(accepted)));
        assertThat(scalar("SELECT count(*) FROM payouts WHERE kind = 'REVERSAL'")).isEqualTo(flipped());
        assertThat(scalar("SELECT count(*) FROM conversion_reversals")).isEqualTo(flipped());
    }

    private record Reconciled(int exitCode, String output) {
    }

    private Reconciled reconcile() {
        StringWriter out = new StringWriter();
        int exit = Datapost.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(out)).execute(
                "reconcile", "--bootstrap-servers", kafka.getBrokersAsString(), "--jdbc-url", jdbcUrl(),
                "--jdbc-user", "postgres", "--jdbc-password", "postgres", "--timeout", "60", "--max-listed", "5");
        return new Reconciled(exit, out.toString());
    }

    /**
     * Per lead, as the forwarder would write it: sometimes a failed attempt first, then the final answer (60%
     * accepted, 20% rejected, 10% a 503, 10% accepted and, a few batches later, answered again as rejected by a
     * re-forward). Every 7th lead is posted twice, every 11th final answer delivered twice, every 13th lead was
     * received 10 minutes ago (past its NO_RESPONSE deadline: its answer may come after NO_RESPONSE and correct
     * it). Sent in batches of {@link #PER_BATCH} every {@link #BATCH_PAUSE}, so the kills land mid-traffic.
     */
    private final class Traffic implements Runnable {
        private final KafkaProducer<byte[], byte[]> producer = producer();
        private final Instant start = Instant.now();
        private final List<Integer> flips = new ArrayList<>();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private int next;

        @Override
        public void run() {
            try {
                int end = Math.min(LEADS, next + PER_BATCH);
                for (; next < end; next++) {
                    lead(next);
                }
                // the re-forwards of the flips of 4 batches ago answer otherwise: the decision changes
                flips.removeIf(f -> {
                    if (next < LEADS && f > next - 4 * PER_BATCH) {
                        return false;
                    }
                    flip(f);
                    return true;
                });
                producer.flush();
                if (next == LEADS) {
                    producer.close();
                    done.complete(null);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                throw e;
            }
        }

        private void lead(int i) {
            String id = id(i);
            Instant receivedAt = i % 13 == 0 ? start.minus(Duration.ofMinutes(10)) : Instant.now();
            LeadSubmitted lead = LeadSubmitted.newBuilder().setSubmissionId(id).setEventTypeId(EVENT_TYPE)
                    .setPartnerId(PARTNER).setFields(Map.of("email", "lead" + i + "@example.org"))
                    .setReceivedAt(receivedAt).build();
            send(producer, Topics.LEADS, id, lead);
            if (i % 7 == 0) {
                send(producer, Topics.LEADS, id, lead);
            }
            int attempt = 1;
            if (i % 3 == 0) {
                send(producer, Topics.ADVERTISER_RESPONSES, id,
                        answer(id, attempt++, false, FailureClass.TIMEOUT, null, null));
            }
            int kind = i % 10;
            AdvertiserResponse last;
            if (kind <= 5 || kind == 9) {
                last = answer(id, attempt, true, FailureClass.NONE, 200, String.format(ACCEPTED, i));
                expectedVerdicts.put(id, "ACCEPTED");
            } else if (kind <= 7) {
                last = answer(id, attempt, true, FailureClass.NONE, 200, REJECTED);
                expectedVerdicts.put(id, "REJECTED");
            } else {
                last = answer(id, attempt, true, FailureClass.NONE, 503, "busy");
                expectedVerdicts.put(id, "ERROR");
            }
            send(producer, Topics.ADVERTISER_RESPONSES, id, last);
            if (i % 11 == 0) {
                send(producer, Topics.ADVERTISER_RESPONSES, id, last);
            }
            if (kind == 9) {
                flips.add(i);
            }
        }

        private void flip(int i) {
            String id = id(i);
            send(producer, Topics.ADVERTISER_RESPONSES, id, answer(id, 9, true, FailureClass.NONE, 200, REJECTED));
            expectedVerdicts.put(id, "REJECTED");
        }
    }

    private static String id(int i) {
        return String.format("crash-%05d", i);
    }

    private static long flipped() {
        return IntStream.range(0, LEADS).filter(i -> i % 10 == 9).count();
    }

    private static AdvertiserResponse answer(String id, int attempt, boolean isFinal, FailureClass failure,
            Integer status, String body) {
        return AdvertiserResponse.newBuilder().setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId(PARTNER)
                .setAttempt(attempt).setFinalAttempt(isFinal).setRequestId(id + "-" + attempt)
                .setFailureClass(failure).setHttpStatus(status).setContentType(body == null ? null : "application/json")
                .setBody(body == null ? null : java.nio.ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)))
                .setLatencyMillis(20).setRespondedAt(Instant.now()).build();
    }

    private static EventType eventType() {
        return EventType.newBuilder().setId(EVENT_TYPE).setCurrency("USD")
                .setRequest(AdvertiserRequest.newBuilder().setUrl("http://127.0.0.1:9/leads").setTimeoutMillis(5_000)
                        .setMaxAttempts(3).build())
                .setRule(VerdictRule.newBuilder().setAcceptStatuses(List.of(200)).setJsonPath("$.status")
                        .setEquals("accepted").build())
                .setExtraction(Extraction.newBuilder().setOrderId("$.lead_id").setAmount("$.price")
                        .setReason("$.reason").build())
                .build();
    }

    private static Partner partner() {
        return Partner.newBuilder().setId(PARTNER).setName(PARTNER)
                .setPayouts(List.of(PayoutTerm.newBuilder().setEventTypeId(EVENT_TYPE).setKind(PayoutTermKind.FIXED)
                        .setValue(FIXED_PAYOUT).setCurrency("USD").build()))
                .build();
    }

    private ChildJvm startValidator() {
        // same state dir on every restart: the same Kafka Streams process id, hence the same transactional id,
        // which fences the killed instance and aborts its open transaction at once
        return start("validator", ValidatorApplication.class, List.of(
                "--spring.kafka.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--server.port=0",
                "--spring.autoconfigure.exclude="
                        + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                        + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
                "--datapost.validator.state-dir=" + work.resolve("validator-state"),
                "--datapost.validator.close-timeout=5s",
                // a killed member must not hold its partitions for the default 45 s
                "--datapost.validator.streams.session.timeout.ms=6000",
                "--datapost.validator.streams.heartbeat.interval.ms=1500"));
    }

    private ChildJvm startSink() {
        return start("sink", ConversionSinkApplication.class, List.of(
                "--spring.kafka.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--server.port=0",
                "--spring.datasource.url=" + jdbcUrl(),
                "--spring.datasource.username=postgres",
                "--spring.datasource.password=postgres",
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.heartbeat-interval=1500ms"));
    }

    private ChildJvm start(String name, Class<?> main, List<String> args) {
        try {
            ChildJvm child = ChildJvm.start(name, main, work.resolve(name + "-" + (++started) + ".log"), args);
            children.add(child);
            return child;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("Cannot start " + name, e);
        }
    }

    private static ChildJvm restart(ChildJvm child, Supplier<ChildJvm> starter) throws InterruptedException {
        child.kill();
        return starter.get();
    }

    private void awaitOutcomeRows(int rows) {
        // the tables exist once the first sink ran its migrations
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> scalar("SELECT count(*) FROM lead_outcomes") >= rows);
    }

    private Map<String, String> currentVerdicts() throws SQLException {
        Map<String, String> verdicts = new HashMap<>();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT submission_id, verdict FROM current_outcomes")) {
            while (rs.next()) {
                verdicts.put(rs.getString(1), rs.getString(2));
            }
        }
        return verdicts;
    }

    /** Keys that occur more than once among the committed records of a topic. */
    private <V> Set<String> duplicates(Topic<String, V> topic, Function<V, String> key) {
        Set<String> seen = new HashSet<>();
        Set<String> twice = new HashSet<>();
        readCommitted(topic, value -> {
            if (!seen.add(key.apply(value))) {
                twice.add(key.apply(value));
            }
        });
        return twice;
    }

    private <V> void readCommitted(Topic<String, V> topic, Consumer<V> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    each.accept(topic.valueDeserializer().deserialize(topic.name(), record.value()));
                }
            }
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key,
            V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)));
    }

    private String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    private long scalar(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private BigDecimal decimal(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBigDecimal(1);
        }
    }
}
