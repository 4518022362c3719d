package io.datapost.forwarder.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;

import io.datapost.forwarder.config.EventTypeCatalog;
import io.datapost.forwarder.config.InactiveEventTypeException;
import io.datapost.forwarder.config.UnknownEventTypeException;
import io.datapost.forwarder.service.ForwarderMetrics;
import io.datapost.forwarder.service.LeadForwarder;
import io.datapost.forwarder.service.LeadForwarder.Ticket;
import io.datapost.schemas.EventType;
import io.datapost.schemas.LeadSubmitted;
import io.datapost.schemas.kafka.Topics;

/**
 * Reads the leads topic on one thread and hands every lead to the {@link LeadForwarder} at once, so many leads of
 * a partition are in flight together. Offsets are committed every {@code commit-interval}, per partition up to the
 * lowest unfinished lead ({@link PartitionOffsets}); a crash therefore repeats only unfinished leads, and of those
 * {@link FinishedLeadsIndex} skips the ones whose final response was already written.
 *
 * <p>Memory is bounded: above {@code max-pending-leads} unfinished leads in memory, waiting leads of the event
 * types with the longest queues are spilled (only their offsets kept; the partition is read again from there once
 * their event type wants more leads), and when nothing can be spilled the consumer pauses its partitions, resuming
 * below three quarters of the limit. A lead that cannot be processed (undecodable, empty, unknown or inactive event
 * type, a request that cannot be rendered safely) goes to the dead-letter topic once, with the cause in headers,
 * and counts as finished. When a partition is revoked (or the service stops), its leads start no further call, the
 * calls in flight are given {@code shutdown-timeout} to finish, and what is finished is committed.
 */
public class LeadConsumer implements SmartLifecycle {

    /** After the event types catalog and topic creation, like a listener container. */
    public static final int PHASE = Integer.MAX_VALUE - 100;

    private static final Logger log = LoggerFactory.getLogger(LeadConsumer.class);
    private static final LogAccessor LOG_ACCESSOR = new LogAccessor(LeadConsumer.class);
    private static final Duration MAX_POLL = Duration.ofMillis(100);
    private static final long GRACE_RECHECK_MILLIS = 50;

    private final ConsumerFactory<String, LeadSubmitted> consumerFactory;
    private final LeadForwarder forwarder;
    private final EventTypeCatalog eventTypes;
    private final DeadLetterRecoverer deadLetters;
    private final FinishedLeadsIndex finishedLeads;
    private final ForwarderMetrics metrics;
    private final int maxPendingLeads;
    private final Duration commitInterval;
    private final Duration unknownEventTypeGrace;
    private final Duration errorRetryInterval;
    private final Duration shutdownTimeout;
    private final int dedupeMaxEntries;
    private final Duration dedupeWindow;

    private final Map<TopicPartition, PartitionOffsets> partitions = new ConcurrentHashMap<>();
    /** per assigned partition: submission ids in flight or finished (poll thread only) */
    private final Map<TopicPartition, RecentSubmissions> recent = new HashMap<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final ScheduledExecutorService timers;
    private final ExecutorService deadLetterSender;
    private volatile boolean running;
    private volatile Thread thread;
    private boolean paused;

