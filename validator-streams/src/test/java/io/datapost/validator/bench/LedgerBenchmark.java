package io.datapost.validator.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.PayoutTermKind;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.Fixtures;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;
import io.datapost.validator.ledger.LedgerMetrics;
import io.datapost.validator.ledger.LedgerSettings;
import io.datapost.validator.ledger.LedgerTopology;

/**
 * Validator throughput: leads joined with their final response, classified (JSONPath rule, extraction) and
 * paid, per second, by ONE instance with ONE stream thread. Not a test: run it by hand (see README).
 *
 * <ul>
 * <li>{@code broker} (default): an embedded KRaft broker in this JVM; N leads and N final responses are
 * written first, then Kafka Streams (exactly_once_v2, the service's own settings) is started and timed until
 * it has decided all N; the committed outcomes are then counted.</li>
 * <li>{@code driver}: the same topology in a TopologyTestDriver, no broker: the ledger's own cost (decode,
 * stores, classify, price, encode). The driver commits after every record, which flushes RocksDB each time (a
 * real instance does it every commit interval), so this mode keeps the ledger's stores in memory.</li>
 * </ul>
 * Args: {@code [broker|driver] [leads] [streams.property=value ...]} (extra Kafka Streams properties, as
 * {@code datapost.validator.streams.*} would give them).
 */
public final class LedgerBenchmark {

    private static final String ACCEPTED = "{\"status\":\"accepted\",\"lead_id\":\"L-%d\",\"price\":\"%d.50\"}";
    private static final String REJECTED = "{\"status\":\"rejected\",\"reason\":\"Duplicate lead\"}";
    /** receivedAt of lead 0; in broker mode "now", as the records' own timestamps (stream time) are now. */
    private static Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final Map<String, String> STREAMS = new java.util.TreeMap<>();
    private static final java.util.concurrent.atomic.AtomicLong SEND_FAILURES =
            new java.util.concurrent.atomic.AtomicLong();

