package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;

/**
 * Load harness (not a test): stores N answers and their outcomes (default 100,000) on an embedded broker, then
 * times reclassification scans, the whole of {@code ReclassifyRun.run}: reading every outcome, reading the
 * answers, deciding each again with the validator's classifier, tallying, and in the last round writing a
 * correction command per changed answer (acknowledged, acks=all). What the validator then does with the commands
 * is measured by validator-streams' {@code LedgerBenchmark}. Run:
 *
 * <pre>
 * mvn -B -q -pl cli -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * cd cli &amp;&amp; java -cp target/test-classes:target/classes:$(tr ':' '\n' &lt; target/test.classpath \
 *     | grep -v -e logback-classic -e log4j-to-slf4j | paste -sd:) io.datapost.cli.replay.ReclassifyBenchmark 100000
 * </pre>
 * (from the repo root; exec:java does not work here: the test classpath holds two SLF4J/Log4j bridges that
 * surefire excludes.)
 */
public final class ReclassifyBenchmark {

    public static void main(String[] args) throws Exception {
        int answers = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        Path dataDir = Files.createTempDirectory("replay-bench");
        try {
            String bootstrap = kafka.getBrokersAsString();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
                TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
            }
            ConfigSet config = new ConfigLoader(null).load(Path.of("..", "config"));
            EventType sample = config.eventTypes().get(0);
            Partner demo = config.partners().stream().filter(p -> p.getId().equals(StoredAnswers.PARTNER))
                    .findFirst().orElseThrow();
            Instant from = Instant.now().minusSeconds(60);
            long produceStart = System.nanoTime();
            StoredAnswers.produce(bootstrap, answers, 3, sample, demo);
            System.out.printf(Locale.ROOT, "stored %,d answers + %,d outcomes in %.1f s (%d partitions each)%n",
                    answers, answers, (System.nanoTime() - produceStart) / 1e9, Topics.DATA_PARTITIONS);

            EventType changed = EventType.newBuilder(sample).build();
            changed.getRule().setEquals("pending");
            for (int round = 1; round <= 3; round++) {
                scan("dry run, changed rule (every answer changes), round " + round, bootstrap, dataDir, changed,
                        demo, from, true);
            }
            scan("dry run, same rule (nothing changes)", bootstrap, dataDir, sample, demo, from, true);
            scan("applied, changed rule (a correction command written per answer)", bootstrap, dataDir, changed,
                    demo, from, false);
            System.out.printf(Locale.ROOT, "machine: %d cores, max heap %d MB, %s%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                    System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        } finally {
            kafka.destroy();
        }
    }

    private static void scan(String label, String bootstrap, Path dataDir, EventType rule, Partner demo,
            Instant from, boolean dryRun) {
        ReplayRecord record = new ReplayRecord();
        record.id = "bench-" + System.nanoTime();
        record.kind = ReclassifyCommand.KIND;
        record.user = "bench";
        record.dryRun = dryRun;
        record.from = from.toString();
        record.to = Instant.now().plusSeconds(60).toString();
        record.bootstrapServers = bootstrap;
        long start = System.nanoTime();
        new ReclassifyRun(bootstrap, Map.of(rule.getId(), rule)::get, Map.of(demo.getId(), demo)::get,
                new ReplayLog(dataDir), new PrintWriter(new StringWriter()), new AtomicBoolean(),
                Duration.ofSeconds(120)).run(record);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %,d answers, %,d changed, %,d commands, %s in %.2f s = %,.0f answers/s%n",
                label, record.answers, record.changed, record.commands, record.status, seconds,
                record.answers / seconds);
    }
}
