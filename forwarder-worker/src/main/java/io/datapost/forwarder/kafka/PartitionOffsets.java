package io.datapost.forwarder.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import io.datapost.forwarder.service.LeadForwarder.Ticket;

/**
 * The unfinished leads of one assigned partition. The position that may be committed is the lowest unfinished
 * offset, or one past the highest offset taken when all are finished: a crash then repeats only unfinished leads.
 * Leads are taken in offset order by the poll thread and finished in any order by any thread.
 *
 * <p>An unfinished lead may be spilled: taken out of memory while it waits, keeping only its offset (and how to go
 * on with it), to be read again from Kafka later ({@link #revive}). It stays unfinished meanwhile.
 */
final class PartitionOffsets {

    /** How to go on with a spilled lead. */
    record Spilled(String eventTypeId, int nextAttempt) {
    }

    private final TreeMap<Long, Ticket> unfinished = new TreeMap<>();
    private final TreeMap<Long, Spilled> spilled = new TreeMap<>();
    private long next = -1;
    private long replayUntil = -1;
    private long commitSent = -1;
    private boolean retired;

    /** A lead was read and handed on. */
    synchronized void taken(long offset, Ticket ticket) {
        if (offset < next) {
            throw new IllegalStateException("Offsets must be taken in increasing order: " + offset + " after "
                    + (next - 1));
        }
        unfinished.put(offset, ticket);
        next = offset + 1;
    }

    /** The lead at this offset is done; false when it was not pending here (already finished, or retired). */
    synchronized boolean finished(long offset) {
        if (retired || spilled.containsKey(offset)) {
            return false;
        }
        return unfinished.remove(offset) != null;
    }

    /** One past the highest offset taken; a record below it was read before. */
    synchronized long next() {
        return next;
    }

    /** Takes the unfinished lead at this offset out of memory; false when it is not unfinished here. */
    synchronized boolean spill(long offset, Spilled how) {
        if (retired || !unfinished.containsKey(offset)) {
            return false;
        }
        spilled.put(offset, how);
        return true;
    }

    /** A spilled lead read again: in memory once more under the new ticket; null when it was not spilled. */
    synchronized Spilled revive(long offset, Ticket ticket) {
        Spilled how = retired ? null : spilled.remove(offset);
        if (how != null) {
            unfinished.put(offset, ticket);
        }
        return how;
    }

    synchronized boolean hasSpilled() {
        return !spilled.isEmpty();
    }

    /** The lowest spilled offset, or -1. */
    synchronized long lowestSpilled() {
        return spilled.isEmpty() ? -1 : spilled.firstKey();
    }

    synchronized java.util.Set<String> spilledEventTypes() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        spilled.values().forEach(how -> ids.add(how.eventTypeId()));
        return ids;
    }

    /** Records below this offset are being read again after a rewind; -1 when not replaying. */
    synchronized long replayUntil() {
        return replayUntil;
    }

    synchronized void replayUntil(long offset) {
        replayUntil = offset;
    }

    /** The position to commit, or -1 before any lead was taken. */
    synchronized long committable() {
        if (next < 0) {
            return -1;
        }
        return unfinished.isEmpty() ? next : unfinished.firstKey();
    }

    /** The committable position when it is past what was last sent for commit, else -1. */
    synchronized long toCommit() {
        long position = committable();
        return position > commitSent ? position : -1;
    }

    synchronized void commitSent(long position) {
        commitSent = Math.max(commitSent, position);
    }

    /** A commit failed: send the position again next time. */
    synchronized void commitFailed() {
        commitSent = -1;
    }

    /** Unfinished leads held in memory (spilled ones are not). */
    synchronized int pending() {
        return retired ? 0 : unfinished.size() - spilled.size();
    }

    /** Starts no further call for any lead here (the partition is going away). */
    synchronized void abandonAll() {
        unfinished.values().forEach(Ticket::abandon);
    }

    /** Whether a call of a lead here is still in flight (its response not yet acknowledged). */
    synchronized boolean anyInCall() {
        for (var entry : unfinished.entrySet()) {
            if (!spilled.containsKey(entry.getKey()) && entry.getValue().inCall()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The partition is no longer ours: later completions change nothing. Returns the leads that were still pending
     * in memory.
     */
    synchronized int retire() {
        int left = unfinished.size() - spilled.size();
        retired = true;
        unfinished.clear();
        spilled.clear();
        return left;
    }

    synchronized List<Long> unfinishedOffsets() {
        return new ArrayList<>(unfinished.keySet());
    }
}