    private LedgerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "broker";
        int leads = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        for (int i = 2; i < args.length; i++) {
            String[] property = args[i].split("=", 2);
            STREAMS.put(property[0], property[1]);
        }
        System.out.printf("validator benchmark: mode %s, %,d leads, %d cores, max heap %d MB, streams %s%n", mode,
                leads, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, STREAMS);
        if (mode.equals("driver")) {
            driver(leads);
        } else {
            broker(leads);
        }
        System.exit(0);
    }

    private static LeadSubmitted lead(int i) {
        return Fixtures.lead(id(i), T0.plusMillis(i));
    }

    private static AdvertiserResponse response(int i) {
        String body = i % 5 == 0 ? REJECTED : String.format(ACCEPTED, i, 10 + i % 50);
        return Fixtures.json(id(i), 1, true, 200, body).build();
    }

    private static String id(int i) {
        return String.format("bench-%09d", i);
    }

    private static double decided(SimpleMeterRegistry registry) {
        return registry.find(LedgerMetrics.OUTCOMES).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static void broker(int leads) throws Exception {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, Topics.DATA_PARTITIONS);
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));
        String bootstrap = broker.getBrokersAsString();
        T0 = Instant.now();
        Path stateDir = Files.createTempDirectory("validator-bench-");
        try {
            long produceStart = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    // the input loader is not under test: one request in flight keeps order without the
                    // idempotent producer, whose sequence numbers the embedded broker sometimes rejects right
                    // after topic creation
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                    ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1, ProducerConfig.LINGER_MS_CONFIG, 10,
                    ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024),
                    new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                send(producer, Topics.EVENT_TYPES, Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build());
                send(producer, Topics.PARTNERS, Fixtures.PARTNER, Fixtures.partner(PayoutTermKind.FIXED, "4.00"));
                for (int i = 0; i < leads; i++) {
                    send(producer, Topics.LEADS, id(i), lead(i));
                    send(producer, Topics.ADVERTISER_RESPONSES, id(i), response(i));
                }
                producer.flush();
            }
            System.out.printf("wrote %,d leads and %,d final responses in %.1f s (%d sends failed)%n", leads, leads,
                    (System.nanoTime() - produceStart) / 1e9, SEND_FAILURES.get());
            if (SEND_FAILURES.get() > 0) {
                throw new IllegalStateException("the input is incomplete: run again on a less loaded machine");
            }

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            ValidatorProperties settings = new ValidatorProperties(1, stateDir.toString(), Duration.ofSeconds(60),
                    Duration.ofSeconds(1), Duration.ofSeconds(30), STREAMS);
            Properties props = StreamsProperties.of(bootstrap, settings, null);
            KafkaStreams streams = new KafkaStreams(LedgerTopology.build(new LedgerSettings(
                    settings.noResponseGrace(), settings.deadlineCheckInterval(), new LedgerMetrics(registry))),
                    props);
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpuStart = os.getProcessCpuTime();
            long start = System.nanoTime();
            streams.start();
            long first = 0;
            List<String> progress = new ArrayList<>();
            while (decided(registry) < leads) {
                Thread.sleep(50);
                double now = decided(registry);
                if (first == 0 && now > 0) {
                    first = System.nanoTime();
                }
                if (progress.size() < (System.nanoTime() - start) / 5_000_000_000L) {
                    double before = progress.isEmpty() ? 0 : Double.parseDouble(progress.get(progress.size() - 1));
                    progress.add(String.format("%.0f", now));
                    System.out.printf("  %3d s: %s, %,.0f decided (%,.0f leads/s in these 5 s)%n",
                            progress.size() * 5, streams.state(), now, (now - before) / 5);
                }
                if (System.nanoTime() - start > Duration.ofMinutes(15).toNanos()) {
                    throw new IllegalStateException("not done after 15 minutes: " + now);
                }
            }
            long end = System.nanoTime();
            long cpu = os.getProcessCpuTime() - cpuStart;
            System.out.printf("decided %,d leads in %.2f s from start (%.0f leads/s), %.2f s from the first "
                    + "outcome (%.0f leads/s)%n", leads, (end - start) / 1e9, leads / ((end - start) / 1e9),
                    (end - first) / 1e9, leads / ((end - first) / 1e9));
            System.out.printf("CPU of this JVM (Kafka Streams AND the embedded broker) meanwhile: %.1f s = %.1f us "
                    + "per lead; machine load average at the end: %.1f%n", cpu / 1e9, cpu / 1e3 / leads,
                    os.getSystemLoadAverage());
            streams.close(Duration.ofSeconds(30));
            System.out.printf("committed outcomes on %s: %,d%n", Topics.LEAD_OUTCOMES.name(),
                    committed(bootstrap, Topics.LEAD_OUTCOMES));
        } finally {
            broker.destroy();
            deleteRecursively(stateDir);
        }
    }

    /** @return the leads decided after the warm-up (the smoke test checks it is all of them) */
    static long driver(int leads) throws Exception {
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty(
                "java.io.tmpdir"));
        Path stateDir = Files.createTempDirectory(base, "validator-bench-");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ValidatorProperties settings = new ValidatorProperties(1, stateDir.toString(), Duration.ofSeconds(60),
                Duration.ofSeconds(1), Duration.ofSeconds(30), Map.of());
        try (TopologyTestDriver driver = new TopologyTestDriver(LedgerTopology.build(new Topology(),
                new LedgerSettings(settings.noResponseGrace(), settings.deadlineCheckInterval(),
                        new LedgerMetrics(registry)), false),
                StreamsProperties.of("unused:9092", settings, null))) {
            input(driver, Topics.EVENT_TYPES).pipeInput(Fixtures.EVENT_TYPE, Fixtures.insuranceQuote().build());
            input(driver, Topics.PARTNERS).pipeInput(Fixtures.PARTNER,
                    Fixtures.partner(PayoutTermKind.FIXED, "4.00"));
            TestInputTopic<String, LeadSubmitted> leadTopic = input(driver, Topics.LEADS);
            TestInputTopic<String, AdvertiserResponse> responseTopic = input(driver, Topics.ADVERTISER_RESPONSES);
            int warmup = Math.min(leads / 10, 10_000);
            for (int i = 0; i < warmup; i++) {
                leadTopic.pipeInput(id(-1 - i), lead(-1 - i), T0);
                responseTopic.pipeInput(id(-1 - i), response(-1 - i), T0);
            }
            // the inputs are built first: their cost is the harness's, not the ledger's
            List<LeadSubmitted> leadRecords = new ArrayList<>(leads);
            List<AdvertiserResponse> responseRecords = new ArrayList<>(leads);
            for (int i = 0; i < leads; i++) {
                leadRecords.add(lead(i));
                responseRecords.add(response(i));
            }
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int i = 0; i < leads; i++) {
                leadTopic.pipeInput(id(i), leadRecords.get(i), T0.plusMillis(i));
                responseTopic.pipeInput(id(i), responseRecords.get(i), T0.plusMillis(i));
            }
            long end = System.nanoTime();
            long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
            System.out.printf("decided %,d leads (after %,d warm-up) in %.2f s: %.0f leads/s (ledger stores in "
                    + "memory, global config stores in %s)%n", (long) decided(registry) - warmup, warmup,
                    (end - start) / 1e9, leads / ((end - start) / 1e9), base);
            System.out.printf("CPU of the processing thread: %.1f s, %.1f us per lead = %.0f leads per CPU-second "
                    + "(what one thread does when it has a core to itself)%n", cpu / 1e9, cpu / 1e3 / leads,
                    leads / (cpu / 1e9));
            return (long) decided(registry) - warmup;
        } finally {
            deleteRecursively(stateDir);
        }
    }

    private static void deleteRecursively(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static <V> TestInputTopic<String, V> input(TopologyTestDriver driver, Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerializer(), topic.valueSerializer());
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)), (metadata, e) -> {
                    if (e != null) {
                        SEND_FAILURES.incrementAndGet();
                    }
                });
    }

    private static long committed(String bootstrap, Topic<String, ?> topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            // under read_committed, end - beginning counts records and transaction markers: read them instead
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                count += consumer.poll(Duration.ofMillis(500)).count();
            }
            return count;
        }
    }
}
