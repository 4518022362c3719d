package io.datapost.forwarder.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.coordinator.group.GroupCoordinatorConfig;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.forwarder.ForwarderApplication;
import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.CallResult;
import io.datapost.forwarder.kafka.LeadConsumer;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Extraction;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.VerdictRule;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/**
 * Load harness (not a test): an embedded KRaft broker, a stub advertiser that answers every call after a fixed
 * latency (200 ms by default), then
 * <ol>
 * <li>the forwarder application, delivering a backlog of leads with its in-flight limit, and</li>
 * <li>the baseline: a Spring Kafka listener container handling one record at a time per partition (the forwarder's
 * previous design), on the same leads for a fixed time.</li>
 * </ol>
 * Prints leads per second, calls in flight, call latency, the Little's-law bound (in-flight limit / latency) and the
 * peak heap of the whole JVM (broker included). Run it with {@code -Xmx512m}; see the module README for the command.
 *
 * <p>Arguments (all optional): {@code leads=20000 inFlight=200 latencyMs=200 baselineSeconds=15}.
 */
public final class ForwarderBench {

    private static final String EVENT_TYPE = "bench";

    private ForwarderBench() {
    }

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1); // the broker's threads would keep the JVM alive
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            options.put(pair[0], pair.length > 1 ? pair[1] : "");
        }
        int leads = Integer.parseInt(options.getOrDefault("leads", "20000"));
        int inFlight = Integer.parseInt(options.getOrDefault("inFlight", "200"));
        int latencyMs = Integer.parseInt(options.getOrDefault("latencyMs", "200"));
        int baselineSeconds = Integer.parseInt(options.getOrDefault("baselineSeconds", "15"));

        HeapWatch heap = new HeapWatch();
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.brokerProperty(GroupCoordinatorConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_CONFIG, "0");
        broker.afterPropertiesSet();
        broker.addTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toArray(NewTopic[]::new));
        TopicLeaders.awaitAll(broker.getBrokersAsString(), Duration.ofSeconds(30));
        String bootstrap = broker.getBrokersAsString();
        StubAdvertiser advertiser = new StubAdvertiser(latencyMs, Math.max(inFlight, 6) + 64);
        try {
            publishEventType(bootstrap, advertiser.url());
            produceLeads(bootstrap, leads);
            System.out.printf(Locale.ROOT, "%nmachine: %d cores, max heap %d MB; %d leads in %d partitions; "
                    + "advertiser latency %d ms%n", Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() >> 20, leads, Topics.LEADS.partitions(), latencyMs);

            Result forwarder = runForwarder(bootstrap, leads, inFlight, heap);
            double bound = inFlight * 1000.0 / latencyMs;
            System.out.printf(Locale.ROOT, "forwarder  : %s%n", forwarder);
            System.out.printf(Locale.ROOT, "             Little's-law bound %d / %d ms = %.0f leads/s; "
                    + "steady rate is %.1f%% of it%n", inFlight, latencyMs, bound, 100 * forwarder.steadyRate / bound);

            Result baseline = runBaseline(bootstrap, advertiser.url(), baselineSeconds, heap);
            System.out.printf(Locale.ROOT, "baseline   : %s%n", baseline);
            System.out.printf(Locale.ROOT, "             (one record at a time per partition: bound %d / %d ms = "
                    + "%.0f leads/s)%n", Topics.LEADS.partitions(), latencyMs,
                    Topics.LEADS.partitions() * 1000.0 / latencyMs);
            System.out.printf(Locale.ROOT, "speed-up   : %.1fx%n", forwarder.steadyRate / baseline.steadyRate);
            System.out.printf(Locale.ROOT, "heap       : peak used %d MB of %d MB max (whole JVM: broker, stub, "
                    + "forwarder, baseline)%n%n", heap.peakMb(), Runtime.getRuntime().maxMemory() >> 20);
        } finally {
            heap.stop();
            advertiser.stop();
            broker.destroy();
        }
    }

    private static Result runForwarder(String bootstrap, int leads, int inFlight, HeapWatch heap)
            throws Exception {
        ResponseCounter responses = new ResponseCounter(bootstrap);
        ConfigurableApplicationContext app = ForwarderApplication.builder().run(
                "--spring.kafka.bootstrap-servers=" + bootstrap,
                "--server.port=0",
                "--logging.level.root=WARN",
                "--datapost.forwarder.max-in-flight=" + inFlight,
                "--datapost.forwarder.event-type-defaults.max-in-flight=" + inFlight);
        try {
            LeadForwarder forwarder = app.getBean(LeadForwarder.class);
            LeadConsumer consumer = app.getBean(LeadConsumer.class);
            InFlightWatch watch = new InFlightWatch(forwarder::inFlight, consumer::pending);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (responses.finals() < leads && System.nanoTime() < deadline) {
                responses.poll();
                heap.sample();
            }
            watch.stop();
            return responses.result("finals", watch);
        } finally {
            app.close();
            responses.close();
        }
    }

    /** The previous design: a record listener, concurrency = partitions, the call and the send awaited inline. */
    private static Result runBaseline(String bootstrap, String url, int seconds, HeapWatch heap) throws Exception {
        EventType eventType = eventType(url);
        AdvertiserClient client = new AdvertiserClient(AdvertiserClient.newSharedClient(16), 262_144,
                List.of("Content-Type"));
        AdvertiserRequestRenderer renderer = new AdvertiserRequestRenderer();
        DefaultKafkaProducerFactory<String, AdvertiserResponse> producers = new DefaultKafkaProducerFactory<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                Topics.ADVERTISER_RESPONSES.keySerializer(), Topics.ADVERTISER_RESPONSES.valueSerializer());
        KafkaTemplate<String, AdvertiserResponse> template = new KafkaTemplate<>(producers);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        AtomicInteger inCall = new AtomicInteger();
        MessageListener<String, LeadSubmitted> listener = record -> {
            inCall.incrementAndGet();
            CallResult result;
            try {
                result = client.call(renderer.render(record.value(), eventType.getRequest(),
                        java.util.UUID.randomUUID().toString()), eventType.getRequest());
            } finally {
                inCall.decrementAndGet();
            }
            try {
                template.send(Topics.ADVERTISER_RESPONSES.name(), record.key(), AdvertiserResponse.newBuilder()
                        .setSubmissionId(record.value().getSubmissionId()).setEventTypeId(EVENT_TYPE)
                        .setPartnerId("bench").setAttempt(1).setFinalAttempt(true).setRequestId("baseline")
                        .setFailureClass(result.failureClass()).setLatencyMillis(result.latencyMillis())
                        .setRespondedAt(result.respondedAt()).build()).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            latencies.add(result.latencyMillis());
            done.incrementAndGet();
        };
        ContainerProperties properties = new ContainerProperties(Topics.LEADS.name());
        properties.setGroupId("bench-baseline");
        properties.setAckMode(ContainerProperties.AckMode.RECORD);
        properties.setMessageListener(listener);
        Map<String, Object> consumerConfig = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        ConcurrentMessageListenerContainer<String, LeadSubmitted> container = new ConcurrentMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(consumerConfig, Topics.LEADS.keyDeserializer(),
                        Topics.LEADS.valueDeserializer()), properties);
        container.setConcurrency(Topics.LEADS.partitions());
        InFlightWatch watch = new InFlightWatch(inCall::get, () -> 0);
        container.start();
        try {
            // wait for the first record, then measure a fixed window
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (done.get() == 0 && System.nanoTime() < deadline) {
                heap.sleep(20);
            }
            int before = done.get();
            latencies.clear();
            watch.reset();
            long start = System.nanoTime();
            while (System.nanoTime() - start < Duration.ofSeconds(seconds).toNanos()) {
                heap.sleep(50);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            watch.stop();
            int count = done.get() - before;
            return new Result(count, elapsed, count / elapsed, count / elapsed, watch, new ArrayList<>(latencies),
                    "in a " + seconds + " s window");
        } finally {
            container.stop();
            client.close();
            producers.destroy();
        }
    }

    private static void publishEventType(String bootstrap, String url) throws Exception {
        try (KafkaProducer<String, EventType> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                Topics.EVENT_TYPES.keySerializer(), Topics.EVENT_TYPES.valueSerializer())) {
            producer.send(new ProducerRecord<>(Topics.EVENT_TYPES.name(), EVENT_TYPE, eventType(url))).get();
        }
    }

    private static EventType eventType(String url) {
        return EventType.newBuilder().setId(EVENT_TYPE).setActive(true).setCurrency("USD")
                .setRequiredFields(List.of())
                .setRequest(AdvertiserRequest.newBuilder().setUrl(url).setMethod("POST").setBodyFormat("JSON")
                        .setFieldMapping(Map.of()).setHeaders(Map.of()).setIdempotencyHeader("Idempotency-Key")
                        .setConnectTimeoutMillis(3000).setTimeoutMillis(10_000).setIdempotent(false)
                        .setMaxAttempts(3).build())
                .setRule(VerdictRule.newBuilder().setAcceptStatuses(List.of(200)).build())
                .setExtraction(Extraction.newBuilder().build())
                .build();
    }

    private static void produceLeads(String bootstrap, int leads) {
        try (KafkaProducer<String, LeadSubmitted> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 10),
                Topics.LEADS.keySerializer(), Topics.LEADS.valueSerializer())) {
            for (int i = 0; i < leads; i++) {
                String id = "bench-" + i;
                producer.send(new ProducerRecord<>(Topics.LEADS.name(), id, LeadSubmitted.newBuilder()
                        .setSubmissionId(id).setEventTypeId(EVENT_TYPE).setPartnerId("bench")
                        .setFields(Map.of("email", "lead" + i + "@example.com", "zip", "10001",
                                "first_name", "Ann", "last_name", "Example"))
                        .setReceivedAt(java.time.Instant.now()).build()));
            }
        }
    }

    /** Answers every request after the latency; one thread per call in progress (the pool bounds them). */
    private static final class StubAdvertiser {
        private static final byte[] ANSWER = "{\"status\":\"accepted\",\"lead_id\":\"L1\"}"
                .getBytes(StandardCharsets.UTF_8);
        private final HttpServer server;
        private final ExecutorService threads;

        StubAdvertiser(int latencyMs, int threadCount) throws IOException {
            // without it the JDK server's separate header and body writes meet delayed ACKs: +40 ms per answer
            System.setProperty("sun.net.httpserver.nodelay", "true");
            // the JDK server closes idle connections above 200 by default: the client's pool would meet closed ones
            System.setProperty("sun.net.httpserver.maxIdleConnections", "2000");
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            threads = Executors.newFixedThreadPool(threadCount);
            server.setExecutor(threads);
            server.createContext("/leads", exchange -> {
                try (exchange) {
                    exchange.getRequestBody().readAllBytes();
                    Thread.sleep(latencyMs);
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, ANSWER.length);
                    try (OutputStream body = exchange.getResponseBody()) {
                        body.write(ANSWER);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/leads";
        }

        void stop() {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    /** Reads the responses topic: counts final responses and keeps their call latencies and arrival times. */
    private static final class ResponseCounter implements AutoCloseable {
        private final KafkaConsumer<String, AdvertiserResponse> consumer;
        private final List<Long> latencies = new ArrayList<>();
        private final List<Long> arrivals = new ArrayList<>();
        private final Map<String, Integer> failureClasses = new java.util.TreeMap<>();

        ResponseCounter(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    Topics.ADVERTISER_RESPONSES.keyDeserializer(), Topics.ADVERTISER_RESPONSES.valueDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ADVERTISER_RESPONSES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        void poll() {
            for (ConsumerRecord<String, AdvertiserResponse> record : consumer.poll(Duration.ofMillis(100))) {
                failureClasses.merge(record.value().getFailureClass().name(), 1, Integer::sum);
                if (record.value().getFinalAttempt()) {
                    latencies.add(record.value().getLatencyMillis());
                    arrivals.add(System.nanoTime());
                }
            }
        }

        int finals() {
            return latencies.size();
        }

        /** Overall rate from the first to the last response; steady rate between the 10th and 90th percentile. */
        Result result(String what, InFlightWatch watch) {
            int n = arrivals.size();
            double overall = n < 2 ? 0 : (n - 1) / ((arrivals.get(n - 1) - arrivals.get(0)) / 1e9);
            int from = n / 10;
            int to = n * 9 / 10;
            double steady = to <= from ? 0 : (to - from) / ((arrivals.get(to) - arrivals.get(from)) / 1e9);
            double elapsed = n < 2 ? 0 : (arrivals.get(n - 1) - arrivals.get(0)) / 1e9;
            return new Result(n, elapsed, overall, steady, watch, latencies,
                    what + "; attempts by failure class " + failureClasses);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private record Result(int leads, double seconds, double overallRate, double steadyRate, InFlightWatch inFlight,
            List<Long> latencies, String note) {
        @Override
        public String toString() {
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            return String.format(Locale.ROOT, "%d leads (%s) in %.1f s: %.0f leads/s overall, %.0f leads/s steady "
                    + "(10th-90th pct of completions); calls in flight mean %.1f max %d; leads pending max %d; "
                    + "call latency p50 %d ms p99 %d ms max %d ms", leads, note, seconds, overallRate, steadyRate,
                    inFlight.mean(), inFlight.max(), inFlight.maxPending(), pct(sorted, 50), pct(sorted, 99),
                    sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
        }

        private static long pct(List<Long> sorted, int p) {
            return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
        }
    }

    /** Samples calls in flight every 10 ms. */
    private static final class InFlightWatch {
        private final java.util.function.IntSupplier inFlight;
        private final java.util.function.IntSupplier pending;
        private final java.util.concurrent.ScheduledExecutorService timer = Executors
                .newSingleThreadScheduledExecutor();
        private final AtomicLong sum = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();
        private final AtomicInteger max = new AtomicInteger();
        private final AtomicInteger maxPending = new AtomicInteger();

        InFlightWatch(java.util.function.IntSupplier inFlight, java.util.function.IntSupplier pending) {
            this.inFlight = inFlight;
            this.pending = pending;
            timer.scheduleAtFixedRate(this::sample, 10, 10, TimeUnit.MILLISECONDS);
        }

        private void sample() {
            int now = inFlight.getAsInt();
            if (now > 0 || samples.get() > 0) {
                sum.addAndGet(now);
                samples.incrementAndGet();
            }
            max.accumulateAndGet(now, Math::max);
            maxPending.accumulateAndGet(pending.getAsInt(), Math::max);
        }

        void reset() {
            sum.set(0);
            samples.set(0);
            max.set(0);
        }

        void stop() {
            timer.shutdownNow();
        }

        double mean() {
            return samples.get() == 0 ? 0 : (double) sum.get() / samples.get();
        }

        int max() {
            return max.get();
        }

        int maxPending() {
            return maxPending.get();
        }
    }

    /** Peak heap used, all heap pools together, sampled. */
    private static final class HeapWatch {
        private final AtomicLong peak = new AtomicLong();
        private final java.util.concurrent.ScheduledExecutorService timer = Executors
                .newSingleThreadScheduledExecutor();

        HeapWatch() {
            timer.scheduleAtFixedRate(this::sample, 0, 50, TimeUnit.MILLISECONDS);
        }

        void sample() {
            long used = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    used += pool.getUsage().getUsed();
                }
            }
            peak.accumulateAndGet(used, Math::max);
        }

        void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }

        long peakMb() {
            return peak.get() >> 20;
        }

        void stop() {
            timer.shutdownNow();
        }
    }
}
