package io.datapost.forwarder.config;

import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.datapost.schemas.EventType;
import io.datapost.schemas.config.LiveTable;

/**
 * The event types in force, followed live from their compacted topic. Starts (and reads the whole topic) before
 * the leads consumer starts, and stops after it.
 */
public class EventTypeCatalog implements SmartLifecycle {

    /** Before the leads consumer (which runs at {@code Integer.MAX_VALUE - 100}), after topic creation. */
    public static final int PHASE = 0;

    private static final Logger log = LoggerFactory.getLogger(EventTypeCatalog.class);

    private final LiveTable<EventType> table;
    private final Duration catchUpTimeout;
    private volatile boolean running;

    public EventTypeCatalog(LiveTable<EventType> table, Duration catchUpTimeout) {
        this.table = table;
        this.catchUpTimeout = catchUpTimeout;
    }

    /** The event type as currently configured, if known. */
    public Optional<EventType> find(String id) {
        return table.get(id);
    }

    @Override
    public void start() {
        table.start();
        boolean caughtUp;
        try {
            caughtUp = table.awaitCaughtUp(catchUpTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the event types", e);
        }
        if (!caughtUp) {
            table.close();
            // Without its config every lead would be dead-lettered as unknown: refuse to start instead.
            throw new IllegalStateException("Could not read the event types topic within " + catchUpTimeout
                    + " (datapost.forwarder.config-catch-up-timeout); is Kafka reachable?");
        }
        log.info("Event types loaded: {}", table.snapshot().keySet());
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        table.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
