package io.datapost.validator.gate;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

import io.datapost.schemas.kafka.Topics;

/**
 * The dedupe gate as a pure function of its settings (the service runs it, the tests drive it):
 *
 * <pre>
 * lead-submissions ─► gate [submission id -> (first seen, fingerprint); first-seen index] ─► leads
 *                                                                                        └─► dead-letters
 * </pre>
 *
 * Every ingest instance writes to {@code lead-submissions}; repeats of a submission id (same partner, same
 * Idempotency-Key) land on the same partition, so one task sees all copies of a submission in order and decides
 * alone, without a lock between ingest instances. Records are forwarded as the bytes ingest wrote (key, value,
 * headers and timestamp), never re-encoded.
 */
public final class GateTopology {

    /** Submission id -> {@link GateEntry}. */
    public static final String SUBMISSIONS_STORE = "gate-submissions";
    /** {@code <first seen millis, 19 digits>:<submission id>} -> submission id: what to purge first. */
    public static final String FIRST_SEEN_STORE = "gate-first-seen";

    static final String SOURCE = "lead-submissions";
    static final String PROCESSOR = "gate";
    static final String LEADS_SINK = "leads";
    static final String DEAD_LETTERS_SINK = "dead-letters";

    private GateTopology() {
    }

    public static Topology build(GateSettings settings) {
        return build(settings, true);
    }

    /** With {@code persistent} false the stores are in memory (still changelogged), for harnesses. */
    public static Topology build(GateSettings settings, boolean persistent) {
        Topology topology = new Topology();
        ByteArrayDeserializer bytesIn = new ByteArrayDeserializer();
        ByteArraySerializer bytesOut = new ByteArraySerializer();
        topology.addSource(SOURCE, bytesIn, bytesIn, Topics.SUBMISSIONS.name());
        topology.addProcessor(PROCESSOR, () -> new GateProcessor(settings), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(SUBMISSIONS_STORE, persistent), Serdes.String(),
                new GateEntry.GateEntrySerde()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(FIRST_SEEN_STORE, persistent), Serdes.String(),
                Serdes.String()), PROCESSOR);
        topology.addSink(LEADS_SINK, Topics.LEADS.name(), bytesOut, bytesOut, PROCESSOR);
        topology.addSink(DEAD_LETTERS_SINK, Topics.DEAD_LETTERS.name(), bytesOut, bytesOut, PROCESSOR);
        return topology;
    }

    private static KeyValueBytesStoreSupplier store(String name, boolean persistent) {
        return persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }
}
