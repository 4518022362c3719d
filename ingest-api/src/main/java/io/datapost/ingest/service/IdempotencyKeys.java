package io.datapost.ingest.service;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.stereotype.Component;

import io.datapost.schemas.LeadFingerprint;

/**
 * The idempotency keys this instance accepted lately, by submission id (partner + key), with the fingerprint
 * ({@link LeadFingerprint}) of the lead accepted under each. It lets ingest answer a key reused with another body
 * with a 422 at once instead of a 202 whose lead the gate would then dead-letter.
 *
 * <p>A post claims its key ({@link #reserve}) atomically before its lead is written, so of two posts of one key
 * with different bodies arriving at the same moment on this instance, one is written and the other gets the 422;
 * a claim whose write failed is withdrawn ({@link #release}).
 *
 * <p>This is a courtesy, not the guarantee: it knows only what this instance accepted since it started, within
 * {@code window} and the last {@code maxEntries} keys. The guarantee (the advertiser called and the partner paid
 * at most once) is validator-streams' dedupe gate, which every instance writes through. Two posts of one key with
 * different bodies sent to two instances, or to one instance before and after a restart, can both get 202; the
 * gate then forwards the first and dead-letters the other.
 *
 * <p>Memory: one entry is about 200 bytes (id string, fingerprint, map node), so 100,000 entries take about
 * 20 MB. Entries are kept in arrival order in 16 locked segments; the oldest go first, whether by age or by count.
 */
@Component
public class IdempotencyKeys {

    /** What a post's key and body say against what this instance accepted. */
    public enum Check {
        /** Not seen within the window (or the check is off). */
        NEW,
        /** Accepted before with the same body: a retry. */
        SAME_BODY,
        /** Accepted before with another body. */
        DIFFERENT_BODY
    }

    private static final int SEGMENTS = 16;

    private final Segment[] segments;
    private final long windowMillis;
    private final boolean enabled;

    public IdempotencyKeys(IdempotencyProperties properties) {
        this.enabled = properties.maxEntries() > 0;
        this.windowMillis = properties.window().toMillis();
        int perSegment = Math.max(1, (properties.maxEntries() + SEGMENTS - 1) / SEGMENTS);
        segments = new Segment[SEGMENTS];
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment(perSegment);
        }
    }

    /** Compares a post with what this instance accepted under its id within the window before {@code nowMillis}. */
    public Check check(String submissionId, LeadFingerprint fingerprint, long nowMillis) {
        if (!enabled) {
            return Check.NEW;
        }
        return compare(segment(submissionId).get(submissionId, nowMillis - windowMillis), fingerprint);
    }

    /**
     * Checks a post and, when its key is {@link Check#NEW}, claims the key for its body in the same step, before the
     * lead is written: a concurrent post of the key with another body then sees {@link Check#DIFFERENT_BODY}. The
     * caller withdraws the claim with {@link #release} when the write fails.
     */
    public Check reserve(String submissionId, LeadFingerprint fingerprint, long nowMillis) {
        if (!enabled) {
            return Check.NEW;
        }
        Entry existing = segment(submissionId).putIfAbsent(submissionId, new Entry(nowMillis, fingerprint),
                nowMillis - windowMillis);
        return compare(existing, fingerprint);
    }

    /** Withdraws the claim {@link #reserve} made at {@code reservedAtMillis} for {@code fingerprint}, if still held. */
    public void release(String submissionId, LeadFingerprint fingerprint, long reservedAtMillis) {
        if (enabled) {
            segment(submissionId).remove(submissionId, new Entry(reservedAtMillis, fingerprint));
        }
    }

    /** Remembers a key once its lead was acknowledged; an entry within the window is kept (the first body stands). */
    public void accepted(String submissionId, LeadFingerprint fingerprint, long nowMillis) {
        if (enabled) {
            segment(submissionId).putIfAbsent(submissionId, new Entry(nowMillis, fingerprint), nowMillis - windowMillis);
        }
    }

    private static Check compare(Entry entry, LeadFingerprint fingerprint) {
        if (entry == null) {
            return Check.NEW;
        }
        return entry.fingerprint().equals(fingerprint) ? Check.SAME_BODY : Check.DIFFERENT_BODY;
    }

    /** Keys remembered now (expired ones included until they are pushed out). */
    int size() {
        int size = 0;
        for (Segment segment : segments) {
            size += segment.size();
        }
        return size;
    }

    private Segment segment(String submissionId) {
        return segments[Math.floorMod(submissionId.hashCode(), SEGMENTS)];
    }

    private record Entry(long acceptedAtMillis, LeadFingerprint fingerprint) {
    }

    /** Keys in the order they were accepted, so the oldest are at the head whether they go by age or by count. */
    private static final class Segment {

        private final int capacity;
        private final LinkedHashMap<String, Entry> entries;

        Segment(int capacity) {
            this.capacity = capacity;
            this.entries = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                    return size() > Segment.this.capacity;
                }
            };
        }

        synchronized Entry get(String submissionId, long expiredAtOrBefore) {
            Entry entry = entries.get(submissionId);
            return entry == null || entry.acceptedAtMillis() <= expiredAtOrBefore ? null : entry;
        }

        /** Stores {@code entry} unless a live one is there; returns the live one, or null when it stored. */
        synchronized Entry putIfAbsent(String submissionId, Entry entry, long expiredAtOrBefore) {
            dropExpired(expiredAtOrBefore);
            Entry current = entries.get(submissionId);
            if (current == null || current.acceptedAtMillis() <= expiredAtOrBefore) {
                entries.remove(submissionId); // re-inserted at the tail: it starts a new window
                entries.put(submissionId, entry);
                return null;
            }
            return current;
        }

        synchronized void remove(String submissionId, Entry entry) {
            entries.remove(submissionId, entry);
        }

        synchronized int size() {
            return entries.size();
        }

        private void dropExpired(long expiredAtOrBefore) {
            Iterator<Entry> oldest = entries.values().iterator();
            while (oldest.hasNext() && oldest.next().acceptedAtMillis() <= expiredAtOrBefore) {
                oldest.remove();
            }
        }
    }
}
