package io.datapost.sink.kafka;

import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Meters of the sink:
 * <ul>
 * <li>{@code datapost.sink.rows.written{table}}: rows inserted;</li>
 * <li>{@code datapost.sink.rows.duplicate{table}}: records whose row was already there (replays);</li>
 * <li>{@code datapost.sink.batch{topic,outcome}}: time to handle one polled batch, outcome success|failure;</li>
 * <li>{@code datapost.sink.dead.letters{topic}}: records sent to the dead-letter topic by the listener.</li>
 * </ul>
 */
@Component
public class SinkMetrics {

    public static final String ROWS_WRITTEN = "datapost.sink.rows.written";
    public static final String ROWS_DUPLICATE = "datapost.sink.rows.duplicate";
    public static final String BATCH = "datapost.sink.batch";
    public static final String DEAD_LETTERS = "datapost.sink.dead.letters";

    private final MeterRegistry registry;

    public SinkMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void rows(String table, int[] counts) {
        int written = 0;
        int duplicate = 0;
        for (int count : counts) {
            if (count == 0) {
                duplicate++;
            } else {
                written++; // 1, or SUCCESS_NO_INFO from a driver that does not report counts
            }
        }
        Counter.builder(ROWS_WRITTEN).tag("table", table).register(registry).increment(written);
        Counter.builder(ROWS_DUPLICATE).tag("table", table).register(registry).increment(duplicate);
    }

    void batch(String topic, boolean success, long nanos) {
        Timer.builder(BATCH).tag("topic", topic).tag("outcome", success ? "success" : "failure")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    void deadLettered(String topic) {
        Counter.builder(DEAD_LETTERS).tag("topic", topic).register(registry).increment();
    }
}
