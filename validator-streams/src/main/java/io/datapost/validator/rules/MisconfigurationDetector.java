package io.datapost.validator.rules;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.datapost.schemas.EventType;

/**
 * Tells a misconfigured event type from a failing advertiser: when the last N answers of an event type were all
 * ERROR because nothing matched or nothing parsed (not 5xx, not timeouts), its rule most likely does not fit
 * what the advertiser sends. The gauge {@value #GAUGE} is then 1 for that event type, the counter
 * {@value #DETECTIONS} counts each time it becomes so, and one WARN names it; any other answer clears it (one
 * INFO). N is the event type's {@code rule.misconfigurationWindow}, else the service's default. Per instance:
 * each validator instance judges the answers it processes.
 */
public final class MisconfigurationDetector {

    public static final String GAUGE = "datapost.validator.event.type.misconfigured";
    public static final String DETECTIONS = "datapost.validator.event.type.misconfigurations";
    public static final int DEFAULT_WINDOW = 20;

    private static final Logger log = LoggerFactory.getLogger(MisconfigurationDetector.class);

    private final MeterRegistry registry;
    private final int defaultWindow;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    public MisconfigurationDetector(MeterRegistry registry, int defaultWindow) {
        if (defaultWindow < 1) {
            throw new IllegalArgumentException("the misconfiguration window must be at least 1");
        }
        this.registry = registry;
        this.defaultWindow = defaultWindow;
    }

    /** One advertiser answer of the event type and what its rule made of it. */
    public void record(EventType eventType, Classification classification) {
        String id = eventType.getId();
        State state = states.computeIfAbsent(id, this::register);
        if (!classification.suggestsMisconfiguration()) {
            state.streak.set(0);
            if (state.flagged.compareAndSet(1, 0)) {
                log.info("Event type {} reads its advertiser's answers again", id);
            }
            return;
        }
        int streak = state.streak.incrementAndGet();
        if (streak >= window(eventType) && state.flagged.compareAndSet(0, 1)) {
            Counter.builder(DETECTIONS)
                    .description("Times an event type's last N answers were all ERROR because nothing matched or parsed")
                    .tag("event.type", id).register(registry).increment();
            // the reason is the rule's or the parser's words, never lead data
            log.warn("Event type {} is likely misconfigured: its last {} answers were all ERROR because nothing "
                    + "matched or parsed (last: {})", id, streak, classification.reason());
        }
    }

    /** Whether the event type is currently flagged (for tests and health). */
    public boolean flagged(String eventTypeId) {
        State state = states.get(eventTypeId);
        return state != null && state.flagged.get() == 1;
    }

    private int window(EventType eventType) {
        Integer own = eventType.getRule() == null ? null : eventType.getRule().getMisconfigurationWindow();
        return own != null && own > 0 ? own : defaultWindow;
    }

    private State register(String eventTypeId) {
        State state = new State();
        Gauge.builder(GAUGE, state.flagged, AtomicInteger::get)
                .description("1 while the event type's last N answers were all ERROR because nothing matched or parsed")
                .tag("event.type", eventTypeId)
                .register(registry);
        return state;
    }

    private static final class State {
        final AtomicInteger streak = new AtomicInteger();
        final AtomicInteger flagged = new AtomicInteger();
    }
}
