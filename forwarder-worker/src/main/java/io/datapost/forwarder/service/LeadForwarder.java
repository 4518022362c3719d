package io.datapost.forwarder.service;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.datapost.forwarder.config.CircuitSettings;
import io.datapost.forwarder.config.EventTypeSettings;
import io.datapost.forwarder.http.AdvertiserClient;
import io.datapost.forwarder.http.AdvertiserClient.Timeouts;
import io.datapost.forwarder.http.AdvertiserRequestRenderer;
import io.datapost.forwarder.http.CallResult;
import io.datapost.forwarder.http.RenderedRequest;
import io.datapost.forwarder.http.RequestRenderException;
import io.datapost.schemas.AdvertiserRequest;
import io.datapost.schemas.AdvertiserResponse;
import io.datapost.schemas.EventType;
import io.datapost.schemas.FailureClass;
import io.datapost.schemas.LeadSubmitted;

/**
 * Delivers leads to their advertisers, many at once, without holding a thread per waiting lead.
 *
 * <p>Each event type has a lane: a queue of leads waiting for a call slot, its own limit of calls in flight and
 * the circuit of its advertiser endpoint. A call starts when the worker-wide limit, the lane's limit and the
 * circuit all allow it; lanes take turns, so a slow or dead advertiser fills only its own slots. The HTTP call
 * runs asynchronously; every attempt is published, and its slot is freed only once Kafka acknowledged that
 * response (so "calls in flight" also bounds the calls a crash can repeat). A retryable failure schedules the next
 * attempt on a timer after the back-off; meanwhile the lead holds no slot and no thread. While a circuit is open its
 * leads wait in their queue: waiting is not an attempt.
 *
 * <p>{@link #forward} returns a future that completes once the lead's final response is durable (the caller may
 * then treat the lead as done), or fails with the reason it cannot be delivered (e.g.
 * {@link io.datapost.forwarder.http.RequestRenderException}), or is cancelled when its {@link Ticket} was
 * abandoned before the lead finished.
 */
