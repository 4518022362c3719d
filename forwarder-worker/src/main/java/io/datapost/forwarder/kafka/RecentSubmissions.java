package io.datapost.forwarder.kafka;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The submission ids of one leads partition that are in flight or have their final response, so that a second
 * {@code LeadSubmitted} with the same id (a partner retrying with the same Idempotency-Key) does not call the
 * advertiser again. Bounded in size (oldest first out) and in time (an id older than the window is forgotten).
 * Used by the poll thread only.
 */
final class RecentSubmissions {

    private final int maxEntries;
    private final long windowMillis;
    private final LongSupplier clock;
    /** id to the time it was claimed, oldest first */
    private final LinkedHashMap<String, Long> claimed = new LinkedHashMap<>();

    RecentSubmissions(int maxEntries, Duration window, LongSupplier clockMillis) {
        this.maxEntries = Math.max(1, maxEntries);
        this.windowMillis = window.toMillis();
        this.clock = clockMillis;
    }

    /**
     * Claims an id for delivery: true when it is new (or its earlier claim is older than the window), false when
     * a lead with this id is in flight or finished.
     */
    boolean claim(String submissionId) {
        long now = clock.getAsLong();
        expire(now);
        Long at = claimed.get(submissionId);
        if (at != null) {
            return false;
        }
        remember(submissionId, now);
        return true;
    }

    /** Remembers an id known to be finished (e.g. found on the responses topic at assignment). */
    void remember(String submissionId) {
        long now = clock.getAsLong();
        expire(now);
        if (!claimed.containsKey(submissionId)) {
            remember(submissionId, now);
        }
    }

    int size() {
        return claimed.size();
    }

    private void remember(String submissionId, long now) {
        claimed.put(submissionId, now);
        if (claimed.size() > maxEntries) {
            Iterator<String> oldest = claimed.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    private void expire(long now) {
        for (Iterator<Map.Entry<String, Long>> it = claimed.entrySet().iterator(); it.hasNext();) {
            if (now - it.next().getValue() < windowMillis) {
                return;
            }
            it.remove();
        }
    }
}
