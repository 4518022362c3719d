package io.datapost.validator.gate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.DeadLetters;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.config.GateProperties;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;

/** The dedupe gate in a TopologyTestDriver: explicit record times, wall clock advanced by hand. */
class GateTopologyTest {

    private static final Duration WINDOW = Duration.ofDays(7);
    private static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Map<String, String> BODY = Map.of("email", "ana@example.org", "zip", "30301");

    @TempDir
    Path stateDir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, LeadSubmitted> submissions;
    private TestInputTopic<byte[], byte[]> rawSubmissions;
    private TestOutputTopic<String, LeadSubmitted> leads;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    @BeforeEach
    void startDriver() {
        ValidatorProperties validator = new ValidatorProperties(1, stateDir.toString(), Duration.ofSeconds(60),
                Duration.ofSeconds(1), Duration.ofSeconds(5), Map.of());
        Properties props = StreamsProperties.gate("unused:9092", validator,
                new GateProperties(WINDOW, PURGE_INTERVAL, Map.of()));
        driver = new TopologyTestDriver(GateTopology.build(new GateSettings(WINDOW, PURGE_INTERVAL,
                new GateMetrics(registry))), props, T0);
        submissions = driver.createInputTopic(Topics.SUBMISSIONS.name(), Topics.SUBMISSIONS.keySerializer(),
                Topics.SUBMISSIONS.valueSerializer());
        rawSubmissions = driver.createInputTopic(Topics.SUBMISSIONS.name(), Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer());
        leads = driver.createOutputTopic(Topics.LEADS.name(), Topics.LEADS.keyDeserializer(),
                Topics.LEADS.valueDeserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), Topics.DEAD_LETTERS.keyDeserializer(),
                Topics.DEAD_LETTERS.valueDeserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void leadsWithoutIdempotencyKeyPassStraightThroughAndAreNotRemembered() {
        // Given two unkeyed leads (ingest gives each a random id)
        LeadSubmitted first = lead("random-1", null, T0, BODY);
        LeadSubmitted second = lead("random-2", null, T0, BODY);

        // When
        submit(first);
        submit(second);

        // Then both are forwarded as they came and the store stays empty
        assertThat(leads.readValuesToList()).containsExactly(first, second);
        assertThat(store().approximateNumEntries()).isZero();
        assertThat(counter(GateMetrics.FORWARDED, "keyed", "false")).isEqualTo(2);
    }

    @Test
    void identicalRepeatWithinTheWindowIsDroppedAndCounted() {
        // Given a keyed lead that passed
        submit(lead("sub-1", "key-1", T0, BODY));

        // When the partner retries the same lead a day later (another ingest instance: another receivedAt)
        submit(lead("sub-1", "key-1", T0.plus(Duration.ofDays(1)), BODY));

        // Then only the first reached the leads topic, nothing was dead-lettered, and the repeat was counted
        assertThat(leads.readRecordsToList()).singleElement()
                .satisfies(r -> assertThat(r.value().getReceivedAt()).isEqualTo(T0));
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(registry.get(GateMetrics.REPEATS).counter().count()).isEqualTo(1);
    }

    @Test
    void forwardedRecordIsTheOriginalBytesWithItsTimestampAndHeaders() {
        // Given
        byte[] value = Topics.SUBMISSIONS.valueSerializer().serialize(Topics.SUBMISSIONS.name(),
                lead("sub-1", "key-1", T0, BODY));
        TestRecord<byte[], byte[]> record = new TestRecord<>("sub-1".getBytes(StandardCharsets.UTF_8), value, null,
                T0.plusMillis(7));
        record.headers().add("trace", new byte[] {42});

        // When
        rawSubmissions.pipeInput(record);

        // Then
        TestRecord<byte[], byte[]> forwarded = driver.createOutputTopic(Topics.LEADS.name(),
                Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer()).readRecord();
        assertThat(forwarded.value()).isEqualTo(value);
        assertThat(forwarded.timestamp()).isEqualTo(T0.plusMillis(7).toEpochMilli());
        assertThat(forwarded.headers().lastHeader("trace").value()).containsExactly(42);
    }

    @Test
    void sameKeyWithADifferentBodyIsDeadLetteredWithItsCauseNotForwarded() {
        // Given a keyed lead that passed
        submit(lead("sub-1", "key-1", T0, BODY));
        leads.readRecordsToList();

        // When the same key comes with another body
        LeadSubmitted other = lead("sub-1", "key-1", T0.plusSeconds(30), Map.of("email", "bo@example.org", "zip", "30301"));
        submit(other);

        // Then it is a dead letter with the original bytes and the cause, and the leads topic got nothing
        assertThat(leads.isEmpty()).isTrue();
        TestRecord<byte[], byte[]> deadLetter = deadLetters.readRecord();
        assertThat(Topics.SUBMISSIONS.valueDeserializer().deserialize(Topics.SUBMISSIONS.name(), deadLetter.value()))
                .isEqualTo(other);
        assertThat(new String(deadLetter.key(), StandardCharsets.UTF_8)).isEqualTo("sub-1");
        assertThat(header(deadLetter, DeadLetters.CAUSE_MESSAGE)).isEqualTo("Idempotency-Key reused with a different body");
        assertThat(header(deadLetter, DeadLetters.CAUSE_CLASS)).isEqualTo(IdempotencyKeyReusedException.class.getName());
        assertThat(header(deadLetter, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.SUBMISSIONS.name());
        assertThat(header(deadLetter, DeadLetters.SERVICE)).isEqualTo("validator-streams");
        assertThat(counter(GateMetrics.DEAD_LETTERS, "cause", GateMetrics.CAUSE_KEY_REUSED)).isEqualTo(1);

        // and the first body still stands: its identical repeat is dropped, not dead-lettered
        submit(lead("sub-1", "key-1", T0.plusSeconds(60), BODY));
        assertThat(leads.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void fieldOrderDoesNotMakeADifferentBody() {
        // Given
        submit(lead("sub-1", "key-1", T0, new java.util.LinkedHashMap<>(Map.of("a", "1", "b", "2"))));
        java.util.LinkedHashMap<String, String> reordered = new java.util.LinkedHashMap<>();
        reordered.put("b", "2");
        reordered.put("a", "1");

        // When
        submit(lead("sub-1", "key-1", T0.plusSeconds(1), reordered));

        // Then
        assertThat(leads.readRecordsToList()).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void entriesOlderThanTheWindowArePurgedOnTheWallClockAndTheIdPassesAgain() {
        // Given a keyed lead that passed at T0 (the driver's wall clock starts at T0)
        submit(lead("sub-1", "key-1", T0, BODY));
        assertThat(store().get("sub-1")).isNotNull();

        // When the wall clock passes the window minus a minute: nothing is purged yet
        driver.advanceWallClockTime(WINDOW.minus(PURGE_INTERVAL));
        assertThat(store().get("sub-1")).isNotNull();

        // and when it passes the window
        driver.advanceWallClockTime(PURGE_INTERVAL.multipliedBy(2));

        // Then the entry and its index entry are gone
        assertThat(store().get("sub-1")).isNull();
        assertThat(driver.<String, String>getKeyValueStore(GateTopology.FIRST_SEEN_STORE).approximateNumEntries()).isZero();
        assertThat(registry.get(GateMetrics.PURGED).counter().count()).isEqualTo(1);

        // and a copy posted now passes the gate again, even with another body (a new window starts)
        leads.readRecordsToList();
        submit(lead("sub-1", "key-1", T0.plus(WINDOW).plusSeconds(120), Map.of("email", "new@example.org")));
        assertThat(leads.readRecordsToList()).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void copyReceivedAWindowAfterTheFirstPassesEvenBeforeThePurgeRan() {
        // Given
        submit(lead("sub-1", "key-1", T0, BODY));

        // When a copy received exactly one window later arrives before any purge
        submit(lead("sub-1", "key-1", T0.plus(WINDOW), BODY));
        // and a copy of that one a second later
        submit(lead("sub-1", "key-1", T0.plus(WINDOW).plusSeconds(1), BODY));

        // Then the first two passed, the third is a repeat of the second
        assertThat(leads.readRecordsToList()).hasSize(2);
        assertThat(store().get("sub-1").firstSeenMillis()).isEqualTo(T0.plus(WINDOW).toEpochMilli());
        assertThat(driver.<String, String>getKeyValueStore(GateTopology.FIRST_SEEN_STORE).approximateNumEntries())
                .isEqualTo(1);
    }

    @Test
    void undecodableRecordsAreDeadLetteredAndTheNextRecordIsProcessed() {
        // Given garbage, a record without key, and a record whose key is not its submission id
        rawSubmissions.pipeInput("bad".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3}, T0);
        rawSubmissions.pipeInput(null, Topics.SUBMISSIONS.valueSerializer().serialize("t", lead("x", "k", T0, BODY)), T0);
        submissions.pipeInput("not-its-id", lead("sub-9", "k", T0, BODY), T0);

        // When a good record follows
        LeadSubmitted good = lead("sub-1", "key-1", T0, BODY);
        submit(good);

        // Then
        List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(3);
        assertThat(dead.get(0).value()).containsExactly(1, 2, 3);
        assertThat(header(dead.get(0), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.SUBMISSIONS.name());
        assertThat(leads.readValuesToList()).containsExactly(good);
        assertThat(counter(GateMetrics.DEAD_LETTERS, "cause", GateMetrics.CAUSE_UNDECODABLE)).isEqualTo(3);
    }

    private void submit(LeadSubmitted lead) {
        submissions.pipeInput(lead.getSubmissionId(), lead, lead.getReceivedAt());
    }

    private KeyValueStore<String, GateEntry> store() {
        return driver.getKeyValueStore(GateTopology.SUBMISSIONS_STORE);
    }

    private double counter(String name, String tag, String value) {
        return registry.get(name).tag(tag, value).counter().count();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static LeadSubmitted lead(String submissionId, String key, Instant receivedAt, Map<String, String> fields) {
        return LeadSubmitted.newBuilder().setSubmissionId(submissionId).setEventTypeId("insurance-quote")
                .setPartnerId("demo-partner").setIdempotencyKey(key).setFields(fields).setReceivedAt(receivedAt)
                .build();
    }
}
