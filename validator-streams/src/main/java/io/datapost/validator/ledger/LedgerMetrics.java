package io.datapost.validator.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.datapost.schemas.Verdict;

/** Micrometer counters of the ledger. Meters are looked up per call; Micrometer caches them by name and tags. */
public final class LedgerMetrics {

    public static final String OUTCOMES = "datapost.validator.outcomes";
    public static final String DUPLICATES = "datapost.validator.duplicates.dropped";
    public static final String DEAD_LETTERS = "datapost.validator.dead.letters";
    public static final String UNPAID_ACCEPTED = "datapost.validator.accepted.without.payout";

    private final MeterRegistry registry;

    public LedgerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    void outcome(Verdict verdict, String eventTypeId, int revision) {
        Counter.builder(OUTCOMES)
                .description("Lead outcomes emitted, by verdict and event type; corrections have revision > 1")
                .tag("verdict", verdict.name())
                .tag("event.type", eventTypeId)
                .tag("correction", Boolean.toString(revision > 1))
                .register(registry)
                .increment();
    }

    void duplicateLead() {
        duplicate("lead");
    }

    void duplicateFinalResponse() {
        duplicate("final-response");
    }

    private void duplicate(String kind) {
        Counter.builder(DUPLICATES)
                .description("Repeated leads (partner retries) and repeated final responses that were dropped")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }

    void deadLetter(String sourceTopic) {
        Counter.builder(DEAD_LETTERS)
                .description("Input records sent to the dead-letter topic")
                .tag("topic", sourceTopic)
                .register(registry)
                .increment();
    }

    void acceptedWithoutPayout(String eventTypeId) {
        Counter.builder(UNPAID_ACCEPTED)
                .description("Accepted leads whose partner has no payout term for the event type")
                .tag("event.type", eventTypeId)
                .register(registry)
                .increment();
    }
}