    /**
     * @param finishedLeads null to deliver every unfinished lead again without checking the responses topic
     * @param dedupeMaxEntries most submission ids remembered per partition to skip repeated leads (oldest out)
     * @param dedupeWindow how long a submission id is remembered to skip repeated leads
     */
    public LeadConsumer(ConsumerFactory<String, LeadSubmitted> consumerFactory, LeadForwarder forwarder,
            EventTypeCatalog eventTypes, DeadLetterRecoverer deadLetters, FinishedLeadsIndex finishedLeads,
            ForwarderMetrics metrics, int maxPendingLeads, Duration commitInterval, Duration unknownEventTypeGrace,
            Duration errorRetryInterval, Duration shutdownTimeout, int dedupeMaxEntries, Duration dedupeWindow) {
        this.dedupeMaxEntries = dedupeMaxEntries;
        this.dedupeWindow = dedupeWindow;
        this.consumerFactory = consumerFactory;
        this.forwarder = forwarder;
        this.eventTypes = eventTypes;
        this.deadLetters = deadLetters;
        this.finishedLeads = finishedLeads;
        this.metrics = metrics;
        this.maxPendingLeads = maxPendingLeads;
        this.commitInterval = commitInterval;
        this.unknownEventTypeGrace = unknownEventTypeGrace;
        this.errorRetryInterval = errorRetryInterval;
        this.shutdownTimeout = shutdownTimeout;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "forwarder-lead-timers"));
        this.deadLetterSender = Executors.newSingleThreadExecutor(r -> daemon(r, "forwarder-dead-letters"));
        metrics.pendingGauge(pending::get);
    }

    /** Leads read and not yet finished. */
    public int pending() {
        return pending.get();
    }

    @Override
    public void start() {
        running = true;
        Thread poller = new Thread(this::run, "forwarder-leads");
        thread = poller;
        poller.start();
    }

    @Override
    public void stop() {
        running = false;
        Thread poller = thread;
        if (poller != null) {
            try {
                poller.join(shutdownTimeout.plusSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timers.shutdownNow();
        deadLetterSender.shutdown();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void run() {
        try (Consumer<String, LeadSubmitted> consumer = consumerFactory.createConsumer()) {
            consumer.subscribe(List.of(Topics.LEADS.name()), new Rebalance(consumer));
            Duration poll = commitInterval.compareTo(MAX_POLL) < 0 ? commitInterval : MAX_POLL;
            long nextCommit = System.nanoTime() + commitInterval.toNanos();
            while (running) {
                try {
                    for (ConsumerRecord<String, LeadSubmitted> record : consumer.poll(poll)) {
                        take(record);
                    }
                    applyBackPressure(consumer);
                    if (System.nanoTime() - nextCommit >= 0) {
                        rewindSpilled(consumer);
                        commitAsync(consumer);
                        nextCommit = System.nanoTime() + commitInterval.toNanos();
                    }
                } catch (WakeupException | InterruptException e) {
                    break;
                } catch (RuntimeException e) {
                    log.error("Leads consumer failed; polling again in {}", errorRetryInterval, e);
                    pause(errorRetryInterval);
                }
            }
            release(consumer, List.copyOf(partitions.keySet()), true);
        } catch (RuntimeException e) {
            log.error("Leads consumer stopped", e);
        }
    }

    private void take(ConsumerRecord<String, LeadSubmitted> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionOffsets offsets = partitions.get(partition);
        if (offsets == null) {
            return; // not assigned any more; its next owner reads it
        }
        Ticket ticket = new Ticket(new Origin(offsets, record.offset()));
        Runnable done = () -> {
            if (offsets.finished(record.offset())) {
                pending.decrementAndGet();
            }
        };
        LeadSubmitted lead = record.value();
        if (record.offset() < offsets.next()) {
            // read again after a rewind: only the spilled leads are taken again, where they left off
            PartitionOffsets.Spilled spilled = offsets.revive(record.offset(), ticket);
            if (spilled != null && lead != null) {
                pending.incrementAndGet();
                resolveAndForward(record, lead, Math.max(1, ReforwardHeader.attempt(record.headers())),
                        spilled.nextAttempt(), ticket, done, System.nanoTime() + unknownEventTypeGrace.toNanos());
            }
            return;
        }
        offsets.taken(record.offset(), ticket);
        pending.incrementAndGet();
        if (lead == null) {
            deadLetter(record, decodeFailure(record), done, ticket);
            return;
        }
        // a re-forward (replay) of a submission starts at this attempt; 0 for an ordinary lead
        int reforwardAt = ReforwardHeader.attempt(record.headers());
        RecentSubmissions ids = recent.get(partition);
        if (ids != null && !ids.claim(claimKey(lead.getSubmissionId(), reforwardAt))) {
            // a partner's retry of the same submission (or the same re-forward read twice): the advertiser is called
            // once per submission id (per re-forward)
            log.debug("Lead {} is already in flight or finished; repeat not called again", lead.getSubmissionId());
            metrics.skipped();
            done.run();
            return;
        }
        if (ids != null && reforwardAt > 0) {
            ids.remember(lead.getSubmissionId()); // a partner's later repeat of the original is still not called
        }
        int attemptBase = Math.max(1, reforwardAt);
        FinishedLeadsIndex.Seen seen = finishedLeads == null ? null
                : finishedLeads.lookup(partition, record.offset(), lead.getSubmissionId());
        if (seen != null && seen.finishedFrom(attemptBase)) {
            log.debug("Lead {} already has its final response; not called again", lead.getSubmissionId());
            metrics.skipped();
            done.run();
            return;
        }
        // after a crash: go on after the attempts of this delivery already published (older ones do not count)
        int firstAttempt = seen == null ? attemptBase : Math.max(attemptBase, seen.attempts() + 1);
        resolveAndForward(record, lead, attemptBase, firstAttempt, ticket, done,
                System.nanoTime() + unknownEventTypeGrace.toNanos());
    }

    /** What {@link RecentSubmissions} remembers a delivery by: the id, or the id and the re-forward's attempt. */
    static String claimKey(String submissionId, int reforwardAt) {
        return reforwardAt > 0 ? submissionId + " reforward@" + reforwardAt : submissionId;
    }

    /**
     * An unknown event type is looked up again for a short grace (a lead can arrive just before this instance reads
     * the config change that introduced its event type), on a timer, never holding the poll thread.
     */
    private void resolveAndForward(ConsumerRecord<String, LeadSubmitted> record, LeadSubmitted lead,
            int attemptBase, int firstAttempt, Ticket ticket, Runnable done, long graceDeadline) {
        if (ticket.abandoned()) {
            return;
        }
        Optional<EventType> eventType = eventTypes.find(lead.getEventTypeId());
        if (eventType.isEmpty()) {
            if (System.nanoTime() - graceDeadline < 0) {
                schedule(() -> resolveAndForward(record, lead, attemptBase, firstAttempt, ticket, done,
                        graceDeadline), GRACE_RECHECK_MILLIS);
            } else {
                deadLetter(record, new UnknownEventTypeException(lead.getEventTypeId()), done, ticket);
            }
            return;
        }
        if (!eventType.get().getActive()) {
            deadLetter(record, new InactiveEventTypeException(lead.getEventTypeId()), done, ticket);
            return;
        }
        forwarder.forward(lead, eventType.get(), attemptBase, firstAttempt, ticket).whenComplete((ignored, error) -> {
            if (error == null) {
                done.run();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (!(cause instanceof CancellationException)) {
                deadLetter(record, cause, done, ticket);
            }
            // cancelled: the partition went away; its next owner delivers the lead
        });
    }

    /** Sends the record to the dead-letter topic until Kafka takes it; only then is the lead finished. */
    private void deadLetter(ConsumerRecord<String, LeadSubmitted> record, Throwable cause, Runnable done,
            Ticket ticket) {
        Exception exception = cause instanceof Exception e ? e : new IllegalStateException(cause);
        try {
            deadLetterSender.execute(() -> {
                if (ticket.abandoned()) {
                    return;
                }
                try {
                    deadLetters.accept(record, null, exception);
                    metrics.deadLettered();
                    done.run();
                } catch (RuntimeException e) {
                    log.warn("Dead letter for {}-{}@{} not acknowledged ({}); sending again in {}", record.topic(),
                            record.partition(), record.offset(), e.toString(), errorRetryInterval);
                    schedule(() -> deadLetter(record, cause, done, ticket), errorRetryInterval.toMillis());
                }
            });
        } catch (RejectedExecutionException e) {
            // stopping: the lead stays unfinished and is read again
        }
    }

    static Exception decodeFailure(ConsumerRecord<String, LeadSubmitted> record) {
        DeserializationException failure = SerializationUtils.getExceptionFromHeader(record,
                SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG_ACCESSOR);
        if (failure != null) {
            return failure;
        }
        return new InvalidLeadException("Leads record without a value at " + record.topic() + "-"
                + record.partition() + "@" + record.offset());
    }

    /**
     * Keeps the leads in memory under {@code max-pending-leads}: first by spilling waiting leads of the event types
     * with the longest queues (a dead or very slow advertiser), so the others' leads keep coming; only when nothing
     * can be spilled does the consumer pause its partitions.
     */
    private void applyBackPressure(Consumer<String, LeadSubmitted> consumer) {
        int unfinished = pending.get();
        if (unfinished >= maxPendingLeads) {
            spill(unfinished - maxPendingLeads * 3 / 4);
            unfinished = pending.get();
        }
        if (!paused && unfinished >= maxPendingLeads) {
            paused = true;
            consumer.pause(consumer.assignment());
            log.debug("{} leads unfinished: pausing the leads partitions", unfinished);
        } else if (paused && unfinished <= maxPendingLeads * 3L / 4) {
            paused = false;
            consumer.resume(consumer.paused());
            log.debug("{} leads unfinished: resuming the leads partitions", unfinished);
        }
    }

    private void spill(int count) {
        int spilled = 0;
        for (LeadForwarder.Evicted evicted : forwarder.evictWaiting(count)) {
            if (evicted.ticket().origin() instanceof Origin origin && origin.offsets().spill(origin.offset(),
                    new PartitionOffsets.Spilled(evicted.eventTypeId(), evicted.nextAttempt()))) {
                pending.decrementAndGet();
                spilled++;
            }
        }
        if (spilled > 0) {
            metrics.spilled(spilled);
            log.debug("{} waiting leads spilled (kept as offsets, read again later)", spilled);
        }
    }

    /**
     * Reads spilled leads again once memory allows and one of their event types wants more leads: seeks the
     * partition back to its lowest spilled offset; records read before and not spilled are skipped on the way.
     */
    private void rewindSpilled(Consumer<String, LeadSubmitted> consumer) {
        if (pending.get() > maxPendingLeads / 2) {
            return;
        }
        partitions.forEach((partition, offsets) -> {
            long replayUntil = offsets.replayUntil();
            if (replayUntil >= 0) {
                if (consumer.position(partition) < replayUntil) {
                    return; // still reading the last rewind again
                }
                offsets.replayUntil(-1);
            }
            if (!offsets.hasSpilled() || offsets.spilledEventTypes().stream().noneMatch(forwarder::wantsMore)) {
                return;
            }
            long from = offsets.lowestSpilled();
            offsets.replayUntil(offsets.next());
            consumer.seek(partition, from);
            log.debug("Reading spilled leads of {} again from offset {}", partition, from);
        });
    }

    private void commitAsync(Consumer<String, LeadSubmitted> consumer) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        partitions.forEach((partition, tracker) -> {
            long position = tracker.toCommit();
            if (position >= 0) {
                offsets.put(partition, new OffsetAndMetadata(position));
                tracker.commitSent(position);
            }
        });
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                log.debug("Offset commit failed ({}); committing again next time", error.toString());
                committed.keySet().forEach(p -> Optional.ofNullable(partitions.get(p))
                        .ifPresent(PartitionOffsets::commitFailed));
            }
        });
    }

    /**
     * Gives up partitions: their leads start no further call, calls in flight get up to {@code shutdown-timeout}
     * to finish and publish, then what is finished is committed (when {@code commit}: not for lost partitions).
     */
    private void release(Consumer<String, LeadSubmitted> consumer, Collection<TopicPartition> released,
            boolean commit) {
        List<PartitionOffsets> trackers = released.stream().map(partitions::get)
                .filter(java.util.Objects::nonNull).toList();
        if (trackers.isEmpty()) {
            return;
        }
        trackers.forEach(PartitionOffsets::abandonAll);
        forwarder.dropAbandoned();
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        while (trackers.stream().anyMatch(PartitionOffsets::anyInCall) && System.nanoTime() - deadline < 0) {
            pause(Duration.ofMillis(10));
        }
        if (commit) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : released) {
                PartitionOffsets tracker = partitions.get(partition);
                long position = tracker == null ? -1 : tracker.committable();
                if (position >= 0) {
                    offsets.put(partition, new OffsetAndMetadata(position));
                }
            }
            try {
                if (!offsets.isEmpty()) {
                    consumer.commitSync(offsets, shutdownTimeout);
                }
            } catch (RuntimeException e) {
                log.warn("Could not commit the offsets of released partitions {}: {}", released, e.toString());
            }
        }
        for (TopicPartition partition : released) {
            PartitionOffsets tracker = partitions.remove(partition);
            if (tracker != null) {
                pending.addAndGet(-tracker.retire());
            }
        }
        released.forEach(recent::remove);
        if (finishedLeads != null) {
            finishedLeads.forget(released);
        }
    }

    private void schedule(Runnable task, long delayMillis) {
        try {
            timers.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // stopping: the lead stays unfinished and is read again
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    /** Where a lead came from, carried by its ticket. */
    private record Origin(PartitionOffsets offsets, long offset) {
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final Consumer<String, LeadSubmitted> consumer;

        Rebalance(Consumer<String, LeadSubmitted> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
            if (assigned.isEmpty()) {
                return;
            }
            assigned.forEach(p -> partitions.put(p, new PartitionOffsets()));
            if (finishedLeads != null) {
                finishedLeads.build(consumer, assigned);
            }
            for (TopicPartition partition : assigned) {
                RecentSubmissions ids = new RecentSubmissions(dedupeMaxEntries, dedupeWindow,
                        System::currentTimeMillis);
                if (finishedLeads != null) {
                    finishedLeads.finishedIds(partition).forEach(ids::remember);
                }
                recent.put(partition, ids);
            }
            if (paused) {
                consumer.pause(assigned);
            }
            log.info("Leads partitions assigned: {}", assigned);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (!revoked.isEmpty()) {
                log.info("Leads partitions revoked: {}", revoked);
                release(consumer, revoked, true);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (!lost.isEmpty()) {
                log.warn("Leads partitions lost: {}", lost);
                release(consumer, lost, false);
            }
        }
    }
}
