package io.datapost.cli.replay;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The resumable part of every replay: reads one topic from the replay's saved positions up to the end offsets
 * fixed when it first started, hands each record to the replay, draws the progress line, and every
 * {@code checkpointEvery} first flushes what the replay wrote ({@code flush}) and then saves the next offset per
 * partition in the replay record. Ctrl-C ({@code stop}) ends it at the next record with a checkpoint, as STOPPED; a
 * resumed replay goes on from there to the same ends. Whatever was written after the last checkpoint may be
 * written again on resume, so what a replay writes must be harmless to repeat.
 */
final class CheckpointedScan {

    private final ReplayKafka kafka;
    private final ReplayLog log;
    private final PrintWriter progressOut;
    private final AtomicBoolean stop;
    private Duration checkpointEvery = Duration.ofSeconds(2);
    private Duration progressEvery = Duration.ofMillis(500);
    private Runnable beforeEachRecord = () -> { };

    CheckpointedScan(ReplayKafka kafka, ReplayLog log, PrintWriter progressOut, AtomicBoolean stop) {
        this.kafka = kafka;
        this.log = log;
        this.progressOut = progressOut;
        this.stop = stop;
    }

    CheckpointedScan checkpointEvery(Duration every) {
        this.checkpointEvery = every;
        return this;
    }

    /** Called before each record is read (tests stop a replay midway with it). */
    CheckpointedScan beforeEachRecord(Runnable hook) {
        this.beforeEachRecord = hook;
        return this;
    }

    /**
     * Scans {@code topic} for the replay {@code record} (from the first record stamped at or after {@code since}
     * when it starts fresh), counting {@code record.read} and moving {@code record.positions}; sets the status to
     * DONE or STOPPED, or FAILED when something throws (and rethrows).
     *
     * @param onRecord the replay's work for one record of the range
     * @param flush makes everything the replay wrote so far durable (runs before every checkpoint)
     */
    void run(ReplayRecord record, String topic, Instant since, Consumer<ConsumerRecord<byte[], byte[]>> onRecord,
            Runnable flush) {
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.consumer("datapost-replay-" + record.id)) {
            List<TopicPartition> partitions = kafka.partitions(consumer, topic);
            consumer.assign(partitions);
            if (record.ends.isEmpty()) {
                kafka.fixRange(consumer, partitions, since, record);
            }
            long total = record.read;
            long startOffsets = 0;
            for (TopicPartition tp : partitions) {
                long start = record.positions.getOrDefault(tp.partition(), 0L);
                consumer.seek(tp, start);
                total += Math.max(0, record.ends.getOrDefault(tp.partition(), 0L) - start);
                startOffsets += start;
            }
            long alreadyCovered = record.read - startOffsets; // + the sum of the positions: the offsets passed
            record.status = ReplayRecord.RUNNING;
            save(record);

            Progress progress = new Progress(progressOut, total, record.read, progressEvery);
            long lastCheckpoint = System.nanoTime();
            while (!stop.get() && !done(record)) {
                boolean wholeBatch = true;
                for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
                    beforeEachRecord.run();
                    if (stop.get()) {
                        wholeBatch = false;
                        break; // the saved positions say where to go on
                    }
                    int partition = raw.partition();
                    if (raw.offset() >= record.ends.getOrDefault(partition, 0L)
                            || raw.offset() < record.positions.getOrDefault(partition, 0L)) {
                        continue;
                    }
                    record.read++;
                    record.positions.put(partition, raw.offset() + 1);
                    onRecord.accept(raw);
                }
                if (wholeBatch) {
                    skipPastRecordsNobodyReads(consumer, partitions, record);
                }
                progress.update(record.read, alreadyCovered + sum(record.positions), record.changed);
                if (System.nanoTime() - lastCheckpoint >= checkpointEvery.toNanos()) {
                    flush.run(); // every record written before the saved position is stored before the position is
                    save(record);
                    lastCheckpoint = System.nanoTime();
                }
            }
            progress.finish(record.read, alreadyCovered + sum(record.positions), record.changed);
            record.status = done(record) ? ReplayRecord.DONE : ReplayRecord.STOPPED;
            flush.run();
            save(record);
        } catch (RuntimeException e) {
            record.status = ReplayRecord.FAILED;
            save(record);
            throw e;
        }
    }

    /**
     * Moves the saved positions up to the consumer's: offsets that hold no record a consumer is given (the commit
     * and abort markers of transactions, which end every batch a transactional producer such as the gate's Kafka
     * Streams writes, and the records of aborted transactions) would otherwise keep a scan from ever reaching an end
     * offset that lies past them. Only called when every record the last poll returned was handled, so nothing
     * returned is skipped.
     */
    private static void skipPastRecordsNobodyReads(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, ReplayRecord record) {
        for (TopicPartition tp : partitions) {
            long end = record.ends.getOrDefault(tp.partition(), 0L);
            long saved = record.positions.getOrDefault(tp.partition(), 0L);
            if (saved < end) {
                long position = consumer.position(tp);
                if (position > saved) {
                    record.positions.put(tp.partition(), Math.min(position, end));
                }
            }
        }
    }

    /** Saves the replay record (also before the scan, e.g. when the replay stopped while preparing). */
    void save(ReplayRecord record) {
        record.updatedAt = Instant.now().toString();
        log.save(record);
    }

    private static long sum(Map<Integer, Long> positions) {
        return positions.values().stream().mapToLong(Long::longValue).sum();
    }

    static boolean done(ReplayRecord record) {
        return !record.ends.isEmpty() && record.ends.entrySet().stream()
                .allMatch(e -> record.positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }
}
