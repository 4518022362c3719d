package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.forwarder.kafka.ReforwardHeader;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine;

/**
 * {@code replay reforward} on a real broker without services: what it selects, what it writes to the leads topic
 * (the original record again with the attempt header), Ctrl-C and resume, and no second send while pending.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReforwardRunTest {

    @TempDir
    Path dataDir;

    EmbeddedKafkaKraftBroker kafka;
    String bootstrap;

    @BeforeAll
    void startBroker() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
    }

    @AfterAll
    void stopBroker() {
        if (kafka != null) {
            kafka.destroy();
        }
    }

    @Test
    void reforwardPreviewsThenSendsEachStoredErrorLeadOnceAtItsNextAttemptAndNotAgainWhileItIsPending()
            throws Exception {
        // Given three leads that ended in ERROR, two of them still on the leads topic; error-0 had attempts 1-3
        Instant received = Instant.now();
        StoredAnswers.produceErrors(bootstrap, 3, 2, received);
        StoredAnswers.produceAttempts(bootstrap, "error-0", 3);
        Path dir = dataDir.resolve("reforward");
        String[] range = {"--from", received.minusSeconds(1).toString(), "--outcome", "ERROR",
                "--bootstrap-servers", bootstrap, "--data-dir", dir.toString()};

        // When a dry run previews the reforward of ERROR leads
        Result dry = execute(Datapost.commandLine(), concat(new String[] {"replay", "reforward", "--dry-run"}, range));

        // Then it counts them by event type, partner and outcome, writes nothing and is recorded
        assertThat(dry.exit).as(dry.out).isZero();
        assertThat(dry.out).contains("3 lead(s) with current outcome ERROR: 2 to send again, 0 pending")
                .contains("1 no longer on " + Topics.LEADS.name())
                .containsPattern("partner demo-partner\\s+2").containsPattern("outcome ERROR\\s+2")
                .containsPattern("event type insurance-quote\\s+2").contains("leads written: none");
        assertThat(reforwardRecords()).isEmpty();

        // When a real one is stopped by Ctrl-C before its first record, then resumed
        ReforwardCommand first = new ReforwardCommand();
        first.stop.set(true);
        Result stopped = execute(new CommandLine(first), range);
        assertThat(stopped.exit).as(stopped.out).isNotZero();
        assertThat(stopped.out).contains("stopped; continue with: datapost replay reforward --resume reforward-");
        String id = new ReplayLog(dir).list().stream().filter(r -> !r.dryRun).findFirst().orElseThrow().id;
        Result resumed = execute(Datapost.commandLine(), "replay", "reforward", "--resume", id,
                "--data-dir", dir.toString());

        // Then each stored lead is written once more, unchanged, with the next attempt number as header
        assertThat(resumed.exit).as(resumed.out).isZero();
        assertThat(resumed.out).contains("leads written: 2 to " + Topics.LEADS.name());
        List<ConsumerRecord<byte[], byte[]>> sent = reforwardRecords();
        assertThat(sent).extracting(r -> new String(r.key(), StandardCharsets.UTF_8) + "@"
                + ReforwardHeader.attempt(r.headers())).containsExactlyInAnyOrder("error-0@4", "error-1@1");
        Map<String, ConsumerRecord<byte[], byte[]>> originals = leadRecords().stream()
                .filter(r -> ReforwardHeader.attempt(r.headers()) == 0)
                .collect(Collectors.toMap(r -> new String(r.key(), StandardCharsets.UTF_8), r -> r, (a, b) -> a));
        assertThat(sent).allSatisfy(r -> {
            ConsumerRecord<byte[], byte[]> original = originals.get(new String(r.key(), StandardCharsets.UTF_8));
            assertThat(r.value()).isEqualTo(original.value());
            assertThat(r.partition()).isEqualTo(original.partition());
        });
        assertThat(new ReplayLog(dir).find(id).orElseThrow().status).isEqualTo(ReplayRecord.DONE);

        // When the same reforward runs again before the forwarder answered them
        Result again = execute(Datapost.commandLine(), concat(new String[] {"replay", "reforward"}, range));

        // Then nothing is sent: both are pending
        assertThat(again.exit).as(again.out).isZero();
        assertThat(again.out).contains("0 to send again, 2 pending").contains("leads written: 0");
        assertThat(reforwardRecords()).hasSize(2);
    }

    private List<ConsumerRecord<byte[], byte[]>> reforwardRecords() {
        return leadRecords().stream().filter(r -> ReforwardHeader.attempt(r.headers()) > 0).toList();
    }

    private List<ConsumerRecord<byte[], byte[]>> leadRecords() {
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        new ReplayKafka(bootstrap, Duration.ofSeconds(30), new AtomicBoolean()).readFrom(Topics.LEADS.name(), null,
                records::add);
        return records;
    }

    private static Result execute(CommandLine cli, String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out));
        cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        int exit = cli.execute(args);
        return new Result(exit, out.toString());
    }

    record Result(int exit, String out) {
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b))
                .toArray(String[]::new);
    }

}
