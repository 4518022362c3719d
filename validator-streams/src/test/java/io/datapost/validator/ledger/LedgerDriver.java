package io.datapost.validator.ledger;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.ConversionRecorded;
import io.datapost.schemas.ConversionReversed;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadOutcome;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.Partner;
import io.datapost.schemas.PayoutEvent;
import io.datapost.schemas.ReclassifyRequested;
import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;
import io.datapost.validator.Fixtures;
import io.datapost.validator.config.StreamsProperties;
import io.datapost.validator.config.ValidatorProperties;

/** The ledger topology in a {@code TopologyTestDriver}, with every input and output topic at hand. */
final class LedgerDriver implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant WALL_CLOCK = Instant.parse("2026-01-01T00:00:05Z");
    static final Duration GRACE = Duration.ofSeconds(60);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    /** receivedAt T0 + timeout x attempts + grace. */
    static final Instant DEADLINE = T0.plusMillis((long) Fixtures.TIMEOUT_MILLIS * Fixtures.MAX_ATTEMPTS).plus(GRACE);

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<String, LeadSubmitted> leads;
    final TestInputTopic<String, AdvertiserResponse> responses;
    final TestInputTopic<String, ReclassifyRequested> reclassify;
    final TestInputTopic<String, EventType> eventTypes;
    final TestInputTopic<String, Partner> partners;
    final TestOutputTopic<String, LeadOutcome> outcomes;
    final TestOutputTopic<String, ConversionRecorded> conversions;
    final TestOutputTopic<String, ConversionReversed> reversals;
    final TestOutputTopic<String, PayoutEvent> payouts;

    LedgerDriver(Path stateDir) {
        ValidatorProperties settings = new ValidatorProperties(1, stateDir.toString(), GRACE, CHECK_INTERVAL,
                Duration.ofSeconds(5), Map.of());
        Properties props = StreamsProperties.of("unused:9092", settings, null);
        driver = new TopologyTestDriver(
                LedgerTopology.build(new LedgerSettings(GRACE, CHECK_INTERVAL, new LedgerMetrics(registry))),
                props, WALL_CLOCK);
        leads = input(Topics.LEADS);
        responses = input(Topics.ADVERTISER_RESPONSES);
        reclassify = input(Topics.RECLASSIFY_REQUESTS);
        eventTypes = input(Topics.EVENT_TYPES);
        partners = input(Topics.PARTNERS);
        outcomes = output(Topics.LEAD_OUTCOMES);
        conversions = output(Topics.CONVERSIONS);
        reversals = output(Topics.CONVERSION_REVERSALS);
        payouts = output(Topics.PAYOUTS);
    }

    void reclassify(String submissionId, String requestId, Instant at) {
        reclassify.pipeInput(submissionId, ReclassifyRequested.newBuilder().setSubmissionId(submissionId)
                .setRequestId(requestId).setRequestedBy("test").setRequestedAt(at).build(), at);
    }

    /** Stream time moves only with records: an attempt of an unrelated submission (it sets no deadline). */
    void advanceStreamTimeTo(Instant time) {
        responses.pipeInput("clock", Fixtures.response("clock", 1, false, FailureClass.TIMEOUT).build(), time);
    }

    double counter(String name, String tag, String value) {
        return registry.find(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerializer(), topic.valueSerializer());
    }

    private <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keyDeserializer(), topic.valueDeserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
