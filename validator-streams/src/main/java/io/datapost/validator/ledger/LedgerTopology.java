package io.datapost.validator.ledger;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

import io.datapost.schemas.kafka.Topic;
import io.datapost.schemas.kafka.Topics;

/**
 * The validator's topology as a pure function of its settings: the service runs it and the tests drive it
 * with a {@code TopologyTestDriver}, built by the same method.
 *
 * <pre>
 * event-types, partners ──► global stores (rules and payout terms apply live)
 * leads ─────────────────┐
 * advertiser-responses ──┼─► ledger [ledger store, deadline index] ─► lead-outcomes, conversions, payouts,
 * reclassify-requests ───┘                                        │   conversion-reversals
 *                                                                 └─► dead-letters (undecodable input)
 * </pre>
 *
 * Leads, responses and reclassify commands are all keyed by submission id with the same partition count, so
 * one task owns every record of a submission.
 */
public final class LedgerTopology {

    public static final String LEDGER_STORE = "ledger";
    public static final String DEADLINES_STORE = "ledger-deadlines";
    public static final String EVENT_TYPES_STORE = "event-types";
    public static final String PARTNERS_STORE = "partners";

    static final String LEADS_SOURCE = "leads";
    static final String RESPONSES_SOURCE = "advertiser-responses";
    static final String RECLASSIFY_SOURCE = "reclassify-requests";
    static final String LEDGER_PROCESSOR = "ledger";
    static final String LEAD_OUTCOMES_SINK = "lead-outcomes";
    static final String CONVERSIONS_SINK = "conversions";
    static final String PAYOUTS_SINK = "payouts";
    static final String CONVERSION_REVERSALS_SINK = "conversion-reversals";
    static final String DEAD_LETTERS_SINK = "dead-letters";

    private LedgerTopology() {
    }

    public static Topology build(LedgerSettings settings) {
        return build(new Topology(), settings);
    }

    public static Topology build(Topology topology, LedgerSettings settings) {
        return build(topology, settings, true);
    }

    /**
     * The same topology with the ledger's stores in memory ({@code persistent} false): changelogged all the same,
     * for harnesses that measure the ledger's own cost without RocksDB (the service always uses RocksDB).
     */
    public static Topology build(Topology topology, LedgerSettings settings, boolean persistent) {
        ConfigGeneration configGeneration = new ConfigGeneration();
        addConfigStore(topology, Topics.EVENT_TYPES, EVENT_TYPES_STORE, configGeneration);
        addConfigStore(topology, Topics.PARTNERS, PARTNERS_STORE, configGeneration);

        ByteArrayDeserializer bytes = new ByteArrayDeserializer();
        topology.addSource(LEADS_SOURCE, bytes, bytes, Topics.LEADS.name());
        topology.addSource(RESPONSES_SOURCE, bytes, bytes, Topics.ADVERTISER_RESPONSES.name());
        topology.addSource(RECLASSIFY_SOURCE, bytes, bytes, Topics.RECLASSIFY_REQUESTS.name());
        topology.addProcessor(LEDGER_PROCESSOR, () -> new LedgerProcessor(settings, configGeneration), LEADS_SOURCE, RESPONSES_SOURCE,
                RECLASSIFY_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(LEDGER_STORE, persistent),
                Serdes.String(), new LedgerEntrySerde()), LEDGER_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(DEADLINES_STORE, persistent),
                Serdes.String(), Serdes.String()), LEDGER_PROCESSOR);

        addSink(topology, LEAD_OUTCOMES_SINK, Topics.LEAD_OUTCOMES);
        addSink(topology, CONVERSIONS_SINK, Topics.CONVERSIONS);
        addSink(topology, PAYOUTS_SINK, Topics.PAYOUTS);
        addSink(topology, CONVERSION_REVERSALS_SINK, Topics.CONVERSION_REVERSALS);
        addSink(topology, DEAD_LETTERS_SINK, Topics.DEAD_LETTERS);
        return topology;
    }

    private static KeyValueBytesStoreSupplier store(String name, boolean persistent) {
        return persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }

    private static <V> void addConfigStore(Topology topology, Topic<String, V> topic, String storeName,
            ConfigGeneration generation) {
        topology.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), topic.keySerde(),
                        topic.valueSerde()).withLoggingDisabled(), // the compacted topic is its changelog
                storeName + "-source", topic.keyDeserializer(), topic.valueDeserializer(), topic.name(),
                storeName + "-updater", () -> new ConfigStoreUpdater<V>(storeName, generation));
    }

    private static <K, V> void addSink(Topology topology, String name, Topic<K, V> topic) {
        topology.addSink(name, topic.name(), topic.keySerializer(), topic.valueSerializer(), LEDGER_PROCESSOR);
    }
}
