package io.datapost.validator.ledger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.datapost.schemas.PayoutKind;
import io.datapost.schemas.EventType;
import io.datapost.schemas.Verdict;
import io.datapost.validator.rules.Classification;
import io.datapost.validator.rules.MisconfigurationDetector;

/** Micrometer counters of the ledger. Meters are looked up per call; Micrometer caches them by name and tags. */
public final class LedgerMetrics {

    public static final String OUTCOMES = "datapost.validator.outcomes";
    public static final String DUPLICATES = "datapost.validator.duplicates.dropped";
    public static final String DEAD_LETTERS = "datapost.validator.dead.letters";
    public static final String UNPAID_ACCEPTED = "datapost.validator.accepted.without.payout";
    public static final String RECLASSIFY = "datapost.validator.reclassify";
    public static final String PAYOUT_EVENTS = "datapost.validator.payout.events";
    public static final String REVERSALS = "datapost.validator.conversions.reversed";

    /** {@code result} tag of {@link #RECLASSIFY}: a correction was emitted. */
    public static final String RECLASSIFY_CHANGED = "changed";
    /** The current rules decide as before: nothing emitted. */
    public static final String RECLASSIFY_UNCHANGED = "unchanged";
    /** Not decided yet: its decision will use the current rules anyway. */
    public static final String RECLASSIFY_UNDECIDED = "undecided";
    /** Decided NO_RESPONSE: there is no answer to classify again. */
    public static final String RECLASSIFY_NO_ANSWER = "no-answer";

    private final MeterRegistry registry;
    private final MisconfigurationDetector misconfiguration;

    public LedgerMetrics(MeterRegistry registry) {
        this(registry, MisconfigurationDetector.DEFAULT_WINDOW);
    }

    /** @param misconfigurationWindow default N of {@link MisconfigurationDetector} */
    public LedgerMetrics(MeterRegistry registry, int misconfigurationWindow) {
        this.registry = registry;
        this.misconfiguration = new MisconfigurationDetector(registry, misconfigurationWindow);
    }

    public MisconfigurationDetector misconfiguration() {
        return misconfiguration;
    }

    /** An advertiser answer was classified under its event type (not a reclassification of an old one). */
    void answerClassified(EventType eventType, Classification classification) {
        misconfiguration.record(eventType, classification);
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

    void reclassified(String result) {
        Counter.builder(RECLASSIFY)
                .description("Reclassify commands handled, by result (changed, unchanged, undecided, no-answer)")
                .tag("result", result)
                .register(registry)
                .increment();
    }

    void payoutEvent(PayoutKind kind) {
        Counter.builder(PAYOUT_EVENTS)
                .description("Payout events emitted: payments, and the reversals and adjustments of corrections")
                .tag("kind", kind.name())
                .register(registry)
                .increment();
    }

    void conversionReversed(String eventTypeId) {
        Counter.builder(REVERSALS)
                .description("Conversions reversed because a correction changed the decision")
                .tag("event.type", eventTypeId)
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