public class LeadForwarder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeadForwarder.class);
    private static final long MIN_WAKE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AdvertiserRequestRenderer renderer;
    private final AdvertiserClient client;
    private final AttemptPublisher publisher;
    private final ForwarderMetrics metrics;
    private final Function<String, EventTypeSettings> settings;
    private final Function<String, Optional<EventType>> currentConfig;
    private final int maxInFlight;
    private final Duration publishRetryInterval;
    private final RandomGenerator random;
    private final ScheduledExecutorService timers;
    private final ExecutorService dispatch;

    private final Object lock = new Object();
    private final Map<String, Lane> lanes = new HashMap<>();
    private final List<Lane> order = new ArrayList<>();
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();
    private int cursor;
    private volatile int inFlight;
    private volatile boolean closed;

    /**
     * @param settings per-event-type limits, timeouts, back-off and circuit thresholds
     * @param currentConfig the event type as configured now (a retry uses the latest config)
     * @param maxInFlight calls in flight in this worker, all event types together
     * @param publishRetryInterval delay before publishing again a response Kafka did not acknowledge
     */
    public LeadForwarder(AdvertiserRequestRenderer renderer, AdvertiserClient client, AttemptPublisher publisher,
            ForwarderMetrics metrics, Function<String, EventTypeSettings> settings,
            Function<String, Optional<EventType>> currentConfig, int maxInFlight, Duration publishRetryInterval,
            RandomGenerator random) {
        this.renderer = renderer;
        this.client = client;
        this.publisher = publisher;
        this.metrics = metrics;
        this.settings = settings;
        this.currentConfig = currentConfig;
        this.maxInFlight = maxInFlight;
        this.publishRetryInterval = publishRetryInterval;
        this.random = random;
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("forwarder-timers"));
        // starting calls (render + enqueue) happens here, not on Kafka's or OkHttp's callback threads
        this.dispatch = Executors.newSingleThreadExecutor(daemon("forwarder-dispatch"));
        metrics.workerGauges(() -> inFlight);
    }

    /** Delivers a lead from its first attempt. */
    public CompletableFuture<Void> forward(LeadSubmitted lead, EventType eventType) {
        return forward(lead, eventType, 1, new Ticket());
    }

    /**
     * @param firstAttempt the number of this delivery's first attempt (greater than 1 when earlier attempts were
     *        already published, e.g. before a crash)
     * @param ticket lets the caller abandon the lead (it then starts no further call) and see whether a call of it
     *        is in flight
     */
    public CompletableFuture<Void> forward(LeadSubmitted lead, EventType eventType, int firstAttempt,
            Ticket ticket) {
        return forward(lead, eventType, 1, firstAttempt, ticket);
    }

    /**
     * Delivers a lead whose attempts are numbered from {@code attemptBase}: a re-forwarded lead (replay) continues
     * the numbering of its earlier delivery, so its attempts are {@code attemptBase .. attemptBase - 1 + maxAttempts}
     * and the last of them is the final one.
     *
     * @param attemptBase the number of this delivery's first attempt when nothing of it was published yet (1 for a
     *        lead delivered the first time)
     * @param firstAttempt the number of the next attempt to make (above {@code attemptBase} when attempts of this
     *        delivery were already published, e.g. before a crash)
     */
    public CompletableFuture<Void> forward(LeadSubmitted lead, EventType eventType, int attemptBase,
            int firstAttempt, Ticket ticket) {
        int base = Math.max(1, attemptBase);
        Delivery delivery = new Delivery(lead, eventType, base, Math.max(base, firstAttempt), ticket);
        if (closed) {
            delivery.done.completeExceptionally(new CancellationException("The forwarder is closed"));
            return delivery.done;
        }
        synchronized (lock) {
            Lane lane = lane(eventType.getId());
            delivery.lane = lane;
            lane.waiting.addLast(delivery);
        }
        schedulePump();
        return delivery.done;
    }

    /** Calls in flight, all event types. */
    public int inFlight() {
        return inFlight;
    }

    /** The circuit state of an event type's advertiser (CLOSED when it never had a call). */
    public CircuitBreaker.State circuitState(String eventTypeId) {
        synchronized (lock) {
            Lane lane = lanes.get(eventTypeId);
            return lane == null ? CircuitBreaker.State.CLOSED : lane.circuit.state();
        }
    }

    /** A waiting lead taken out of memory by {@link #evictWaiting}; deliver it again from {@code nextAttempt}. */
    public record Evicted(Ticket ticket, String eventTypeId, int nextAttempt) {
    }

    /**
     * Takes up to {@code count} waiting leads out of memory, newest first, from the event types with the longest
     * queues, leaving each at least as many waiting leads as its call slots (so its slots stay busy). Their futures
     * are cancelled; the caller keeps only where to read them again. Used when a dead or very slow advertiser's
     * waiting leads would otherwise fill the worker's memory and stop every other advertiser's leads.
     */
    public List<Evicted> evictWaiting(int count) {
        List<Delivery> evicted = new ArrayList<>();
        synchronized (lock) {
            while (evicted.size() < count) {
                Lane longest = null;
                for (Lane lane : order) {
                    int surplus = lane.waiting.size() - lane.settings.maxInFlight();
                    if (surplus > 0 && (longest == null || surplus > longest.waiting.size()
                            - longest.settings.maxInFlight())) {
                        longest = lane;
                    }
                }
                if (longest == null) {
                    break;
                }
                int take = Math.min(count - evicted.size(), longest.waiting.size() - longest.settings.maxInFlight());
                for (int i = 0; i < take; i++) {
                    evicted.add(longest.waiting.pollLast());
                }
                longest.waitingCount = longest.waiting.size();
            }
        }
        evicted.forEach(d -> d.done.completeExceptionally(new CancellationException("evicted")));
        return evicted.stream().map(d -> new Evicted(d.ticket, d.lane.id, d.attempt)).toList();
    }

    /**
     * Whether more leads of this event type would be worked on now: its circuit is not open and fewer leads wait
     * than it has call slots.
     */
    public boolean wantsMore(String eventTypeId) {
        synchronized (lock) {
            Lane lane = lanes.get(eventTypeId);
            return lane == null || (lane.circuit.state() != CircuitBreaker.State.OPEN
                    && lane.waiting.size() < lane.settings.maxInFlight());
        }
    }

    /** Forgets every waiting lead whose ticket was abandoned; their futures are cancelled. */
    public void dropAbandoned() {
        List<Delivery> dropped = new ArrayList<>();
        synchronized (lock) {
            for (Lane lane : order) {
                lane.waiting.removeIf(d -> d.ticket.abandoned && dropped.add(d));
                lane.waitingCount = lane.waiting.size();
            }
        }
        dropped.forEach(d -> d.done.completeExceptionally(new CancellationException("abandoned")));
    }

    /** Starts no further call; results of calls still running are dropped (their leads stay unfinished). */
    @Override
    public void close() {
        closed = true;
        timers.shutdownNow();
        dispatch.shutdown();
    }

    private Lane lane(String eventTypeId) {
        Lane lane = lanes.get(eventTypeId);
        if (lane == null) {
            lane = new Lane(eventTypeId, settings.apply(eventTypeId));
            lanes.put(eventTypeId, lane);
            order.add(lane);
            Lane registered = lane;
            metrics.eventTypeGauges(eventTypeId, () -> registered.inFlight, () -> registered.waitingCount,
                    () -> registered.circuit.state().gaugeValue);
        }
        return lane;
    }

    /** Runs {@link #pump()} soon on the dispatch thread; requests made before it runs are coalesced. */
    private void schedulePump() {
        if (!pumpScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            dispatch.execute(() -> {
                pumpScheduled.set(false);
                pump();
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Starts every call the limits and circuits allow now, lanes taking turns. */
    private void pump() {
        if (closed) {
            return;
        }
        List<Delivery> starts = null;
        List<Delivery> dropped = null;
        synchronized (lock) {
            int lanesCount = order.size();
            int idle = 0;
            while (idle < lanesCount) {
                Lane lane = order.get(cursor);
                cursor = (cursor + 1) % lanesCount;
                while (!lane.waiting.isEmpty() && lane.waiting.peekFirst().ticket.abandoned) {
                    (dropped == null ? dropped = new ArrayList<>() : dropped).add(lane.waiting.pollFirst());
                }
                Delivery next = null;
                if (inFlight < maxInFlight && !lane.waiting.isEmpty()
                        && lane.inFlight < lane.settings.maxInFlight()) {
                    if (lane.circuit.tryAcquire()) {
                        next = lane.waiting.pollFirst();
                    } else {
                        wakeWhenCircuitAllows(lane);
                    }
                }
                lane.waitingCount = lane.waiting.size();
                if (next == null) {
                    idle++;
                    continue;
                }
                idle = 0;
                lane.inFlight++;
                inFlight++;
                next.slotHeld = true;
                next.ticket.inCall = true;
                (starts == null ? starts = new ArrayList<>() : starts).add(next);
            }
        }
        if (dropped != null) {
            dropped.forEach(d -> d.done.completeExceptionally(new CancellationException("abandoned")));
        }
        if (starts != null) {
            starts.forEach(this::start);
        }
    }

    private void wakeWhenCircuitAllows(Lane lane) {
        long nanos = lane.circuit.nanosUntilTrial();
        if (nanos == 0 || lane.wakeScheduled) {
            return; // half-open: the trial calls' results pump again
        }
        lane.wakeScheduled = true;
        schedule(() -> {
            synchronized (lock) {
                lane.wakeScheduled = false;
            }
            schedulePump();
        }, Math.max(nanos, MIN_WAKE_NANOS));
    }

    private void start(Delivery delivery) {
        Lane lane = delivery.lane;
        EventType eventType = currentConfig.apply(lane.id).filter(EventType::getActive).orElse(delivery.eventType);
        AdvertiserRequest config = eventType.getRequest();
        RenderedRequest request;
        String requestId = UUID.randomUUID().toString();
        try {
            // the event type overload also enforces its required fields and field checks
            request = renderer.render(delivery.lead, eventType, requestId);
            client.callAsync(request, timeouts(config, lane.settings), config.getMaxResponseBytes(), result -> {
                try {
                    onResult(delivery, eventType, request, result);
                } catch (RuntimeException e) {
                    // a bug or an answer that cannot become a response: never leak the slot or lose the lead
                    log.error("Lead {}: the result of attempt {} could not be handled", delivery.lead
                            .getSubmissionId(), delivery.attempt, e);
                    releaseSlot(delivery);
                    delivery.done.completeExceptionally(e);
                    schedulePump();
                }
            });
        } catch (RuntimeException e) {
            // no call was made: give the slot and any trial permit back, and let the caller dead-letter the lead
            synchronized (lock) {
                lane.circuit.release();
            }
            releaseSlot(delivery);
            if (e instanceof RequestRenderException invalid) {
                // the lead can never be sent: its final verdict now (ERROR), not at the validator's deadline
                log.warn("Lead {} to {}: request cannot be sent ({}); final INVALID_REQUEST response published",
                        delivery.lead.getSubmissionId(), lane.id, invalid.getMessage());
                publishDurably(invalidRequest(delivery.lead, delivery.attempt, requestId, invalid),
                        () -> delivery.done.completeExceptionally(e));
            } else {
                delivery.done.completeExceptionally(e);
            }
            schedulePump();
        }
    }

    /** The final response of a lead whose request cannot be rendered: the cause only, no lead or header values. */
    static AdvertiserResponse invalidRequest(LeadSubmitted lead, int attempt, String requestId,
            RequestRenderException cause) {
        return toResponse(lead, attempt, true, requestId, new CallResult(FailureClass.INVALID_REQUEST,
                cause.getMessage(), null, null, Map.of(), null, false, 0, java.time.Instant.now(), null));
    }

    static Timeouts timeouts(AdvertiserRequest config, EventTypeSettings settings) {
        Timeouts own = AdvertiserClient.timeoutsOf(config);
        Duration connect = settings.connectTimeout() != null ? settings.connectTimeout() : own.connect();
        Duration total = settings.totalTimeout() != null ? settings.totalTimeout() : own.total();
        Duration read = settings.readTimeout() != null ? settings.readTimeout() : total;
        return new Timeouts(connect, read, total);
    }

    private void onResult(Delivery delivery, EventType eventType, RenderedRequest request, CallResult result) {
        Lane lane = delivery.lane;
        if (closed) {
            // e.g. cancelled by the shutdown: not the advertiser's answer; the lead stays unfinished
            releaseSlot(delivery);
            return;
        }
        synchronized (lock) {
            lane.circuit.record(result.failureClass() == FailureClass.NONE);
        }
        metrics.recordCall(lane.id, result.failureClass(), result.latencyMillis());
        AdvertiserRequest config = eventType.getRequest();
        int maxAttempts = Math.max(1, config.getMaxAttempts());
        boolean retry = delivery.attempt < delivery.attemptBase - 1 + maxAttempts
                && lane.retry.isRetryable(result.failureClass(), config.getIdempotent());
        AdvertiserResponse response = toResponse(delivery.lead, delivery.attempt, !retry, request.requestId(),
                result);
        log.debug("Lead {} attempt {}/{} to {}: {} status {}", delivery.lead.getSubmissionId(), delivery.attempt,
                maxAttempts, lane.id, result.failureClass(), result.httpStatus());
        publishDurably(response, () -> afterPublished(delivery, result, retry));
    }

    /** Publishes until Kafka acknowledges: the lead is not finished (nor its offset committed) before that. */
    private void publishDurably(AdvertiserResponse response, Runnable then) {
        CompletableFuture<Void> sent;
        try {
            sent = publisher.publish(response);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, error) -> {
            if (error == null) {
                then.run();
                return;
            }
            log.warn("Response to attempt {} of submission {} not acknowledged by Kafka ({}); publishing again in {}",
                    response.getAttempt(), response.getSubmissionId(), error.toString(), publishRetryInterval);
            schedule(() -> publishDurably(response, then), publishRetryInterval.toNanos());
        });
    }

    private void afterPublished(Delivery delivery, CallResult result, boolean retry) {
        Lane lane = delivery.lane;
        releaseSlot(delivery);
        if (!retry) {
            if (result.failureClass() != FailureClass.NONE) {
                log.warn("Lead {} to {} failed after {} attempt(s): {}", delivery.lead.getSubmissionId(), lane.id,
                        delivery.attempt, result.failureClass());
            }
            delivery.done.complete(null);
        } else if (delivery.ticket.abandoned) {
            delivery.done.completeExceptionally(new CancellationException("abandoned"));
        } else {
            Duration delay = lane.retry.delayAfter(delivery.attempt - delivery.attemptBase + 1, result.retryAfter(),
                    random);
            metrics.retryScheduled(lane.id, result.failureClass());
            delivery.attempt++;
            schedule(() -> {
                synchronized (lock) {
                    // an earlier lead goes first: it has waited longest
                    lane.waiting.addFirst(delivery);
                    lane.waitingCount = lane.waiting.size();
                }
                schedulePump();
            }, delay.toNanos());
        }
        schedulePump();
    }

    /** Frees the delivery's call slot; a second release of the same slot changes nothing. */
    private void releaseSlot(Delivery delivery) {
        synchronized (lock) {
            if (!delivery.slotHeld) {
                return;
            }
            delivery.slotHeld = false;
            delivery.lane.inFlight--;
            inFlight--;
        }
        delivery.ticket.inCall = false;
    }

    private void schedule(Runnable task, long delayNanos) {
        try {
            timers.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed: the lead stays unfinished and is delivered again by the next owner of its partition
        }
    }

    private void circuitChanged(String eventTypeId, CircuitSettings circuit, CircuitBreaker.State state) {
        metrics.circuitTransition(eventTypeId, state);
        switch (state) {
            case OPEN -> log.warn("Circuit of event type {} OPEN: its advertiser failed too often; no call for {}, "
                    + "its leads wait", eventTypeId, circuit.openDuration());
            case HALF_OPEN -> log.info("Circuit of event type {} HALF_OPEN: trying {} call(s)", eventTypeId,
                    circuit.halfOpenCalls());
            case CLOSED -> log.info("Circuit of event type {} CLOSED: calls resume", eventTypeId);
        }
    }

    static AdvertiserResponse toResponse(LeadSubmitted lead, int attempt, boolean finalAttempt, String requestId,
            CallResult result) {
        return AdvertiserResponse.newBuilder()
                .setSubmissionId(lead.getSubmissionId())
                .setEventTypeId(lead.getEventTypeId())
                .setPartnerId(lead.getPartnerId())
                .setAttempt(attempt)
                .setFinalAttempt(finalAttempt)
                .setRequestId(requestId)
                .setFailureClass(result.failureClass())
                .setFailureMessage(result.failureMessage())
                .setHttpStatus(result.httpStatus())
                .setContentType(result.contentType())
                .setHeaders(result.headers())
                .setBody(result.body() == null ? null : ByteBuffer.wrap(result.body()))
                .setBodyTruncated(result.bodyTruncated())
                .setLatencyMillis(result.latencyMillis())
                .setRespondedAt(result.respondedAt())
                .build();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * The caller's handle on one lead: abandon it (e.g. its partition was revoked: start no further call for it),
     * and see whether a call of it is in flight (including the publishing of that call's response).
     */
    public static final class Ticket {
        private final Object origin;
        private volatile boolean abandoned;
        private volatile boolean inCall;

        public Ticket() {
            this(null);
        }

        /** @param origin the caller's own reference to where the lead came from (given back on eviction) */
        public Ticket(Object origin) {
            this.origin = origin;
        }

        public Object origin() {
            return origin;
        }

        public void abandon() {
            abandoned = true;
        }

        public boolean abandoned() {
            return abandoned;
        }

        public boolean inCall() {
            return inCall;
        }
    }

    private static final class Delivery {
        final LeadSubmitted lead;
        final EventType eventType;
        final Ticket ticket;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** the number of this delivery's first attempt: 1, or the attempt a re-forward starts at */
        final int attemptBase;
        Lane lane;
        boolean slotHeld;
        volatile int attempt;

        Delivery(LeadSubmitted lead, EventType eventType, int attemptBase, int attempt, Ticket ticket) {
            this.lead = lead;
            this.eventType = eventType;
            this.attemptBase = attemptBase;
            this.attempt = attempt;
            this.ticket = ticket;
        }
    }

    private final class Lane {
        final String id;
        final EventTypeSettings settings;
        final RetryPolicy retry;
        final CircuitBreaker circuit;
        final ArrayDeque<Delivery> waiting = new ArrayDeque<>();
        volatile int inFlight;
        volatile int waitingCount;
        boolean wakeScheduled;

        Lane(String id, EventTypeSettings settings) {
            this.id = id;
            this.settings = settings;
            this.retry = new RetryPolicy(settings.retryBackoffBase(), settings.retryBackoffMax(),
                    settings.retryAfterMax());
            this.circuit = new CircuitBreaker(settings.circuit(), System::nanoTime,
                    state -> circuitChanged(id, settings.circuit(), state));
        }
    }
}
