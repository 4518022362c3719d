package io.datapost.schemas.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.schemas.kafka.Topic;

/**
 * An in-memory view of a compacted config topic (event types, partners), kept current by a background
 * consumer without a group: every instance reads the whole topic from the beginning and then follows it,
 * so a changed config takes effect within one poll, without a restart.
 * A record that does not decode is logged (key only) and skipped; the previous value stays in force.
 */
public final class LiveTable<V> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveTable.class);

    private static final AtomicInteger CLIENT_SEQUENCE = new AtomicInteger();

    private final Topic<String, V> topic;
    private final Map<String, Object> consumerConfig;
    private final Map<String, V> values = new ConcurrentHashMap<>();
    private final List<BiConsumer<String, V>> listeners = new CopyOnWriteArrayList<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Supplier<Consumer<byte[], byte[]>> consumerFactory;
    private volatile Consumer<byte[], byte[]> consumer;
    private volatile boolean running = true;
    private Thread thread;

    public LiveTable(Topic<String, V> topic, String bootstrapServers) {
        this(topic, Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    public LiveTable(Topic<String, V> topic, Map<String, Object> extraConsumerConfig) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(extraConsumerConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // never let a reader create a config topic: it would be created without compaction
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG,
                "datapost-live-" + topic.name() + "-" + CLIENT_SEQUENCE.incrementAndGet());
        this.consumerConfig = config;
        this.consumerFactory = () -> new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** For tests: the table reads through consumers made by {@code consumerFactory}. */
    LiveTable(Topic<String, V> topic, Supplier<Consumer<byte[], byte[]>> consumerFactory) {
        this.topic = topic;
        this.consumerConfig = Map.of();
        this.consumerFactory = consumerFactory;
    }

    /** Starts following the topic. Returns at once; see {@link #awaitCaughtUp(Duration)}. */
    public synchronized LiveTable<V> start() {
        if (thread != null) {
            return this;
        }
        thread = new Thread(this::run, "live-table-" + topic.name());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** True once everything that was on the topic at start has been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Map<String, V> snapshot() {
        return Map.copyOf(values);
    }

    /** Called on the table's thread for every change; a null value means the key was deleted. */
    public void onChange(BiConsumer<String, V> listener) {
        listeners.add(listener);
    }

    private void run() {
        long backoffMillis = 500;
        while (running) {
            try (Consumer<byte[], byte[]> c = consumerFactory.get()) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                // a broker that is slow to answer at start (metadata timeout) or goes away must not leave this
                // service with a frozen config: start over, from the beginning of the topic, after a pause
                log.warn("Config table {} lost its topic ({}); following it again in {} ms", topic.name(),
                        e.toString(), backoffMillis);
                if (!pause(backoffMillis)) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
            } finally {
                consumer = null;
            }
        }
    }

    private void follow(Consumer<byte[], byte[]> c) {
        List<TopicPartition> partitions = waitForPartitions(c);
        if (partitions.isEmpty()) {
            return;
        }
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> endAtStart = c.endOffsets(partitions);
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(200))) {
                apply(record);
            }
            if (caughtUp.getCount() > 0 && endAtStart.entrySet().stream()
                    .allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                caughtUp.countDown();
            }
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private List<TopicPartition> waitForPartitions(Consumer<byte[], byte[]> c) {
        while (running) {
            var infos = c.partitionsFor(topic.name(), Duration.ofSeconds(5));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            log.info("Waiting for config topic {} to exist", topic.name());
            if (!pause(500)) {
                break;
            }
        }
        return List.of();
    }

    /** True once everything that was on the topic at start has been read (for health and readiness checks). */
    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String key = record.key() == null ? null : topic.keyDeserializer().deserialize(topic.name(), record.key());
        if (key == null) {
            log.warn("Skipping keyless record on {} at offset {}", topic.name(), record.offset());
            return;
        }
        V value;
        try {
            value = topic.valueDeserializer().deserialize(topic.name(), record.value());
        } catch (SerializationException e) {
            log.error("Skipping undecodable config {} on {} at offset {}: {}", key, topic.name(), record.offset(),
                    e.getMessage());
            return;
        }
        if (value == null) {
            values.remove(key);
        } else {
            values.put(key, value);
        }
        for (BiConsumer<String, V> listener : listeners) {
            try {
                listener.accept(key, value);
            } catch (RuntimeException e) {
                log.warn("Config listener failed for {} {}", topic.name(), key, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.interrupt();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
