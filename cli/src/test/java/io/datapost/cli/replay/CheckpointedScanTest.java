package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.schemas.kafka.TopicLeaders;

/**
 * A replay scans topics that transactional producers write (the gate's Kafka Streams writes the leads topic with
 * exactly-once): every transaction leaves a commit or abort marker at an offset no consumer is given, often the
 * last offset of a partition, and an aborted transaction leaves records a read_committed consumer never sees. The
 * scan must still reach its end offsets, read each committed record once, and resume from where Ctrl-C stopped it.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CheckpointedScanTest {

    static final String TOPIC = "scan-test";

    EmbeddedKafkaKraftBroker kafka;
    String bootstrap;

    @TempDir
    Path dataDir;

    @BeforeAll
    void startBroker() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
            TopicLeaders.await(admin, List.of(TOPIC), Duration.ofSeconds(30));
        }
        // committed, aborted, committed: each transaction ends with a marker on both partitions
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "scan-test-writer"),
                new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            writeTransaction(producer, "a", 6, true);
            writeTransaction(producer, "aborted", 4, false);
            writeTransaction(producer, "b", 4, true);
        }
    }

    private static void writeTransaction(KafkaProducer<String, String> producer, String prefix, int count,
            boolean commit) {
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(TOPIC, i % 2, prefix + i, prefix + "-" + i));
        }
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    @AfterAll
    void stopBroker() {
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void aScanOverATransactionallyWrittenTopicEndsAfterEveryCommittedRecordAndResumesAfterCtrlC() {
        ReplayLog log = new ReplayLog(dataDir);
        ReplayRecord record = new ReplayRecord();
        record.id = "scan-test-1";
        List<String> seen = new ArrayList<>();
        StringWriter progress = new StringWriter();

        // When a scan is stopped (Ctrl-C) after its third record
        AtomicBoolean stop = new AtomicBoolean();
        int[] before = {0};
        CheckpointedScan first = new CheckpointedScan(new ReplayKafka(bootstrap, Duration.ofSeconds(30), stop), log,
                new PrintWriter(progress), stop).beforeEachRecord(() -> {
                    if (++before[0] == 4) {
                        stop.set(true);
                    }
                });
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> first.run(record, TOPIC, Instant.EPOCH,
                r -> seen.add(new String(r.value(), StandardCharsets.UTF_8)), () -> { }));

        // Then it is saved as stopped, three records in
        assertThat(log.find(record.id).orElseThrow().status).isEqualTo(ReplayRecord.STOPPED);
        assertThat(seen).hasSize(3);

        // When it is resumed from the saved record
        ReplayRecord saved = log.find(record.id).orElseThrow();
        AtomicBoolean noStop = new AtomicBoolean();
        CheckpointedScan resumed = new CheckpointedScan(new ReplayKafka(bootstrap, Duration.ofSeconds(30), noStop),
                log, new PrintWriter(progress), noStop);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> resumed.run(saved, TOPIC, Instant.EPOCH,
                r -> seen.add(new String(r.value(), StandardCharsets.UTF_8)), () -> { }));

        // Then it ends (past the last commit marker), DONE, having read each committed record exactly once
        ReplayRecord done = log.find(record.id).orElseThrow();
        assertThat(done.status).isEqualTo(ReplayRecord.DONE);
        assertThat(done.read).isEqualTo(10);
        assertThat(seen).containsExactlyInAnyOrder("a-0", "a-1", "a-2", "a-3", "a-4", "a-5", "b-0", "b-1", "b-2",
                "b-3");
        assertThat(done.positions).isEqualTo(done.ends);
        // and the last progress line is full and counts the records, not the offsets
        assertThat(progress.toString()).contains("100% read 10/10");
    }
}
