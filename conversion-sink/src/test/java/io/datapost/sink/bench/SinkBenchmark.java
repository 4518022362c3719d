package io.datapost.sink.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.sink.ConversionSinkApplication;
import io.datapost.sink.kafka.SinkMetrics;
import io.datapost.sink.support.EmbeddedInfrastructure;
import io.datapost.sink.support.TestRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * conversion-sink throughput: rows written to PostgreSQL per second, batched (one transaction per polled
 * batch, one JDBC batch per transaction), by one instance. Not a test: run it by hand (see README).
 *
 * <p>An embedded KRaft broker and an embedded PostgreSQL run in this JVM. N outcomes, N conversions and N
 * payouts (3N rows) are written to the topics first; then the sink is started and timed until it wrote all of
 * them. Args: {@code [submissions] [max-batch-size] [concurrency]}.
 */
public final class SinkBenchmark {

    private SinkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int submissions = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        long rows = 3L * submissions;
        System.out.printf("sink benchmark: %,d submissions = %,d rows, max-batch-size %d, concurrency %d, %d cores%n",
                submissions, rows, batch, concurrency, Runtime.getRuntime().availableProcessors());
        EmbeddedPostgres postgres = EmbeddedInfrastructure.postgres();
        EmbeddedKafkaKraftBroker kafka = EmbeddedInfrastructure.kafka();
        ConfigurableApplicationContext sink = null;
        try {
            long produceStart = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBrokersAsString(), ProducerConfig.ACKS_CONFIG,
                    "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 10),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                Instant at = Instant.parse("2031-01-01T00:00:00Z");
                for (int i = 0; i < submissions; i++) {
                    String id = String.format("bench-%09d", i);
                    Instant decided = at.plusSeconds(i);
                    send(producer, Topics.LEAD_OUTCOMES, id,
                            TestRecords.accepted(id, TestRecords.DEMO_PARTNER, 1, "4.00", decided));
                    send(producer, Topics.CONVERSIONS, id,
                            TestRecords.conversion(id, TestRecords.DEMO_PARTNER, 1, decided));
                    send(producer, Topics.PAYOUTS, id, TestRecords.payout(id, TestRecords.DEMO_PARTNER, 1, "4.00",
                            PayoutKind.PAYMENT, decided));
                }
                producer.flush();
            }
            System.out.printf("wrote %,d records to the topics in %.1f s%n", rows,
                    (System.nanoTime() - produceStart) / 1e9);

            long start = System.nanoTime();
            sink = ConversionSinkApplication.builder().run(
                    "--spring.kafka.bootstrap-servers=" + kafka.getBrokersAsString(), "--server.port=0",
                    "--spring.datasource.url=" + EmbeddedInfrastructure.jdbcUrl(postgres),
                    "--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
                    "--datapost.sink.max-batch-size=" + batch, "--datapost.sink.concurrency=" + concurrency);
            long started = System.nanoTime();
            MeterRegistry meters = sink.getBean(MeterRegistry.class);
            long first = 0;
            List<String> progress = new ArrayList<>();
            double written;
            while ((written = written(meters)) < rows) {
                Thread.sleep(50);
                if (first == 0 && written > 0) {
                    first = System.nanoTime();
                }
                if (progress.size() < (System.nanoTime() - started) / 5_000_000_000L) {
                    progress.add(String.format("%.0f", written));
                    System.out.printf("  %3d s: %,.0f rows%n", progress.size() * 5, written);
                }
                if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
                    throw new IllegalStateException("not done after 10 minutes: " + written);
                }
            }
            long end = System.nanoTime();
            System.out.printf("sink started in %.1f s; wrote %,d rows in %.2f s from the first row: %.0f rows/s "
                    + "(%.2f s and %.0f rows/s counting start-up)%n", (started - start) / 1e9, rows,
                    (end - first) / 1e9, rows / ((end - first) / 1e9), (end - start) / 1e9,
                    rows / ((end - start) / 1e9));
            System.out.printf("batches: %s%n", meters.find(SinkMetrics.BATCH).timers().stream()
                    .map(t -> t.getId().getTag("topic") + " " + t.count() + " x " + String.format("%.1f ms",
                            t.mean(java.util.concurrent.TimeUnit.MILLISECONDS)))
                    .toList());
        } finally {
            if (sink != null) {
                sink.close();
            }
            kafka.destroy();
            postgres.close();
        }
        System.exit(0);
    }

    private static double written(MeterRegistry meters) {
        return meters.find(SinkMetrics.ROWS_WRITTEN).counters().stream().mapToDouble(Counter::count).sum();
    }

    private static <V> void send(KafkaProducer<byte[], byte[]> producer, Topic<String, V> topic, String key, V value) {
        producer.send(new ProducerRecord<>(topic.name(), topic.keySerializer().serialize(topic.name(), key),
                topic.valueSerializer().serialize(topic.name(), value)));
    }
}
