package io.datapost.validator.gate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Micrometer counters of the dedupe gate. */
public final class GateMetrics {

    public static final String FORWARDED = "datapost.gate.forwarded";
    public static final String REPEATS = "datapost.gate.repeats";
    public static final String DEAD_LETTERS = "datapost.gate.dead.letters";
    public static final String PURGED = "datapost.gate.purged";

    /** {@code cause} tag of {@link #DEAD_LETTERS}: an Idempotency-Key reused with a different body. */
    public static final String CAUSE_KEY_REUSED = "key-reused";
    /** The record could not be decoded or did not make sense (no key, key differs from its submission id). */
    public static final String CAUSE_UNDECODABLE = "undecodable";

    private final MeterRegistry registry;
    private final Counter forwardedKeyed;
    private final Counter forwardedUnkeyed;
    private final Counter repeats;
    private final Counter keyReused;
    private final Counter undecodable;
    private final Counter purged;

    public GateMetrics(MeterRegistry registry) {
        this.registry = registry;
        forwardedKeyed = forwarded(registry, true);
        forwardedUnkeyed = forwarded(registry, false);
        repeats = Counter.builder(REPEATS)
                .description("Repeated submissions (same id, same body, within the window) dropped before the leads topic")
                .register(registry);
        keyReused = deadLetters(registry, CAUSE_KEY_REUSED);
        undecodable = deadLetters(registry, CAUSE_UNDECODABLE);
        purged = Counter.builder(PURGED)
                .description("Submission ids forgotten because they are older than the dedupe window")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void forwarded(boolean keyed) {
        (keyed ? forwardedKeyed : forwardedUnkeyed).increment();
    }

    void repeat() {
        repeats.increment();
    }

    void keyReused() {
        keyReused.increment();
    }

    void undecodable() {
        undecodable.increment();
    }

    void purged(int count) {
        purged.increment(count);
    }

    private static Counter forwarded(MeterRegistry registry, boolean keyed) {
        return Counter.builder(FORWARDED)
                .description("Submissions forwarded to the leads topic; keyed=false: no Idempotency-Key, never held")
                .tag("keyed", Boolean.toString(keyed))
                .register(registry);
    }

    private static Counter deadLetters(MeterRegistry registry, String cause) {
        return Counter.builder(DEAD_LETTERS)
                .description("Submissions sent to the dead-letter topic by the gate, by cause")
                .tag("cause", cause)
                .register(registry);
    }
}
