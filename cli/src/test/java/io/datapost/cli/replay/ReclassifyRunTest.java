package io.datapost.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import io.datapost.cli.Datapost;
import io.datapost.cli.config.ConfigLoader;
import io.datapost.cli.config.ConfigPublisher;
import io.datapost.cli.config.ConfigSet;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Partner;
import io.datapost.schemas.kafka.TopicLeaders;
import io.datapost.schemas.kafka.Topics;
import picocli.CommandLine;

/**
 * The replay scan on a real broker (no services): stopped midway it saves a checkpoint, and resumed it ends
 * with exactly the counts of an uninterrupted run; the command resumes a stopped replay by its id.
 */
@Tag("integration")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReclassifyRunTest {

    static final int ANSWERS = 600;
    static final int ACCEPTED_EVERY = 3;

    @TempDir
    Path dataDir;

    EmbeddedKafkaKraftBroker kafka;
    String bootstrap;
    EventType changedRule;
    Partner demo;
    int accepted;
    Instant from;

    @BeforeAll
    void storeAnswers() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.brokerProperties(Map.of("transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1", "auto.create.topics.enable", "false"));
        kafka.afterPropertiesSet();
        bootstrap = kafka.getBrokersAsString();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList()).all().get();
            TopicLeaders.awaitAll(bootstrap, Duration.ofSeconds(30));
        }
        ConfigSet config = new ConfigLoader(null).load(Path.of("..", "config"));
        EventType sample = config.eventTypes().get(0);
        demo = config.partners().stream().filter(p -> p.getId().equals(StoredAnswers.PARTNER)).findFirst()
                .orElseThrow();
        from = Instant.now().minusSeconds(60);
        accepted = StoredAnswers.produce(bootstrap, ANSWERS, ACCEPTED_EVERY, sample, demo);
        changedRule = EventType.newBuilder(sample).build();
        changedRule.getRule().setEquals("pending");
        // the rule in force is the changed one: the stored outcomes were decided with the old
        ConfigPublisher.forBootstrap(bootstrap).publish(new ConfigSet(java.util.List.of(changedRule),
                config.partners(), java.util.List.of()));
    }

    @AfterAll
    void stopBroker() {
        if (kafka != null) {
            kafka.destroy();
        }
    }

    ReclassifyRun run(ReplayLog log, AtomicBoolean stop) {
        return new ReclassifyRun(bootstrap, Map.of(changedRule.getId(), changedRule)::get,
                Map.of(demo.getId(), demo)::get, log, new PrintWriter(new StringWriter()), stop, Duration.ofSeconds(30))
                .checkpointEvery(Duration.ZERO);
    }

    ReplayRecord dryRun(String id) {
        ReplayRecord record = new ReplayRecord();
        record.id = id;
        record.kind = ReclassifyCommand.KIND;
        record.dryRun = true;
        record.from = from.toString();
        record.to = Instant.now().plusSeconds(60).toString();
        record.bootstrapServers = bootstrap;
        return record;
    }

    @Test
    void aReplayStoppedMidwayAndResumedCountsEveryAnswerExactlyOnce() {
        ReplayLog log = new ReplayLog(dataDir.resolve("midway"));
        // Given an uninterrupted dry run as the reference
        ReplayRecord whole = run(log, new AtomicBoolean()).run(dryRun("whole"));
        assertThat(whole.status).isEqualTo(ReplayRecord.DONE);
        assertThat(whole.answers).isEqualTo(ANSWERS);
        assertThat(whole.changed).isEqualTo(ANSWERS);
        assertThat(whole.transitions).containsEntry("ACCEPTED -> REJECTED", (long) accepted)
                .containsEntry("REJECTED -> ACCEPTED", (long) (ANSWERS - accepted));

        // When the same replay is stopped (as by Ctrl-C) after 250 records
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong seen = new AtomicLong();
        ReplayRecord stopped = run(log, stop).beforeEachRecord(() -> {
            if (seen.incrementAndGet() > 250) {
                stop.set(true);
            }
        }).run(dryRun("interrupted"));

        // Then it is recorded as stopped at its checkpoint
        assertThat(stopped.status).isEqualTo(ReplayRecord.STOPPED);
        ReplayRecord saved = log.find("interrupted").orElseThrow();
        assertThat(saved.read).isEqualTo(250);
        assertThat(saved.positions.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(250);

        // When it is resumed from what was saved
        ReplayRecord resumed = run(log, new AtomicBoolean()).run(log.find("interrupted").orElseThrow());

        // Then it ends with the reference's counts: nothing counted twice, nothing missed
        assertThat(resumed.status).isEqualTo(ReplayRecord.DONE);
        assertThat(resumed.read).isEqualTo(whole.read);
        assertThat(resumed.answers).isEqualTo(whole.answers);
        assertThat(resumed.changed).isEqualTo(whole.changed);
        assertThat(resumed.transitions).isEqualTo(whole.transitions);
        assertThat(resumed.payoutDelta).isEqualTo(whole.payoutDelta);
    }

    @Test
    void theCommandResumesAStoppedReplayByItsId() {
        // Given a replay stopped before its first record (Ctrl-C at once)
        Path dir = dataDir.resolve("command");
        ReclassifyCommand first = new ReclassifyCommand();
        first.stop.set(true);
        Result stopped = execute(new CommandLine(first), "--from", from.toString(), "--dry-run",
                "--bootstrap-servers", bootstrap, "--data-dir", dir.toString());
        assertThat(stopped.exit).as(stopped.out).isNotZero();
        assertThat(stopped.out).contains("stopped; continue with: datapost replay reclassify --resume reclassify-");
        String id = new ReplayLog(dir).list().get(0).id;

        // When it is resumed
        Result resumed = execute(Datapost.commandLine(), "replay", "reclassify", "--resume", id,
                "--data-dir", dir.toString());

        // Then it reads everything, reports the changes and is recorded as done
        assertThat(resumed.exit).as(resumed.out).isZero();
        assertThat(resumed.out).contains(ANSWERS + " would change")
                .containsPattern("demo-partner\\s+\\+" + (4 * (ANSWERS - 2 * accepted)) + "\\.0000 USD");
        ReplayRecord record = new ReplayLog(dir).find(id).orElseThrow();
        assertThat(record.status).isEqualTo(ReplayRecord.DONE);
        assertThat(record.args).anyMatch(a -> a.startsWith("(resumed by "));
    }

    @Test
    void filtersSelectTheirLeadsAndAFilterNamingNothingConfiguredIsAnError() {
        Path dir = dataDir.resolve("filters");
        String[] range = {"--from", from.toString(), "--dry-run", "--bootstrap-servers", bootstrap,
                "--data-dir", dir.toString()};

        // When the filters name the stored answers' event type and partner
        Result matching = execute(Datapost.commandLine(), concat(new String[] {"replay", "reclassify",
                "--event-type", changedRule.getId(), "--partner", demo.getId()}, range));
        // Then every answer is selected
        assertThat(matching.exit).as(matching.out + matching.err).isZero();
        assertThat(matching.out).contains(ANSWERS + " would change");

        // When they name an event type or a partner that is not configured (a typo)
        Result unknownType = execute(Datapost.commandLine(), concat(new String[] {"replay", "reclassify",
                "--event-type", "insurance-qoute"}, range));
        Result unknownPartner = execute(Datapost.commandLine(), concat(new String[] {"replay", "reforward",
                "--partner", "demo-partnr"}, range));

        // Then each is a usage error naming what is configured, and nothing runs or is recorded
        assertThat(unknownType.exit).isEqualTo(2);
        assertThat(unknownType.err).contains("--event-type insurance-qoute: no such event type")
                .contains(changedRule.getId());
        assertThat(unknownPartner.exit).isEqualTo(2);
        assertThat(unknownPartner.err).contains("--partner demo-partnr: no such partner").contains(demo.getId())
                .contains("partners-v1");

        // and so are a timeout that is not positive and an outcome list that names nothing
        Result zeroTimeout = execute(Datapost.commandLine(), concat(new String[] {"replay", "reclassify",
                "--timeout", "0"}, range));
        Result noOutcome = execute(Datapost.commandLine(), concat(new String[] {"replay", "reforward",
                "--outcome", ",,"}, range));
        assertThat(zeroTimeout.exit).as(zeroTimeout.err).isEqualTo(2);
        assertThat(zeroTimeout.err).contains("--timeout must be a positive number of seconds");
        assertThat(noOutcome.exit).as(noOutcome.err).isEqualTo(2);
        assertThat(noOutcome.err).contains("--outcome names no outcome");
        assertThat(new ReplayLog(dir).list()).hasSize(1);
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b))
                .toArray(String[]::new);
    }

    record Result(int exit, String out, String err) {
    }

    static Result execute(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
