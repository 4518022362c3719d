package io.datapost.ingest.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

import io.datapost.ingest.config.IngestProperties;
import io.datapost.schemas.LeadOutcome;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The requests of this instance that wait for their verdict ({@code ?wait=}), by submission id. At most
 * {@code datapost.ingest.max-waiting} at once: a post beyond that is answered 202 at once, so a burst of
 * waiting partners cannot hold every connection. No thread is held per waiter: the lead-outcomes follower
 * completes a waiter's future from its own thread.
 */
@Component
public class OutcomeWaiters {

    private final int capacity;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Map<String, List<Waiter>> bySubmission = new ConcurrentHashMap<>();
    private volatile boolean following;

    public OutcomeWaiters(IngestProperties properties, MeterRegistry registry) {
        this.capacity = properties.maxWaiting();
        Gauge.builder("datapost.ingest.sync.waiting", waiting, AtomicInteger::get)
                .description("Requests waiting for their verdict").register(registry);
    }

    /** One waiting request. Release it when its answer was given (verdict or not). */
    public final class Waiter {
        private final String submissionId;
        private final CompletableFuture<LeadOutcome> outcome = new CompletableFuture<>();
        private final AtomicBoolean released = new AtomicBoolean();

        private Waiter(String submissionId) {
            this.submissionId = submissionId;
        }

        public CompletableFuture<LeadOutcome> outcome() {
            return outcome;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                waiting.decrementAndGet();
                bySubmission.computeIfPresent(submissionId, (id, waiters) -> {
                    waiters.remove(this);
                    return waiters.isEmpty() ? null : waiters;
                });
            }
        }
    }

    /**
     * A waiter for {@code submissionId}, registered before the lead is written so its outcome cannot be missed;
     * empty when the outcomes are not followed yet (or at all) or when {@code max-waiting} requests already wait.
     */
    public Optional<Waiter> register(String submissionId) {
        if (!following) {
            return Optional.empty();
        }
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            return Optional.empty();
        }
        Waiter waiter = new Waiter(submissionId);
        bySubmission.compute(submissionId, (id, waiters) -> {
            List<Waiter> list = waiters == null ? new ArrayList<>(1) : waiters;
            list.add(waiter);
            return list;
        });
        return Optional.of(waiter);
    }

    public boolean isWaitingFor(String submissionId) {
        return bySubmission.containsKey(submissionId);
    }

    /** Hands the outcome to every request waiting for it. Called on the follower's thread. */
    public void complete(String submissionId, LeadOutcome outcome) {
        List<Waiter> waiters = bySubmission.remove(submissionId);
        if (waiters != null) {
            for (Waiter waiter : waiters) {
                waiter.outcome.complete(outcome);
            }
        }
    }

    /** Set by the follower once it reads the outcomes topic from a known position (and cleared when it stops). */
    public void following(boolean following) {
        this.following = following;
    }

    public boolean following() {
        return following;
    }

    public int waiting() {
        return waiting.get();
    }
}
