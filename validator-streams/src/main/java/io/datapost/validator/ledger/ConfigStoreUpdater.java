package io.datapost.validator.ledger;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps a global store equal to its compacted config topic: the latest value per id, a tombstone deletes. Each
 * change bumps the {@link ConfigGeneration}, so the ledger drops the config it had decoded.
 */
final class ConfigStoreUpdater<V> implements Processor<String, V, Void, Void> {

    private final String storeName;
    private final ConfigGeneration generation;
    private KeyValueStore<String, V> store;

    ConfigStoreUpdater(String storeName, ConfigGeneration generation) {
        this.storeName = storeName;
        this.generation = generation;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(storeName);
        generation.changed(); // the store may have been (re)restored without passing through process()
    }

    @Override
    public void process(Record<String, V> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            store.delete(record.key());
        } else {
            store.put(record.key(), record.value());
        }
        generation.changed();
    }
}
