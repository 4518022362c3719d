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
 * the leads listener starts, and stops after it.
 */
public class EventTypeCatalog implements SmartLifecycle {

    /** Before the listener container (which runs at {@code Integer.MAX_VALUE - 100}), after topic creation. */
    public static final int PHASE = 0;

    private static final Logger log = LoggerFactory.getLogger(EventTypeCatalog.class);
    private static final long GRACE_POLL_MILLIS = 50;

    private final LiveTable<EventType> table;
    private final Duration catchUpTimeout;
    private final Duration unknownGrace;
    private volatile boolean running;

    public EventTypeCatalog(LiveTable<EventType> table, Duration catchUpTimeout, Duration unknownGrace) {
        this.table = table;
        this.catchUpTimeout = catchUpTimeout;
        this.unknownGrace = unknownGrace;
    }

    /** The event type as currently configured, if known. */
    public Optional<EventType> find(String id) {
        return table.get(id);
    }

    /**
     * The active event type for a lead. An unknown id is given a short grace, because a lead can arrive just
     * before this instance reads the config change that introduced its event type.
     *
     * @throws UnknownEventTypeException when it is still unknown after the grace
     * @throws InactiveEventTypeException when it is switched off
     */
    public EventType require(String id) {
        long deadline = System.nanoTime() + unknownGrace.toNanos();
        Optional<EventType> found = table.get(id);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(GRACE_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            found = table.get(id);
        }
        EventType type = found.orElseThrow(() -> new UnknownEventTypeException(id));
        if (!type.getActive()) {
            throw new InactiveEventTypeException(id);
        }
        return type;
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
