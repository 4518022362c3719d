package io.datapost.validator.ledger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts changes to the config stores (event types, partners) of one topology: the global updaters bump it
 * after each change (and when they start, e.g. after a re-restore), and the ledger keeps the config it decoded
 * until the count moves. Decoding an event type for every lead would otherwise cost as much as the lead itself.
 */
final class ConfigGeneration {

    private final AtomicLong changes = new AtomicLong();

    long current() {
        return changes.get();
    }

    void changed() {
        changes.incrementAndGet();
    }
}
